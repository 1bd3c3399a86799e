// TEST-ONLY surface of @qianyue/sandbox (`@qianyue/sandbox/testing`): fixture keys and test ids for the
// test suites of every package. Nothing under src/ imports this folder.
export {
  fixturesDir,
  REPO_ROOT,
  type SandboxConfigOverrides,
  TEST_IDS,
  testSandboxConfig,
} from './test-config.ts';

import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const APP_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const REPO_DIR = path.resolve(APP_DIR, '../..');
export const WEAPP_DIR = path.join(APP_DIR, 'dist');
export const H5_DIR = path.join(APP_DIR, 'dist-h5');
export const ARTIFACTS_DIR = path.join(REPO_DIR, 'test-artifacts', 'miniprogram');
export const FIXTURES_DIR = process.env.QIANYUE_FIXTURES_DIR
  ? path.resolve(process.env.QIANYUE_FIXTURES_DIR)
  : path.resolve(REPO_DIR, 'fixtures');
/** Written by the global setup after a successful build: { type, ms, builtAt }. */
export const BUILD_INFO = '.build-info.json';
/** Test-only files placed in the build output (not part of the bundle, skipped by the scans). */
export const TEST_ONLY_FILES = new Set([BUILD_INFO, 'package.json']);

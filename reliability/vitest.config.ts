import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'reliability',
    include: ['test/**/*.test.ts'],
    // Each file starts a sandbox, BFF replica(s) and a throwaway PostgreSQL: one file at a time on 2 cores
    // (fileParallelism is not a project option; one fork for the project runs its files in sequence).
    poolOptions: { forks: { singleFork: true } },
    testTimeout: 120_000,
    hookTimeout: 120_000,
    globalSetup: ['src/global-setup.ts'],
  },
});

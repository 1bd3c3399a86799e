import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'miniprogram',
    include: ['test/**/*.test.ts'],
    // Builds the weapp and H5 bundles once (skipped when they are newer than the sources).
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});

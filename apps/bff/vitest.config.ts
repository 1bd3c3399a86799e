import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'bff',
    include: ['test/**/*.test.ts'],
    // Each file builds a sandbox + BFF on loopback; PostgreSQL tests start a throwaway cluster.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'doctor',
    include: ['test/**/*.test.ts'],
    // Each file starts a sandbox on loopback; some open a PGlite database or spawn the CLI.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});

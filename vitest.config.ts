import { defineConfig } from 'vitest/config';

// One run over every package, so CI prints a single summary and one totals line.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*', 'reliability*'],
  },
});

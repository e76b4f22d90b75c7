import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    pool: 'forks',
    setupFiles: ['test/support/yield-between-tests.ts'],
    // The -Y parser is generated from src/filter/filter.peggy (npm run build does it too).
    globalSetup: ['test/support/filter-grammar.ts'],
  },
});

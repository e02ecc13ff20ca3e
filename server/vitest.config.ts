import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: process.env.PB_REPORT_DIR
      ? ['default', ['json', { outputFile: `${process.env.PB_REPORT_DIR}/${process.env.PB_REPORT_NAME ?? 'server'}.json` }]]
      : ['default'],
  },
});

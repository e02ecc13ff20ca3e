import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    passWithNoTests: true,
    reporters: process.env.PB_REPORT_DIR ? ['default', ['json', { outputFile: `${process.env.PB_REPORT_DIR}/shared.json` }]] : ['default'],
  },
});

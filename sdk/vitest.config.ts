import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    passWithNoTests: true,
    // Builds dist/ once before the suites that test the package as built.
    globalSetup: ['src/testing/buildDist.ts'],
    reporters: process.env.PB_REPORT_DIR ? ['default', ['json', { outputFile: `${process.env.PB_REPORT_DIR}/sdk.json` }]] : ['default'],
  },
});

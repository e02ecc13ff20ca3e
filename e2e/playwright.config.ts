import { defineConfig, type ReporterDescription } from '@playwright/test';

// Debian's Chromium (apt-get install -y chromium); Playwright never downloads a browser here.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// `PB_REPORT_DIR` is set by scripts/run-tests.mjs, which totals every suite from these reports.
const reporter: ReporterDescription[] = [['list']];
if (process.env.PB_REPORT_DIR) reporter.push(['json', { outputFile: `${process.env.PB_REPORT_DIR}/e2e.json` }]);

/** Servers start in-process from fixtures (`fixtures/test.ts`), one fresh set per test; no `webServer`. */
export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  workers: 1,
  forbidOnly: !!process.env.CI,
  reporter,
  use: {
    headless: true,
    launchOptions: {
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});

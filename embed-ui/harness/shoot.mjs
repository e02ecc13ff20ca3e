// Screenshots of the harness with Playwright + Debian Chromium (look-at-it tool, not a test).
// Usage: node harness/shoot.mjs <out.png> [query] [width] [steps]
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../e2e/package.json', import.meta.url));
const { chromium } = require('@playwright/test');
const [out = '/tmp/shot.png', query = '', width = '480', steps = ''] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const page = await browser.newPage({ viewport: { width: Number(width), height: 900 } });
page.on('console', (m) => console.log('console:', m.text()));
page.on('pageerror', (e) => console.log('pageerror:', e.message));
await page.goto(`http://localhost:5311/${query}`);
const frame = page.frameLocator('#f');
await frame.locator('.pb-root').waitFor();
await page.waitForTimeout(800);
for (const step of steps.split(';').filter(Boolean)) {
  const [kind, ...rest] = step.split(':');
  const arg = rest.join(':');
  if (kind === 'click') await frame.getByRole('button', { name: arg, exact: true }).first().click();
  if (kind === 'tab') await frame.getByRole('tab', { name: arg }).click();
  if (kind === 'fill') {
    const [label, value] = arg.split('=');
    await frame.getByLabel(label, { exact: true }).fill(value);
  }
  if (kind === 'select') {
    const [label, value] = arg.split('=');
    await frame.getByLabel(label, { exact: true }).selectOption(value);
  }
  if (kind === 'radio') await frame.getByRole('radio', { name: arg }).check();
  if (kind === 'key') await page.keyboard.press(arg);
  if (kind === 'wait') await page.waitForTimeout(Number(arg));
  await page.waitForTimeout(300);
}
const events = await page.evaluate(() => window.__events ?? []);
console.log('events:', JSON.stringify(events.map((e) => e.type)));
await page.screenshot({ path: out, fullPage: true });
await browser.close();

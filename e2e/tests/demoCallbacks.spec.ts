import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { generateKey } from '../../server/src/crypto/keyring.ts';
import { type RunningDemo, startDemo } from '../../server/src/demo/startDemo.ts';
import { createTestDatabase, type TestDatabase } from '../../server/src/testing/testDatabase.ts';

/*
 * The demo shows both channels side by side: the Acme CRM page lists what the portal told the
 * browser (SDK events) and, polled from Acme's backend, the callbacks Patchbay sent that backend
 * (verified there with verifyCallback).
 */

let dir: string;
let database: TestDatabase;
let demo: RunningDemo;

test.beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-demo-e2e-'));
  database = await createTestDatabase(dir);
  demo = await startDemo({
    ports: { patchbay: 0, acme: 0, crm: 0, crmApi: 0, mailer: 0 },
    env: { ...database.env, PATCHBAY_ENCRYPTION_KEY: generateKey(), PATCHBAY_LOG_LEVEL: 'silent' },
  });
});
test.afterAll(async () => {
  await demo?.close();
  await database?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('the Acme CRM page shows the callbacks its backend received beside the browser events', async ({ page }) => {
  await page.goto(`${demo.urls.acme}/?user=ada`);
  await expect(page.locator('#events-title')).toHaveText('Events received');
  await expect(page.locator('#callbacks-title')).toHaveText('Callbacks to Acme’s backend');
  // the portal reports `ready` to the page (browser channel)
  await expect(page.locator('#events .type').first()).toHaveText('ready', { timeout: 15_000 });
  // The demo's seeded activity (a connection, an enabled integration) may already have reached
  // Acme's backend by now, so the panel is either empty and says so, or lists them.
  // Read in one go in the page, so a poll landing in between cannot change the answer.
  const panel = await page.evaluate(() => ({
    received: (window as unknown as { acmeCallbacks: unknown[] }).acmeCallbacks.length,
    listed: document.querySelectorAll('#callbacks li').length,
    emptyShown: !(document.getElementById('no-callbacks') as HTMLElement).hidden,
  }));
  expect(panel.listed).toBe(Math.min(panel.received, 50));
  expect(panel.emptyShown).toBe(panel.received === 0);

  const res = await fetch(`${demo.urls.patchbay}/api/v1/embed-configs/${demo.seed.configId}/test-callback`, {
    method: 'POST',
    headers: { authorization: `Bearer ${demo.seed.apiToken}` },
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { delivery: { id: string }; attempt: { statusCode: number } };
  expect(body.attempt.statusCode).toBe(204);

  // the backend channel: polled from Acme's backend into the second panel
  await expect(page.locator('#callbacks .type').first()).toHaveText('ping', { timeout: 10_000 });
  await expect(page.locator('#no-callbacks')).toBeHidden();
  const ids = await page.evaluate(() => (window as unknown as { acmeCallbacks: { id: string }[] }).acmeCallbacks.map((c) => c.id));
  expect(ids).toContain(body.delivery.id);
});

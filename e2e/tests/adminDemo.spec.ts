/**
 * `patchbay demo`'s console (issue 11): signed in with the printed owner login, the Overview shows
 * the demo's counts (the connection to reconnect, the failed run, the failed callback) and its
 * runs in the chart, and Integrations lists the demo's rows.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateKey } from '../../server/src/crypto/keyring.ts';
import { startDemo } from '../../server/src/demo/startDemo.ts';
import { createTestDatabase } from '../../server/src/testing/testDatabase.ts';
import { INTEGRATION_COLUMNS, rowWith, table } from '../fixtures/console.ts';
import { expect, test } from '../fixtures/test.ts';

test.setTimeout(90_000);

test('the demo’s console: Overview shows its counts and its runs in the chart; Integrations lists its rows', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-e2e-demo-console-'));
  const database = await createTestDatabase(dir);
  const demo = await startDemo({
    ports: { patchbay: 0, acme: 0, crm: 0, crmApi: 0, mailer: 0 },
    env: { ...database.env, PATCHBAY_ENCRYPTION_KEY: generateKey(), PATCHBAY_LOG_LEVEL: 'silent' },
  });
  try {
    const api = async (p: string) => {
      const res = await fetch(`${demo.urls.patchbay}${p}`, { headers: { authorization: `Bearer ${demo.seed.apiToken}` } });
      expect(res.status).toBe(200);
      return res.json();
    };
    const overview = await api('/api/v1/overview');
    const integrations = await api('/api/v1/integrations?limit=100');
    expect(integrations.items.length).toBeGreaterThan(0);

    await page.goto(`${demo.urls.patchbay}/admin`);
    await page.getByLabel('Email').fill(demo.seed.adminEmail);
    await page.getByLabel('Password').fill(demo.seed.adminPassword ?? '');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
    const stat = (label: string) => page.locator('.pb-stat', { hasText: label }).locator('.pb-stat-value');
    await expect(stat('connector auths need reconnecting')).toHaveText('1');
    await expect(stat('runs failed in the last 24 hours')).toHaveText('1');
    await expect(stat('callbacks failed in the last 24 hours')).toHaveText('1');
    await expect(stat('integrations enabled')).toHaveText(String(overview.integrations.enabled));
    expect(overview.integrations.enabled).toBeGreaterThan(0);

    // The chart has the demo's runs: one failed, at least one succeeded, drawn as bar segments.
    const chart = page.getByRole('region', { name: 'Runs per day, last 7 days' });
    await expect(chart.locator('tbody tr')).toHaveCount(7);
    await expect(chart.getByText(/No runs in the last 7 days/)).toHaveCount(0);
    const headers = (await chart.locator('thead th').allTextContents()).map((h) => h.trim());
    const column = async (name: string) => {
      const i = headers.indexOf(name);
      expect(i, name).toBeGreaterThan(0);
      const cells = await chart.locator('tbody tr').evaluateAll((rows, n) => rows.map((r) => r.children[n]?.textContent ?? '0'), i);
      return cells.reduce((sum, c) => sum + Number(c.replace(/\D/g, '') || 0), 0);
    };
    expect(await column('Failed')).toBe(1);
    expect(await column('Succeeded')).toBeGreaterThanOrEqual(1);
    expect(await chart.locator('.pb-chart-seg').count()).toBeGreaterThanOrEqual(2);

    // Integrations: the seed's columns, the demo's rows.
    await page.getByRole('navigation', { name: 'Main navigation' }).getByRole('link', { name: 'Integrations', exact: true }).click();
    const t = table(page, 'Integrations');
    await expect(t.locator('thead th').first()).toBeVisible();
    expect((await t.locator('thead th').allTextContents()).map((h) => h.trim())).toEqual([...INTEGRATION_COLUMNS, 'Actions']);
    await expect(t.locator('tbody tr')).toHaveCount(integrations.items.length);
    await expect(rowWith(t, demo.activity.integrationId)).toBeVisible();
  } finally {
    await demo.close();
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * axe in real Chromium on every page of the admin console, in light and dark, including its
 * dialogs: no serious or critical violation. The theme follows the system colour scheme (the
 * console's "System" theme), emulated here.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { consolePages, finishedRun, OWNER, rowWith, seedConsoleWorld, signIn, startRunWorker, table, visit } from '../fixtures/console.ts';
import { expect, test } from '../fixtures/test.ts';

test.setTimeout(180_000);

interface Finding {
  view: string;
  id: string;
  impact: string | null | undefined;
  targets: string[];
}

async function scan(page: Page, view: string, findings: Finding[], scanned: string[]): Promise<void> {
  // Let transitions settle so colour contrast is measured on the final colours.
  await page.waitForTimeout(150);
  const results = await new AxeBuilder({ page }).analyze();
  expect(results.passes.length, `${view}: axe ran`).toBeGreaterThan(0);
  scanned.push(view);
  for (const v of results.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') {
      findings.push({ view, id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)) });
    }
  }
}

for (const theme of ['light', 'dark'] as const) {
  test(`axe: no serious or critical violations on every console page and dialog (${theme})`, async ({ page, patchbay, world }) => {
    const seeded = await seedConsoleWorld(patchbay, world);
    // One finished run (with its step and calls) and one left queued, so Runs and the run pages have content.
    const start = async (id: string) =>
      (await patchbay.request('POST', `/api/v1/integrations/${id}/runs`, { token: seeded.token, body: {} })).body.run.id as string;
    const worker = startRunWorker(patchbay);
    const finishedId = await start(seeded.integrations.u1Sync.id);
    await finishedRun(patchbay, seeded.token, finishedId);
    await worker.stop();
    const queuedId = await start(seeded.integrations.u2Export.id);
    await page.emulateMedia({ colorScheme: theme });
    const findings: Finding[] = [];
    const scanned: string[] = [];

    await page.goto(`${patchbay.url}/admin`);
    await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
    expect(await page.evaluate(() => document.documentElement.dataset.mode)).toBe(theme);
    await scan(page, 'sign-in', findings, scanned);
    await page.getByLabel('Email').fill(OWNER.email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert')).toBeVisible();
    await scan(page, 'sign-in refused', findings, scanned);
    await signIn(page, patchbay, OWNER);

    const pages = [
      ...consolePages(world, seeded),
      { path: `/admin/runs/${finishedId}`, heading: `Run ${finishedId}` },
      { path: `/admin/runs/${queuedId}`, heading: `Run ${queuedId}` },
      { path: '/admin/runs?status=queued', heading: 'Runs' },
    ];
    for (const target of pages) {
      await visit(page, patchbay, target);
      await scan(page, target.path, findings, scanned);
    }

    // Dialogs and states that only appear on an action.
    await visit(page, patchbay, { path: '/admin/connector-auths', heading: 'Connector auths' });
    await rowWith(table(page, 'Connector auths'), 'Ada’s CRM').getByRole('button', { name: 'Revoke' }).click();
    await expect(page.getByRole('alertdialog')).toBeVisible();
    await scan(page, 'revoke confirmation', findings, scanned);
    await page.keyboard.press('Escape');
    await rowWith(table(page, 'Connector auths'), 'Ada’s CRM').getByRole('button', { name: 'Disable' }).click();
    await expect(page.getByRole('main').getByRole('status')).toContainText('is disabled');
    await scan(page, 'action confirmed (status)', findings, scanned);

    await visit(page, patchbay, { path: `/admin/runs/${finishedId}`, heading: `Run ${finishedId}` });
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await expect(page.getByRole('alertdialog', { name: 'Retry run' })).toBeVisible();
    await scan(page, 'retry run confirmation', findings, scanned);
    await page.keyboard.press('Escape');
    await visit(page, patchbay, { path: `/admin/runs/${queuedId}`, heading: `Run ${queuedId}` });
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await expect(page.getByRole('alertdialog', { name: 'Cancel run' })).toBeVisible();
    await scan(page, 'cancel run confirmation', findings, scanned);
    await page.keyboard.press('Escape');
    await visit(page, patchbay, { path: '/admin/integrations', heading: 'Integrations' });
    await rowWith(table(page, 'Integrations'), seeded.integrations.u1Export.id).getByRole('button', { name: 'Run now' }).click();
    await expect(page.getByRole('link', { name: /^Open run / })).toBeVisible();
    await scan(page, 'run queued (notice)', findings, scanned);
    await visit(page, patchbay, { path: '/admin/callbacks', heading: 'Callbacks' });
    await page.getByRole('button', { name: 'Send test event' }).click();
    await expect(page.getByRole('dialog', { name: 'Send test event' })).toBeVisible();
    await scan(page, 'send test event', findings, scanned);
    await page.keyboard.press('Escape');

    await visit(page, patchbay, { path: '/admin/admin-users', heading: 'Admin users' });
    await page.getByRole('button', { name: 'Add admin user' }).click();
    await expect(page.getByRole('dialog', { name: 'Add admin user' })).toBeVisible();
    await scan(page, 'add admin user', findings, scanned);
    await page.keyboard.press('Escape');

    await visit(page, patchbay, { path: '/admin/api-tokens', heading: 'API tokens' });
    await page.getByRole('button', { name: 'Create token' }).click();
    const create = page.getByRole('dialog', { name: 'Create token' });
    await create.getByLabel('Name').fill('Nightly export');
    await create.getByRole('button', { name: 'Create token' }).click();
    await expect(page.getByRole('dialog', { name: 'API token created' })).toBeVisible();
    await scan(page, 'token shown once', findings, scanned);
    await page.getByRole('button', { name: 'I have stored it' }).click();

    await visit(page, patchbay, { path: `/admin/embed-configs/${world.configs.user.id}`, heading: 'Acme CRM (user)' });
    await page.getByRole('button', { name: 'Rotate signing secret' }).click();
    await expect(page.getByRole('alertdialog', { name: 'Rotate signing secret' })).toBeVisible();
    await scan(page, 'rotate signing secret', findings, scanned);
    await page.keyboard.press('Escape');

    await visit(page, patchbay, { path: '/admin/connectors/new?source=custom', heading: 'Add connector' });
    await page.getByLabel('Auth type').selectOption('api_key');
    await page.getByLabel('Connector ID').fill('Not A Link Name');
    await page.getByLabel('Name', { exact: true }).fill('Mailer');
    await page.getByRole('button', { name: 'Create connector' }).click();
    await expect(page.getByLabel('Connector ID')).toHaveAttribute('aria-invalid', 'true');
    await scan(page, 'custom connector refused', findings, scanned);

    expect(scanned).toHaveLength(2 + pages.length + 10);
    expect(findings).toEqual([]);

    // The scan does find a violation: a nameless button planted in the page is reported (critical).
    await page.evaluate(() => document.querySelector('main')?.appendChild(document.createElement('button')));
    const planted: Finding[] = [];
    await scan(page, 'planted violation', planted, scanned);
    expect(planted.map((p) => [p.id, p.impact])).toEqual([['button-name', 'critical']]);
  });
}

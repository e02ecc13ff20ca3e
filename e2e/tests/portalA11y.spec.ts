/**
 * axe in real Chromium: no serious or critical violation on any iframe view — consent,
 * integrations, connections, every wizard step, the credentials form with its error, rename, the
 * delete confirmation — in light and dark. `@axe-core/playwright` injects axe into every frame
 * through the DevTools protocol (the iframe's CSP does not apply to it) and analyses the portal
 * iframe's document from the host page.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { portal, portalFrame, waitForEvent } from '../fixtures/acme.ts';
import { confirmation, connectCrmByPopup, connectionRow, openTab, openWizard } from '../fixtures/portalUi.ts';
import { expect, test } from '../fixtures/test.ts';
import { NAMES, VAULT_PASSWORD, VAULT_USER, VAULT_WRONG_PASSWORD } from '../fixtures/world.ts';

test.setTimeout(120_000);

interface Finding {
  view: string;
  id: string;
  impact: string | null | undefined;
  targets: string[];
}

async function scan(page: Page, view: string, findings: Finding[], scanned: string[]): Promise<void> {
  // Let transitions settle so colour contrast is measured on the final colours.
  await page.waitForTimeout(250);
  const results = await new AxeBuilder({ page }).include('#portal').analyze();
  // The iframe's document was really analysed: its nodes appear among the passes.
  const inFrame = results.passes.some((rule) => rule.nodes.some((n) => Array.isArray(n.target[0]) || n.target.length > 1));
  expect(inFrame, `${view}: axe reached into the iframe`).toBe(true);
  scanned.push(view);
  for (const v of results.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') {
      findings.push({ view, id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)) });
    }
  }
}

for (const theme of ['light', 'dark'] as const) {
  test(`axe: no serious or critical violations on every iframe view (${theme})`, async ({ page, patchbay, acme, world }) => {
    const findings: Finding[] = [];
    const scanned: string[] = [];
    await acme.open(page, { config: world.configs.user, theme });
    const f = portal(page);

    await expect(f.getByRole('heading', { name: 'Before you start' })).toBeVisible();
    const frame = await portalFrame(page, patchbay.url);
    expect(await frame.evaluate(() => document.documentElement.dataset.mode)).toBe(theme);
    await scan(page, 'consent', findings, scanned);
    await f.getByRole('button', { name: 'Accept' }).click();
    await waitForEvent(page, 'consent.given');

    await openTab(f, 'Integrations');
    await scan(page, 'integrations (empty)', findings, scanned);
    await openTab(f, 'Connections');
    await scan(page, 'connections (empty)', findings, scanned);

    await openTab(f, 'Integrations');
    const wizard = await openWizard(f, NAMES.crmGroup, NAMES.syncFlow);
    await scan(page, 'wizard: choose account (none yet)', findings, scanned);
    await connectCrmByPopup(page, wizard);
    await waitForEvent(page, 'connectorAuth.created');
    await scan(page, 'wizard: account connected', findings, scanned);
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Connect new account' }).click();
    await scan(page, 'wizard: credentials form', findings, scanned);
    await wizard.getByLabel('Username').fill(VAULT_USER);
    await wizard.getByLabel('Password').fill(VAULT_WRONG_PASSWORD);
    await wizard.getByRole('button', { name: 'Save connection' }).click();
    await expect(wizard.getByRole('alert')).toBeVisible();
    await scan(page, 'wizard: credentials refused', findings, scanned);
    await wizard.getByLabel('Password').fill(VAULT_PASSWORD);
    await wizard.getByRole('button', { name: 'Save connection' }).click();
    await waitForEvent(page, 'connectorAuth.created', 2);
    await wizard.getByRole('button', { name: 'Next' }).click();
    await wizard.getByRole('button', { name: 'Enable' }).click();
    await expect(wizard.getByLabel(NAMES.listInput)).toHaveAttribute('aria-invalid', 'true');
    await scan(page, 'wizard: settings with a missing field', findings, scanned);
    await wizard.getByLabel(NAMES.listInput).fill('Newsletter');
    await wizard.getByRole('button', { name: 'Enable' }).click();
    await waitForEvent(page, 'integration.enabled');

    await openTab(f, 'Integrations');
    await scan(page, 'integrations (one enabled)', findings, scanned);
    await openTab(f, 'Connections');
    await scan(page, 'connections (two)', findings, scanned);
    const row = connectionRow(f, new RegExp(`^${NAMES.vault} `));
    await row.getByRole('button', { name: 'Rename' }).click();
    await scan(page, 'connections: rename', findings, scanned);
    await row.getByRole('button', { name: 'Cancel' }).click();
    await row.getByRole('button', { name: 'Delete' }).click();
    await expect(confirmation(f)).toBeVisible();
    await scan(page, 'connections: delete confirmation', findings, scanned);

    expect(scanned).toHaveLength(12);
    expect(findings).toEqual([]);

    // The scan sees into the iframe: a nameless button planted there is reported (critical).
    await frame.evaluate(() => document.querySelector('main')?.appendChild(document.createElement('button')));
    const planted: Finding[] = [];
    await scan(page, 'planted violation', planted, scanned);
    expect(planted.map((p) => [p.id, p.impact])).toEqual([['button-name', 'critical']]);
  });
}

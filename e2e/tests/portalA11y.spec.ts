/**
 * axe in real Chromium: no serious or critical violation on any iframe view — consent,
 * integrations, connections, every wizard step, the credentials form with its error, rename, the
 * delete confirmation, the "Connect an account" list, the reconnect form — in light and dark, in
 * English and German. `@axe-core/playwright` injects axe into every frame
 * through the DevTools protocol (the iframe's CSP does not apply to it) and analyses the portal
 * iframe's document from the host page.
 */
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { de } from '../../embed-ui/src/lib/i18n.de.ts';
import { en } from '../../embed-ui/src/lib/i18n.ts';
import { portal, portalFrame, waitForEvent } from '../fixtures/acme.ts';
import { confirmation, connectionRow, signInAtProvider } from '../fixtures/portalUi.ts';
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
  // The iframe's document was really analysed: its nodes appear among the passes. Right after the
  // first render axe sometimes sees the frame before its document is ready; it is asked again then.
  const reached = (r: Awaited<ReturnType<AxeBuilder['analyze']>>) =>
    r.passes.some((rule) => rule.nodes.some((n) => Array.isArray(n.target[0]) || n.target.length > 1));
  let results = await new AxeBuilder({ page }).include('#portal').analyze();
  for (let attempt = 0; attempt < 3 && !reached(results); attempt++) {
    await page.waitForTimeout(500);
    results = await new AxeBuilder({ page }).include('#portal').analyze();
  }
  expect(reached(results), `${view}: axe reached into the iframe`).toBe(true);
  scanned.push(view);
  for (const v of results.violations) {
    if (v.impact === 'serious' || v.impact === 'critical') {
      findings.push({ view, id: v.id, impact: v.impact, targets: v.nodes.map((n) => JSON.stringify(n.target)) });
    }
  }
}

/** The iframe's own words in one language: the tests find buttons and tabs by them. */
const WORDS = { en, de } as const;

for (const language of ['en', 'de'] as const) {
  for (const theme of ['light', 'dark'] as const) {
    test(`axe: no serious or critical violations on every iframe view (${theme}, ${language})`, async ({ page, patchbay, acme, world }) => {
      const M = WORDS[language];
      const findings: Finding[] = [];
      const scanned: string[] = [];
      await acme.open(page, { config: world.configs.user, theme, language });
      const f = portal(page);
      const tab = async (name: string) => {
        const t = f.getByRole('tab', { name, exact: true });
        await t.click();
        await expect(t).toHaveAttribute('aria-selected', 'true');
      };

      await expect(f.getByRole('heading', { name: M.consentHeading })).toBeVisible();
      const frame = await portalFrame(page, patchbay.url);
      expect(await frame.evaluate(() => document.documentElement.dataset.mode)).toBe(theme);
      expect(await frame.evaluate(() => document.documentElement.lang)).toBe(language);
      await scan(page, 'consent', findings, scanned);
      await f.getByRole('button', { name: M.accept }).click();
      await waitForEvent(page, 'consent.given');

      await tab(M.tabIntegrations);
      await scan(page, 'integrations (empty)', findings, scanned);
      await tab(M.tabConnections);
      await scan(page, 'connections (empty)', findings, scanned);
      await f.getByRole('button', { name: M.connectAnAccount }).click();
      await expect(f.getByRole('list', { name: M.connectAnAccount })).toBeVisible();
      await scan(page, 'connections: connect an account', findings, scanned);

      await tab(M.tabIntegrations);
      const toggle = f.getByRole('button', { name: NAMES.crmGroup, exact: true });
      if ((await toggle.getAttribute('aria-expanded')) === 'false') await toggle.click();
      await f.getByRole('listitem', { name: NAMES.syncFlow, exact: true }).getByRole('button', { name: M.setUp }).click();
      const wizard = f.getByRole('dialog', { name: NAMES.syncFlow });
      await expect(wizard).toBeVisible();
      await scan(page, 'wizard: choose account (none yet)', findings, scanned);
      const popupOpened = page.context().waitForEvent('page');
      await wizard.getByRole('button', { name: M.connectNew }).click();
      const popup = await popupOpened;
      await signInAtProvider(popup);
      await popup.waitForEvent('close', { timeout: 15_000 });
      await waitForEvent(page, 'connectorAuth.created');
      await scan(page, 'wizard: account connected', findings, scanned);
      await wizard.getByRole('button', { name: M.next }).click();
      await wizard.getByRole('button', { name: M.connectNew }).click();
      await scan(page, 'wizard: credentials form', findings, scanned);
      await wizard.getByLabel('Username').fill(VAULT_USER);
      await wizard.getByLabel('Password').fill(VAULT_WRONG_PASSWORD);
      await wizard.getByRole('button', { name: M.saveConnection }).click();
      await expect(wizard.getByRole('alert')).toBeVisible();
      await scan(page, 'wizard: credentials refused', findings, scanned);
      await wizard.getByLabel('Password').fill(VAULT_PASSWORD);
      await wizard.getByRole('button', { name: M.saveConnection }).click();
      await waitForEvent(page, 'connectorAuth.created', 2);
      await wizard.getByRole('button', { name: M.next }).click();
      await wizard.getByRole('button', { name: M.enable }).click();
      await expect(wizard.getByLabel(NAMES.listInput)).toHaveAttribute('aria-invalid', 'true');
      await scan(page, 'wizard: settings with a missing field', findings, scanned);
      await wizard.getByLabel(NAMES.listInput).fill('Newsletter');
      await wizard.getByRole('button', { name: M.enable }).click();
      await waitForEvent(page, 'integration.enabled');

      await tab(M.tabIntegrations);
      await scan(page, 'integrations (one enabled)', findings, scanned);
      await tab(M.tabConnections);
      await scan(page, 'connections (two)', findings, scanned);
      const row = connectionRow(f, new RegExp(`^${NAMES.vault} `));
      await row.getByRole('button', { name: M.rename }).click();
      await scan(page, 'connections: rename', findings, scanned);
      await row.getByRole('button', { name: M.cancel }).click();
      await row.getByRole('button', { name: M.reconnect }).click();
      await expect(row.getByRole('button', { name: M.saveConnection })).toBeVisible();
      await scan(page, 'connections: reconnect form', findings, scanned);
      await row.getByRole('button', { name: M.cancel }).click();
      await row.getByRole('button', { name: M.delete }).click();
      await expect(confirmation(f)).toBeVisible();
      await scan(page, 'connections: delete confirmation', findings, scanned);

      expect(scanned).toHaveLength(14);
      expect(findings).toEqual([]);

      // The scan sees into the iframe: a nameless button planted there is reported (critical).
      await frame.evaluate(() => document.querySelector('main')?.appendChild(document.createElement('button')));
      const planted: Finding[] = [];
      await scan(page, 'planted violation', planted, scanned);
      expect(planted.map((p) => [p.id, p.impact])).toEqual([['button-name', 'critical']]);
    });
  }
}

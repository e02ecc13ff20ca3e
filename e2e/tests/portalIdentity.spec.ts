/**
 * The portal, polished, part two (issue 12, points 3, 4, 7 and 9; docs/domain.md, Connector auth):
 * connection cards say whose account each is, who set it up and when, and which integrations use
 * it; connecting the same account again leaves one connection; the Connections tab connects on
 * its own; catalogue connectors show their brand mark, others a monogram; many groups get a
 * search box; e-mail/url/requiredWhen inputs and schedule time zones in the wizard; the basic-auth
 * reconnect is a form of its own; the demo's language and theme switches.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FrameLocator, Page } from '@playwright/test';
import { generateKey } from '../../server/src/crypto/keyring.ts';
import { startDemo } from '../../server/src/demo/startDemo.ts';
import { createTestDatabase } from '../../server/src/testing/testDatabase.ts';
import { eventsOf, portal, waitForEvent } from '../fixtures/acme.ts';
import type { E2EPatchbay } from '../fixtures/patchbayServer.ts';
import { connectionRow, expandGroup, openTab, openWizard, signInAtProvider } from '../fixtures/portalUi.ts';
import { expect, test } from '../fixtures/test.ts';
import { NAMES, VAULT_PASSWORD, VAULT_USER, type World } from '../fixtures/world.ts';

test.setTimeout(90_000);

/** Accepts the consent screen when this end user is asked for it; waits for the tabs either way. */
async function pastConsent(f: FrameLocator): Promise<void> {
  const heading = f.getByRole('heading', { name: 'Before you start' });
  await expect(heading.or(f.getByRole('tab', { name: 'Connections', exact: true }))).toBeVisible();
  if (await heading.isVisible()) {
    await f.getByRole('button', { name: 'Accept' }).click();
    await expect(heading).toHaveCount(0);
  }
}

/** Connects an account of `connector` from the Connections tab's own entry, signing in at the provider as `login`. */
async function connectFromConnectionsTab(page: Page, f: FrameLocator, connector: string, login: string): Promise<void> {
  // A fresh sign-in at the provider each time (its session cookie would sign in as the last login).
  await page.context().clearCookies();
  await openTab(f, 'Connections');
  await f.getByRole('button', { name: 'Connect an account' }).click();
  const item = f.getByRole('list', { name: 'Connect an account' }).getByRole('listitem', { name: connector, exact: true });
  const opened = page.context().waitForEvent('page');
  await item.getByRole('button', { name: 'Connect new account' }).click();
  const popup = await opened;
  await signInAtProvider(popup, login);
  await popup.waitForEvent('close', { timeout: 15_000 });
}

async function vendor<T = any>(patchbay: E2EPatchbay, method: string, route: string, body?: unknown): Promise<T> {
  const res = await patchbay.request<T>(method, route, { token: await patchbay.adminToken(), ...(body === undefined ? {} : { body }) });
  if (res.status >= 300) throw new Error(`${method} ${route}: ${res.status} ${res.text}`);
  return res.body;
}

/** Adds groups to the user-level configuration (after its two seeded ones). */
async function addGroups(patchbay: E2EPatchbay, world: World, extra: unknown[]): Promise<void> {
  await vendor(patchbay, 'PATCH', `/api/v1/embed-configs/${world.configs.user.id}`, {
    groups: [
      { name: NAMES.crmGroup, flowIds: [world.flows.sync], highlightedConnectors: ['crm', 'vault'] },
      { name: NAMES.reportingGroup, flowIds: [world.flows.export], highlightedConnectors: ['crm'] },
      ...extra,
    ],
  });
}

test('a connection card names the remote account, who set it up and when, and its integrations; the same account twice stays one connection', async ({
  page,
  acme,
  patchbay,
  world,
}) => {
  await acme.open(page, { config: world.configs.account });
  const f = portal(page);
  await pastConsent(f);
  await connectFromConnectionsTab(page, f, NAMES.crm, 'ada@crm.example');
  const created = await waitForEvent(page, 'connectorAuth.created');
  expect(created.name).toBe('Demo CRM — ada@crm.example');
  const card = connectionRow(f, 'Demo CRM — ada@crm.example');
  await expect(card).toContainText('Connected as ada@crm.example');
  await expect(card).toContainText(/Set up by Ada Lovelace on \d{1,2} \w{3} \d{4}/);
  await expect(card).toContainText('Not used by any integration yet');

  // An integration using it is named on the card.
  await openTab(f, 'Integrations');
  const wizard = await openWizard(f, NAMES.reportingGroup, NAMES.exportFlow);
  await expect(wizard.getByRole('radio', { name: created.name })).toBeChecked();
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByRole('button', { name: 'Enable' }).click();
  await waitForEvent(page, 'integration.enabled');
  // The flow's status is shown in one place (its row in "Your integrations"); its card offers "Edit".
  await expect(f.getByText('Enabled', { exact: true })).toHaveCount(1);
  await expect(f.getByRole('listitem', { name: NAMES.exportFlow }).getByRole('button', { name: 'Edit' })).toHaveCount(2);
  await openTab(f, 'Connections');
  await expect(card).toContainText(`Used by ${NAMES.exportFlow}`);

  // A colleague of the same account sees who set it up; connecting the same remote account again updates it.
  await acme.open(page, { config: world.configs.account, user: 'u2' });
  const g = portal(page);
  await pastConsent(g);
  await openTab(g, 'Connections');
  const shared = connectionRow(g, 'Demo CRM — ada@crm.example');
  await expect(shared).toContainText('Set up by Ada Lovelace');
  await expect(shared).toContainText('Shared by a colleague');
  await connectFromConnectionsTab(page, g, NAMES.crm, 'ada@crm.example');
  const updated = await waitForEvent(page, 'connectorAuth.updated');
  expect(updated).toMatchObject({ connectorAuthId: created.connectorAuthId, change: 'reconnected' });
  await expect(g.getByRole('status').filter({ hasText: 'Reconnected.' })).toBeVisible();
  expect(await eventsOf(page, 'connectorAuth.created')).toEqual([]);
  await expect(g.getByRole('listitem').filter({ hasText: 'Connected as ada@crm.example' })).toHaveCount(1);
  const auths = await vendor<{ items: { id: string; connectorId: string }[] }>(
    patchbay,
    'GET',
    `/api/v1/connector-auths?configId=${world.configs.account.id}`,
  );
  expect(auths.items.filter((a) => a.connectorId === 'crm').map((a) => a.id)).toEqual([created.connectorAuthId]);

  // Another remote account is another connection.
  await connectFromConnectionsTab(page, g, NAMES.crm, 'grace@crm.example');
  await waitForEvent(page, 'connectorAuth.created');
  await expect(connectionRow(g, 'Demo CRM — grace@crm.example')).toContainText('Set up by Grace Hopper');
});

test('catalogue connectors show their brand mark, others a monogram in distinct colours; with three groups a search filters flows', async ({
  page,
  acme,
  patchbay,
  world,
}) => {
  await vendor(patchbay, 'POST', '/api/v1/connectors', {
    id: 'github',
    catalogKey: 'github',
    oauth2: { clientId: 'gh-client', clientSecret: 'gh-secret' },
  });
  const issues = await vendor<{ id: string }>(patchbay, 'POST', '/api/v1/flows', {
    name: 'Sync issues',
    description: 'Copies new issues into tasks.',
    slots: [{ key: 'gh', connectorId: 'github', label: 'GitHub account' }],
    inputs: [],
    trigger: { type: 'manual' },
    steps: [{ id: 'me', type: 'http', slot: 'gh', method: 'GET', path: '/user' }],
  });
  await addGroups(patchbay, world, [{ name: 'Code', flowIds: [issues.id], highlightedConnectors: ['github'] }]);
  await acme.open(page, { config: world.configs.user });
  const f = portal(page);
  await pastConsent(f);

  // The brand mark: Simple Icons' GitHub path on its brand colour (#181717).
  const mark = f.locator('svg[data-brand="GitHub"]').first();
  await expect(mark).toBeVisible();
  expect(await mark.locator('path').getAttribute('d')).toMatch(/^M12 \.297c-6\.63 0-12 5\.373-12 12/);
  expect(await mark.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(24, 23, 23)');
  // Custom connectors without an icon: monograms, in different colours.
  const crmTile = f.locator('.pb-icon-letter', { hasText: 'D' }).first();
  const vaultTile = f.locator('.pb-icon-letter', { hasText: 'V' }).first();
  const colour = (l: typeof crmTile) => l.evaluate((el) => getComputedStyle(el).backgroundColor);
  expect(await colour(crmTile)).not.toBe(await colour(vaultTile));

  // Three groups: a search box; it filters flows and opens the groups with a match.
  const search = f.getByRole('searchbox', { name: 'Search integrations and services' });
  await search.fill('deals');
  await expect(f.getByRole('listitem', { name: NAMES.exportFlow, exact: true })).toBeVisible();
  await expect(f.getByRole('listitem', { name: NAMES.syncFlow, exact: true })).toHaveCount(0);
  await expect(f.getByRole('listitem', { name: 'Sync issues', exact: true })).toHaveCount(0);
  // A connector name finds the groups that highlight it.
  await search.fill('github');
  await expect(f.getByRole('listitem', { name: 'Sync issues', exact: true })).toBeVisible();
  await expect(f.getByRole('listitem', { name: NAMES.exportFlow, exact: true })).toHaveCount(0);
  await search.fill('nothing like this');
  await expect(f.getByText('Nothing matches your search.')).toBeVisible();
  await search.fill('');
  await expect(f.getByRole('button', { name: 'Code', exact: true })).toHaveAttribute('aria-expanded', 'false');

  // The wizard step shows the mark too.
  await expandGroup(f, 'Code');
  const wizard = await openWizard(f, 'Code', 'Sync issues');
  await expect(wizard.locator('svg[data-brand="GitHub"]')).toBeVisible();
});

test('e-mail and web address inputs, a field required only when a switch is on, and a schedule with its time zone', async ({
  page,
  acme,
  patchbay,
  world,
}) => {
  const digest = await vendor<{ id: string }>(patchbay, 'POST', '/api/v1/flows', {
    name: 'Weekly digest',
    description: 'Sends a summary of new deals.',
    slots: [],
    inputs: [
      { key: 'site', type: 'url', label: 'Shop address' },
      { key: 'summary', type: 'switch', label: 'E-mail a summary' },
      { key: 'recipient', type: 'email', label: 'Summary recipient', requiredWhen: 'summary' },
    ],
    trigger: { type: 'schedule', cron: '0 8 * * 1', timezone: 'Europe/Berlin' },
    steps: [],
  });
  await addGroups(patchbay, world, [{ name: 'Digests', flowIds: [digest.id], highlightedConnectors: [] }]);
  await acme.open(page, { config: world.configs.user });
  const f = portal(page);
  await pastConsent(f);
  await expandGroup(f, 'Digests');
  await expect(f.getByRole('listitem', { name: 'Weekly digest', exact: true })).toContainText('Runs on a schedule (Europe/Berlin time)');
  const wizard = await openWizard(f, 'Digests', 'Weekly digest');

  const site = wizard.getByLabel('Shop address');
  const recipient = wizard.getByLabel('Summary recipient');
  await expect(site).toHaveAttribute('type', 'url');
  await expect(site).toHaveAttribute('inputmode', 'url');
  await expect(recipient).toHaveAttribute('type', 'email');
  await expect(recipient).toHaveAttribute('inputmode', 'email');
  await expect(recipient).toHaveAttribute('autocomplete', 'email');

  // Not required while the switch is off.
  await expect(recipient).not.toHaveAttribute('required', '');
  await site.fill('shop.example');
  await recipient.fill('not an address');
  await wizard.getByRole('button', { name: 'Enable' }).click();
  await expect(site).toHaveAttribute('aria-invalid', 'true');
  await expect(wizard.getByText('Please enter a web address starting with https://.')).toBeVisible();
  await expect(recipient).toHaveAttribute('aria-invalid', 'true');
  await expect(wizard.getByText('Please enter an e-mail address, e.g. name@example.com.')).toBeVisible();
  await site.fill('https://shop.example');
  await recipient.fill('');
  // On: the recipient becomes required, and an empty one is refused.
  await wizard.getByRole('switch', { name: 'E-mail a summary' }).check();
  await expect(recipient).toHaveAttribute('required', '');
  await wizard.getByRole('button', { name: 'Enable' }).click();
  await expect(recipient).toHaveAttribute('aria-invalid', 'true');
  await expect(wizard.getByText('Please fill in this field.')).toBeVisible();
  await recipient.fill('ada@acme.example');
  await wizard.getByRole('button', { name: 'Enable' }).click();
  const enabled = await waitForEvent(page, 'integration.enabled');
  const saved = await vendor<{ inputs: Record<string, unknown> }>(patchbay, 'GET', `/api/v1/integrations/${enabled.integrationId}`);
  expect(saved.inputs).toMatchObject({ site: 'https://shop.example', summary: true, recipient: 'ada@acme.example' });
});

test('the reconnect of a basic-auth connection is a form of its own, below the buttons', async ({ page, acme, world }) => {
  await acme.open(page, { config: world.configs.user });
  const f = portal(page);
  await pastConsent(f);
  await openTab(f, 'Connections');
  await f.getByRole('button', { name: 'Connect an account' }).click();
  const item = f.getByRole('list', { name: 'Connect an account' }).getByRole('listitem', { name: NAMES.vault, exact: true });
  await item.getByRole('button', { name: 'Connect new account' }).click();
  await item.getByLabel('Username').fill(VAULT_USER);
  await item.getByLabel('Password').fill(VAULT_PASSWORD);
  await item.getByRole('button', { name: 'Save connection' }).click();
  const created = await waitForEvent(page, 'connectorAuth.created');

  const row = connectionRow(f, created.name);
  await row.getByRole('button', { name: 'Reconnect' }).click();
  const form = row.getByRole('region', { name: `Reconnect "${created.name}"` });
  await expect(form.getByRole('heading', { name: `Reconnect "${created.name}"` })).toBeFocused();
  // Laid out as a form: full width, below the row's buttons, not among them.
  const buttons = await row.getByRole('button', { name: 'Delete' }).boundingBox();
  const box = await form.boundingBox();
  const rowBox = await row.boundingBox();
  if (!buttons || !box || !rowBox) throw new Error('not laid out');
  expect(box.y).toBeGreaterThanOrEqual(buttons.y + buttons.height);
  expect(box.width).toBeGreaterThan(rowBox.width * 0.8);
  await expect(row.locator('.pb-actions').getByLabel('Password')).toHaveCount(0);
  await form.getByLabel('Username').fill(VAULT_USER);
  await form.getByLabel('Password').fill(VAULT_PASSWORD);
  await form.getByRole('button', { name: 'Save connection' }).click();
  await expect(f.getByRole('status').filter({ hasText: 'Reconnected.' })).toBeVisible();
  await expect(form).toHaveCount(0);
  await waitForEvent(page, 'connectorAuth.updated');
});

test('the demo host page’s language and theme switches give a German, dark portal', async ({ page }) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-e2e-demo-'));
  const database = await createTestDatabase(dir);
  const demo = await startDemo({
    ports: { patchbay: 0, acme: 0, crm: 0, crmApi: 0, mailer: 0 },
    env: { ...database.env, PATCHBAY_ENCRYPTION_KEY: generateKey(), PATCHBAY_LOG_LEVEL: 'silent' },
  });
  try {
    await page.goto(demo.urls.acme);
    const f = page.frameLocator('#integrations iframe');
    await expect(f.locator('body')).toContainText(/Before you start|Integrations/);
    const handle = await page.waitForSelector('#integrations iframe', { state: 'attached' });
    const frame = await handle.contentFrame();
    if (!frame) throw new Error('the portal iframe has no frame');
    await page.getByLabel('Language').selectOption('de');
    await page.getByLabel('Theme').selectOption('dark');
    await expect.poll(() => frame.evaluate(() => document.documentElement.lang)).toBe('de');
    await expect.poll(() => frame.evaluate(() => document.documentElement.dataset.mode)).toBe('dark');
    await expect(f.getByRole('tab', { name: 'Verbindungen' }).or(f.getByRole('heading', { name: 'Bevor Sie beginnen' }))).toBeVisible();
    const background = await frame.evaluate(() => getComputedStyle(document.body).backgroundColor);
    const [r, g, b] = (background.match(/\d+/g) ?? []).map(Number) as [number, number, number];
    expect(r + g + b).toBeLessThan(200);
    // The switches are remembered in the address, so a reload keeps German and dark.
    expect(new URL(page.url()).searchParams.get('lang')).toBe('de');
    expect(new URL(page.url()).searchParams.get('theme')).toBe('dark');
  } finally {
    await demo.close();
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

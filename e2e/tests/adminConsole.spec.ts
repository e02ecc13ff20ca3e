/**
 * The admin console (issue 11) in real Chromium against a real Patchbay and database: sign-in, the
 * Integrations and Connector auths tables with their actions, embed configurations, flows, the
 * audit log, and what a member may see.
 */

import { signEmbedToken } from '@patchbay/sdk/node';
import type { Page } from '@playwright/test';
import { portal } from '../fixtures/acme.ts';
import {
  CONNECTOR_AUTH_COLUMNS,
  type ConsoleWorld,
  cell,
  columnHeaders,
  createConsoleUser,
  finishedRun,
  grant,
  INTEGRATION_COLUMNS,
  NAMES,
  NAV_LINKS,
  OWNER,
  openSection,
  rowWith,
  seedConsoleWorld,
  signIn,
  startRunWorker,
  status,
  table,
} from '../fixtures/console.ts';
import { openTab } from '../fixtures/portalUi.ts';
import { expect, test } from '../fixtures/test.ts';

test.setTimeout(90_000);

test('sign-in refuses a wrong password, then opens the console with the main navigation and "Sign out"', async ({
  page,
  patchbay,
  world,
}) => {
  await seedConsoleWorld(patchbay, world);
  await page.goto(`${patchbay.url}/admin/integrations?status=enabled`);
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Patchbay' })).toBeVisible();
  await page.getByLabel('Email').fill(OWNER.email);
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('The e-mail or the password is wrong.');
  await expect(page.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Password').fill(OWNER.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const nav = page.getByRole('navigation', { name: 'Main navigation' });
  await expect(nav.getByRole('link')).toHaveText([...NAV_LINKS]);
  // The deep link survived the sign-in, filters included.
  await expect(page.getByRole('heading', { level: 1, name: 'Integrations' })).toBeVisible();
  await expect(page).toHaveURL(`${patchbay.url}/admin/integrations?status=enabled`);
  await expect(nav.getByRole('link', { name: 'Integrations' })).toHaveAttribute('aria-current', 'page');
  // The session cookie is HttpOnly: the page's script cannot read it.
  expect(await page.evaluate(() => document.cookie)).toBe('');

  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in to Patchbay' })).toBeVisible();
  await expect(page.getByRole('status')).toHaveText('You are signed out.');
  await page.reload();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
});

test('Integrations shows the seeded rows in Locoia’s columns; Disable stops one, and the iframe shows it disabled by an admin', async ({
  page,
  patchbay,
  world,
  acme,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  await signIn(page, patchbay, OWNER);
  await openSection(page, 'Integrations');
  const t = table(page, 'Integrations');
  expect(await columnHeaders(t)).toEqual([...INTEGRATION_COLUMNS, 'Actions']);
  await expect(t.locator('tbody tr')).toHaveCount(3);
  const { u1Sync, u2Export } = seeded.integrations;
  const row = rowWith(t, u1Sync.id);
  await expect(row.locator('td')).toHaveText([
    u1Sync.id,
    'Enabled',
    'No runs yet',
    NAMES.syncFlow,
    world.configs.user.id,
    'Acme CRM (user)',
    NAMES.crmGroup,
    'u1',
    'acme',
    'User',
    'Run nowDisable',
  ]);
  await expect(row.getByRole('button')).toHaveText(['Run now', 'Disable']);
  await expect(await cell(t, rowWith(t, u2Export.id), 'Group name')).toHaveText(NAMES.reportingGroup);

  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(status(page)).toHaveText(`Integration ${u1Sync.id} is disabled. The end user cannot enable it again.`);
  await expect(await cell(t, row, 'Status')).toHaveText('Disabled by an administrator');
  await expect(row.getByRole('button', { name: 'Enable' })).toBeVisible();
  const viaApi = await patchbay.request('GET', `/api/v1/integrations/${u1Sync.id}`, { token: seeded.token });
  expect(viaApi.body).toMatchObject({ status: 'disabled', disabledBy: 'admin' });

  // The filter is in the URL: the disabled list is a link to share.
  await page.getByLabel('Status', { exact: true }).selectOption('disabled');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(`${patchbay.url}/admin/integrations?status=disabled`);
  await expect(t.locator('tbody tr')).toHaveCount(1);
  await page.reload();
  await expect(rowWith(table(page, 'Integrations'), u1Sync.id)).toBeVisible();
  await expect(table(page, 'Integrations').locator('tbody tr')).toHaveCount(1);

  // End user u1 sees it disabled by the administrator in the portal.
  const user = await page.context().newPage();
  await acme.open(user, { config: world.configs.user, user: 'u1' });
  const f = portal(user);
  await openTab(f, 'Integrations');
  await expect(f.getByText('Disabled by the administrator')).toBeVisible();
  await user.close();
});

test('Connector auths shows Proprietary Yes / No; Disable and Enable, Revoke, and Delete listing the integrations that use it', async ({
  page,
  patchbay,
  world,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  await signIn(page, patchbay, OWNER);
  await openSection(page, 'Connector auths');
  const t = table(page, 'Connector auths');
  expect(await columnHeaders(t)).toEqual([...CONNECTOR_AUTH_COLUMNS, 'Actions']);
  await expect(t.locator('tbody tr')).toHaveCount(4);
  const adaCrm = rowWith(t, 'Ada’s CRM');
  await expect(await cell(t, adaCrm, 'Proprietary')).toHaveText('No');
  await expect(await cell(t, adaCrm, 'Connector')).toHaveText(NAMES.crm);
  await expect(await cell(t, adaCrm, 'Sharing level')).toHaveText('User');
  const vaultLogin = rowWith(t, /^Vault Login authorized on/);
  await expect(await cell(t, vaultLogin, 'Proprietary')).toHaveText('Yes');
  await expect(await cell(t, vaultLogin, 'Sharing level')).toHaveText('Account');
  await expect(await cell(t, vaultLogin, 'Account ID')).toHaveText('acme');
  const proprietaryOnes = await t
    .locator('tbody tr')
    .evaluateAll((rows) => rows.filter((r) => r.querySelectorAll('td')[6]?.textContent === 'Yes').length);
  expect(proprietaryOnes).toBe(1);

  await adaCrm.getByRole('button', { name: 'Disable' }).click();
  await expect(status(page)).toHaveText('Connector auth "Ada’s CRM" is disabled.');
  await expect(await cell(t, adaCrm, 'Status')).toHaveText('Disabled by an administrator');
  await adaCrm.getByRole('button', { name: 'Enable' }).click();
  await expect(await cell(t, adaCrm, 'Status')).toHaveText('Active');

  // Revoke asks first, then drops the tokens.
  const adaVault = rowWith(t, 'Ada’s vault');
  await adaVault.getByRole('button', { name: 'Revoke' }).click();
  const revoke = page.getByRole('alertdialog', { name: 'Revoke connector auth' });
  await expect(revoke).toContainText('Revoke "Ada’s vault"?');
  await revoke.getByRole('button', { name: 'Revoke' }).click();
  await expect(revoke).toBeHidden();
  await expect(status(page)).toHaveText('Connector auth "Ada’s vault" is revoked; its tokens are gone.');
  await expect(await cell(t, adaVault, 'Status')).toHaveText('Revoked');
  await expect(adaVault.getByRole('button', { name: 'Revoke' })).toHaveCount(0);
  const revoked = await patchbay.request('GET', '/api/v1/connector-auths?status=revoked', { token: seeded.token });
  expect(revoked.body.items.map((a: { name: string }) => a.name)).toEqual(['Ada’s vault']);

  // Delete: the server names the integrations that use it; "Delete anyway" disables them first.
  const graceCrm = rowWith(t, 'Grace’s CRM');
  await graceCrm.getByRole('button', { name: 'Delete' }).click();
  const del = page.getByRole('alertdialog', { name: 'Delete connector auth' });
  await del.getByRole('button', { name: 'Delete', exact: true }).click();
  await expect(del).toContainText('"Grace’s CRM" is used by these integrations:');
  await expect(del.getByRole('listitem')).toHaveText([`${NAMES.exportFlow} ${seeded.integrations.u2Export.id}`]);
  await del.getByRole('button', { name: 'Delete anyway' }).click();
  await expect(del).toBeHidden();
  await expect(graceCrm).toHaveCount(0);
  const integration = await patchbay.request('GET', `/api/v1/integrations/${seeded.integrations.u2Export.id}`, { token: seeded.token });
  expect(integration.body).toMatchObject({ status: 'disabled', disabledBy: 'admin', bindings: {} });
});

test('an embed configuration is created with its signing secret shown once, and never again after reload', async ({
  page,
  patchbay,
  world,
}) => {
  await seedConsoleWorld(patchbay, world);
  await signIn(page, patchbay, OWNER);
  await openSection(page, 'Embed configurations');
  await page.getByRole('link', { name: 'New configuration' }).click();
  await page.getByLabel('Name').fill('Globex portal');
  await page.getByRole('radio', { name: /^Account/ }).check();
  await page.getByLabel('Allowed origins').fill('https://app.globex.example\nhttps://*.globex.example');
  await page.getByRole('button', { name: 'Create configuration' }).click();

  const dialog = page.getByRole('dialog', { name: 'Configuration created' });
  await expect(dialog).toContainText('this is the only time it is shown');
  const field = dialog.getByRole('textbox', { name: /^Signing secret \(kid / });
  const secret = await field.inputValue();
  expect(secret.length).toBeGreaterThanOrEqual(43);
  const label = await dialog.locator('label').first().textContent();
  const kid = /kid (.+)\)$/.exec(label ?? '')?.[1] ?? '';
  await expect(dialog.getByRole('button', { name: `Copy ${label}` })).toBeVisible();

  // The secret is the real one: a token signed with it opens an embed session.
  const configs = await patchbay.request('GET', '/api/v1/embed-configs', { token: await patchbay.adminToken() });
  const created = configs.body.items.find((c: { name: string }) => c.name === 'Globex portal');
  expect(created).toMatchObject({ sharingLevel: 'account', allowedOrigins: ['https://app.globex.example', 'https://*.globex.example'] });
  const token = signEmbedToken({ configId: created.id, secret, kid, user: { id: 'u9' }, account: { id: 'globex' } });
  expect((await patchbay.request('POST', '/embed/api/session', { body: { token } })).status).toBe(200);

  await dialog.getByRole('button', { name: 'I have stored it' }).click();
  await expect(page).toHaveURL(`${patchbay.url}/admin/embed-configs/${created.id}`);
  await expect(page.getByRole('heading', { level: 1, name: 'Globex portal' })).toBeVisible();
  const keys = table(page, 'Signing keys');
  await expect(rowWith(keys, kid)).toContainText('Active');
  expect(await page.content()).not.toContain(secret);
  await page.reload();
  await expect(rowWith(table(page, 'Signing keys'), kid)).toBeVisible();
  expect(await page.content()).not.toContain(secret);
  // The sharing level is fixed after creation.
  await expect(page.getByText('Account (fixed at creation)')).toBeVisible();
  await expect(page.getByRole('radio', { name: /^Account/ })).toHaveCount(0);

  // General settings save only what changed; an unchanged form says so.
  const general = page.getByRole('region', { name: 'General' });
  await general.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(status(page)).toHaveText('Nothing changed; there is nothing to save.');
  await general.getByLabel('Allowed origins').fill('https://app.globex.example');
  await general.getByRole('button', { name: 'Save', exact: true }).click();
  await expect(status(page)).toHaveText('Configuration "Globex portal" is saved.');
  const saved = await patchbay.request('GET', `/api/v1/embed-configs/${created.id}`, { token: await patchbay.adminToken() });
  expect(saved.body).toMatchObject({ name: 'Globex portal', allowedOrigins: ['https://app.globex.example'], sharingLevel: 'account' });
});

test('a flow version is published with "Push to existing integrations"; problems are shown at their path first', async ({
  page,
  patchbay,
  world,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  await signIn(page, patchbay, OWNER);
  await openSection(page, 'Flows');
  await page.getByRole('link', { name: NAMES.syncFlow }).click();
  const editor = page.getByLabel('Definition (JSON)');
  const original = await editor.inputValue();
  const definition = JSON.parse(original);

  // Broken JSON is named at once.
  await editor.fill(`${original.slice(0, -2)},,}`);
  await expect(page.getByText(/^JSON: /)).toBeVisible();
  // A step naming an unknown slot fails the shared schema, at its path; "Show" selects it in the text.
  definition.steps[0].slot = 'nowhere';
  await editor.fill(JSON.stringify(definition, null, 2));
  const problem = page.getByRole('listitem').filter({ hasText: 'steps[0].slot: unknown slot "nowhere"' });
  await expect(problem).toBeVisible();
  await problem.getByRole('button', { name: 'Show steps[0].slot in the editor' }).click();
  await expect(editor).toBeFocused();
  expect(await editor.evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd))).toBe('"nowhere"');

  // What only the server knows (connectors that exist) comes back at its path too.
  definition.steps[0].slot = 'crm';
  definition.slots[0].connectorId = 'no-such-connector';
  await editor.fill(JSON.stringify(definition, null, 2));
  await expect(page.getByText('No problems found.')).toBeVisible();
  await page.getByRole('button', { name: 'Publish version' }).click();
  await expect(page.getByRole('listitem').filter({ hasText: 'slots[0].connectorId: unknown connector "no-such-connector"' })).toBeVisible();

  definition.slots[0].connectorId = 'crm';
  definition.inputs[0].label = 'Mailing list';
  await editor.fill(JSON.stringify(definition, null, 2));
  await page.getByLabel('Push to existing integrations').check();
  await page.getByRole('button', { name: 'Publish version' }).click();
  await expect(status(page)).toHaveText('Version 2 is published; 1 integration(s) moved to it.');
  await expect(page.getByText('Current version: 2')).toBeVisible();
  await expect(table(page, 'Versions').locator('tbody tr')).toHaveCount(2);
  const moved = await patchbay.request('GET', `/api/v1/integrations/${seeded.integrations.u1Sync.id}`, { token: seeded.token });
  expect(moved.body.flowVersion).toBe(2);
  const flow = await patchbay.request('GET', `/api/v1/flows/${world.flows.sync}`, { token: seeded.token });
  expect(flow.body.definition.inputs[0].label).toBe('Mailing list');
});

/** Disables an integration, revokes an auth, creates a configuration and publishes a version, all in the console. */
async function fourActions(page: Page, seeded: ConsoleWorld) {
  await openSection(page, 'Integrations');
  await rowWith(table(page, 'Integrations'), seeded.integrations.u1Export.id).getByRole('button', { name: 'Disable' }).click();
  await expect(status(page)).toContainText('is disabled');
  await openSection(page, 'Connector auths');
  await rowWith(table(page, 'Connector auths'), 'Grace’s CRM').getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(status(page)).toContainText('is revoked');
  await openSection(page, 'Embed configurations');
  await page.getByRole('link', { name: 'New configuration' }).click();
  await page.getByLabel('Name').fill('Audited portal');
  await page.getByLabel('Allowed origins').fill('https://audited.example');
  await page.getByRole('button', { name: 'Create configuration' }).click();
  await page.getByRole('button', { name: 'I have stored it' }).click();
  await openSection(page, 'Flows');
  await page.getByRole('link', { name: NAMES.syncFlow }).click();
  await page.getByLabel('Push to existing integrations').check();
  await page.getByRole('button', { name: 'Publish version' }).click();
  await expect(status(page)).toContainText('Version 2 is published');
}

test('the audit log lists what was done in the console: who, what, object, when; and filters on the server', async ({
  page,
  patchbay,
  world,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  await signIn(page, patchbay, OWNER);
  await fourActions(page, seeded);
  await openSection(page, 'Audit log');
  const t = table(page, 'Audit log');
  expect(await columnHeaders(t)).toEqual(['Who', 'What', 'Object', 'Configuration name', 'When', 'Details']);
  const who = `Admin: ${OWNER.name}`;
  for (const [action, object] of [
    ['flow.version_created', `flow ${world.flows.sync}`],
    ['embed_config.created', 'embed_config cfg_'],
    ['connector_auth.revoked', 'connector_auth ca_'],
    ['integration.disabled', `integration ${seeded.integrations.u1Export.id}`],
    ['admin_session.created', `admin_user ${seeded.owner.id}`],
  ]) {
    const row = rowWith(t, action as string);
    await expect(row.first()).toBeVisible();
    await expect(await cell(t, row.first(), 'Who')).toHaveText(who);
    await expect(await cell(t, row.first(), 'Object')).toContainText(object as string);
  }
  // Newest first: the flow version is on top.
  await expect(await cell(t, t.locator('tbody tr').first(), 'What')).toHaveText('flow.version_created');

  await page.getByLabel('Action').fill('integration.disabled');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(`${patchbay.url}/admin/audit-log?action=integration.disabled`);
  await expect(t.locator('tbody tr')).toHaveCount(1);
  await expect(await cell(t, t.locator('tbody tr'), 'Configuration name')).toHaveText('Acme CRM (user)');
});

test('a member with view on one group sees only that group’s integrations, and no Disable, Revoke or Delete', async ({
  page,
  patchbay,
  world,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  const member = await createConsoleUser(patchbay, seeded.token, {
    email: 'max@vendor.test',
    password: 'member-password-8d2e1c',
    name: 'Max Member',
    role: 'member',
  });
  await grant(patchbay, seeded.token, member.id, [{ groupId: seeded.groups[NAMES.crmGroup] as string, view: true }]);
  await signIn(page, patchbay, member);
  await openSection(page, 'Integrations');
  const t = table(page, 'Integrations');
  await expect(t.locator('tbody tr')).toHaveCount(1);
  await expect(rowWith(t, seeded.integrations.u1Sync.id)).toBeVisible();
  await expect(t.getByRole('button')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Run now' })).toHaveCount(0);
  await page.getByRole('link', { name: seeded.integrations.u1Sync.id }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Integration ${seeded.integrations.u1Sync.id}` })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Disable' })).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Run now' })).toHaveCount(0);

  await openSection(page, 'Connector auths');
  const auths = table(page, 'Connector auths');
  await expect(auths.locator('tbody tr')).toHaveCount(3);
  await expect(auths.getByRole('button')).toHaveCount(0);
  await openSection(page, 'Embed configurations');
  await expect(page.getByRole('link', { name: 'New configuration' })).toHaveCount(0);
  await openSection(page, 'Audit log');
  await expect(page.getByText('Only owners and admins can read the audit log.')).toBeVisible();

  // The API refuses what the console does not offer (the console only hides it).
  const refused = await page.evaluate(async (id) => {
    const res = await fetch(`/admin/api/integrations/${id}/disable`, { method: 'POST' });
    return { status: res.status, body: await res.json() };
  }, seeded.integrations.u1Sync.id);
  expect(refused).toEqual({
    status: 403,
    body: {
      error: { code: 'forbidden', message: 'You lack the "manage" permission on this object\'s group', requestId: expect.any(String) },
    },
  });
});

test('the console cannot be framed: frame-ancestors none and X-Frame-Options DENY', async ({ page, patchbay, host }) => {
  const refusals: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('Content Security Policy')) refusals.push(m.text().trim());
  });
  host.route('/', `<!doctype html><title>Evil</title><iframe name="console" src="${patchbay.url}/admin/integrations"></iframe>`);
  await page.goto(`${host.origin}/`);
  await expect.poll(() => refusals.length).toBe(1);
  expect(refusals[0]).toBe(
    `Framing '${patchbay.url}/' violates the following Content Security Policy directive: "frame-ancestors 'none'". The request has been blocked.`,
  );
  // Chromium swaps a refused frame for its error page; wait for the swap rather than reading too early.
  await expect.poll(() => page.frame({ name: 'console' })?.url()).toBe('chrome-error://chromewebdata/');
  expect(await page.frame({ name: 'console' })?.evaluate(() => document.querySelector('#app'))).toBeNull();

  const res = await fetch(`${patchbay.url}/admin/integrations`);
  expect(res.status).toBe(200);
  expect(res.headers.get('x-frame-options')).toBe('DENY');
  expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(res.headers.get('content-security-policy')).toContain("script-src 'self';");
});

test('keyboard only: the skip link, a dialog that keeps the focus and closes on Escape; the console speaks German', async ({
  page,
  patchbay,
  world,
}) => {
  await seedConsoleWorld(patchbay, world);
  await signIn(page, patchbay, OWNER, '/admin/connector-auths');
  await page.reload();
  await expect(table(page, 'Connector auths')).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.getByRole('link', { name: 'Skip to main content' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('main')).toBeFocused();

  const row = rowWith(table(page, 'Connector auths'), 'Ada’s CRM');
  await row.getByRole('button', { name: 'Revoke' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('alertdialog', { name: 'Revoke connector auth' });
  await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Revoke' })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(dialog.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.keyboard.press('Shift+Tab');
  await expect(dialog.getByRole('button', { name: 'Revoke' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(row.getByRole('button', { name: 'Revoke' })).toBeFocused();
  await expect(await cell(table(page, 'Connector auths'), row, 'Status')).toHaveText('Active');

  await page.getByLabel('Language').selectOption('de');
  const nav = page.getByRole('navigation', { name: 'Hauptnavigation' });
  await expect(nav.getByRole('link', { name: 'Integrationen' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Abmelden' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'Verbindungen' })).toBeVisible();
});

test('Overview counts what the admin may view, links each number to its filtered list, and charts runs per day', async ({
  page,
  patchbay,
  world,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  // One integration disabled through the API, so both counts move.
  const res = await patchbay.request('POST', `/api/v1/integrations/${seeded.integrations.u2Export.id}/disable`, { token: seeded.token });
  expect(res.status).toBe(200);
  await signIn(page, patchbay, OWNER);
  await expect(page.getByRole('heading', { level: 1, name: 'Overview' })).toBeVisible();
  const stat = (label: string) => page.locator('.pb-stat', { hasText: label });
  await expect(stat('integrations enabled').locator('.pb-stat-value')).toHaveText('2');
  await expect(stat('integrations disabled').locator('.pb-stat-value')).toHaveText('1');
  await expect(stat('connector auths need reconnecting').locator('.pb-stat-value')).toHaveText('0');
  await expect(stat('runs failed in the last 24 hours').locator('.pb-stat-value')).toHaveText('0');
  const chart = page.getByRole('region', { name: 'Runs per day, last 7 days' });
  await expect(chart.locator('tbody tr')).toHaveCount(7);
  await expect(chart.getByText(/No runs in the last 7 days/)).toBeVisible();
  await stat('integrations disabled').click();
  await expect(page).toHaveURL(`${patchbay.url}/admin/integrations?status=disabled`);
  await expect(table(page, 'Integrations').locator('tbody tr')).toHaveCount(1);
});

test('"Run now" queues a run shown in Runs; Cancel stops it while queued; a worker runs the Retry and the run page shows its steps', async ({
  page,
  patchbay,
  world,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  const { u1Sync } = seeded.integrations;
  await signIn(page, patchbay, OWNER);
  await openSection(page, 'Integrations');
  const t = table(page, 'Integrations');
  await rowWith(t, u1Sync.id).getByRole('button', { name: 'Run now' }).click();
  await expect(status(page)).toHaveText(/^Run run_\w+ is queued\.$/);
  const runId = /(run_\w+)/.exec((await status(page).textContent()) ?? '')?.[1] ?? '';
  await expect(await cell(t, rowWith(t, u1Sync.id), 'Latest run')).toContainText('Queued');
  const queued = await patchbay.request('GET', `/api/v1/runs/${runId}`, { token: seeded.token });
  expect(queued.body).toMatchObject({ integrationId: u1Sync.id, trigger: 'admin', status: 'queued' });

  // The notice links to the run; no worker runs yet, so it stays queued and can be canceled at once.
  await page.getByRole('link', { name: `Open run ${runId}` }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Run ${runId}` })).toBeVisible();
  const details = page.getByRole('region', { name: 'Details', exact: true });
  await expect(details).toContainText('Queued');
  await expect(details).toContainText('Admin');
  await expect(page.getByRole('button', { name: 'Retry', exact: true })).toHaveCount(0);
  await page.getByRole('button', { name: 'Cancel', exact: true }).click();
  const cancel = page.getByRole('alertdialog', { name: 'Cancel run' });
  await expect(cancel).toContainText(`Cancel run ${runId}?`);
  await cancel.getByRole('button', { name: 'Cancel run' }).click();
  await expect(cancel).toBeHidden();
  await expect(status(page)).toHaveText(`Run ${runId} is canceled.`);
  await expect(details).toContainText('Canceled');
  expect((await patchbay.request('GET', `/api/v1/runs/${runId}`, { token: seeded.token })).body.status).toBe('canceled');

  // Runs lists it with status, trigger, integration, duration and attempt.
  await openSection(page, 'Runs');
  const runs = table(page, 'Runs');
  expect(await columnHeaders(runs)).toEqual([
    'Run',
    'Status',
    'Trigger',
    'Integration',
    'Embed flow',
    'User ID',
    'Created',
    'Duration',
    'Attempt',
  ]);
  const row = rowWith(runs, runId);
  await expect(await cell(runs, row, 'Status')).toHaveText('Canceled');
  await expect(await cell(runs, row, 'Trigger')).toHaveText('Admin');
  await expect(await cell(runs, row, 'Integration')).toHaveText(u1Sync.id);
  await expect(await cell(runs, row, 'Embed flow')).toHaveText(NAMES.syncFlow);

  // Retry, with a worker running: the new run is opened, read again until it finished, and shows its step.
  const worker = startRunWorker(patchbay);
  try {
    await row.getByRole('link', { name: runId }).click();
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    const retry = page.getByRole('alertdialog', { name: 'Retry run' });
    await retry.getByRole('button', { name: 'Retry', exact: true }).click();
    // The new run's page opens (not the one retried).
    await expect(page).toHaveURL(new RegExp(`/admin/runs/(?!${runId}$)run_\\w+$`));
    const retryId = page.url().split('/').pop() as string;
    expect(retryId).not.toBe(runId);
    await expect(page.getByRole('heading', { level: 1, name: `Run ${retryId}` })).toBeVisible();
    const done = await finishedRun(patchbay, seeded.token, retryId);
    await expect(page.getByRole('region', { name: 'Details', exact: true })).toContainText(
      done.status === 'success' ? 'Succeeded' : 'Failed',
    );
    await expect(page.getByRole('region', { name: 'Details', exact: true })).toContainText('Retry of');
    const steps = table(page, 'Steps');
    await expect(rowWith(steps, 'contacts')).toBeVisible();
    expect(await columnHeaders(steps)).toEqual(['Step', 'Status', 'HTTP status', 'Duration', 'Attempt', 'Calls', 'Error']);
    const calls = table(page, 'Calls of step contacts');
    await expect(rowWith(calls, '/contacts')).toBeVisible();
    await expect(page.getByRole('region', { name: 'End-user log' })).toBeVisible();
    // Nothing the run recorded shows a credential.
    const html = await page.content();
    for (const secret of seeded.secrets) expect(html).not.toContain(secret);

    // The trigger filter is in the URL.
    await openSection(page, 'Runs');
    await page.getByLabel('Trigger').selectOption('retry');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(`${patchbay.url}/admin/runs?trigger=retry`);
    await expect(table(page, 'Runs').locator('tbody tr')).toHaveCount(1);
    await expect(rowWith(table(page, 'Runs'), retryId)).toBeVisible();
    // Created from tomorrow: nothing matches (the local time typed is asked as an ISO timestamp).
    const tomorrow = new Date(Date.now() + 86_400_000);
    const local = `${tomorrow.getFullYear()}-${String(tomorrow.getMonth() + 1).padStart(2, '0')}-${String(tomorrow.getDate()).padStart(2, '0')}T00:00`;
    await page.getByLabel('Created from').fill(local);
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect(page).toHaveURL(`${patchbay.url}/admin/runs?trigger=retry&createdAfter=${encodeURIComponent(local)}`);
    await expect(page.getByText('Nothing matches these filters.')).toBeVisible();

    // The integration's page lists both runs.
    await page.goto(`${patchbay.url}/admin/integrations/${u1Sync.id}`);
    const own = table(page, `Runs of integration ${u1Sync.id}`);
    await expect(own.locator('tbody tr')).toHaveCount(2);
  } finally {
    await worker.stop();
  }
});

test('a member with view and run on a group sees "Run now" there (and still no Disable), and its run starts', async ({
  page,
  patchbay,
  world,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  const member = await createConsoleUser(patchbay, seeded.token, {
    email: 'rita@vendor.test',
    password: 'member-password-77a1f0',
    name: 'Rita Runner',
    role: 'member',
  });
  await grant(patchbay, seeded.token, member.id, [{ groupId: seeded.groups[NAMES.crmGroup] as string, view: true, run: true }]);
  await signIn(page, patchbay, member);
  await openSection(page, 'Integrations');
  const t = table(page, 'Integrations');
  const row = rowWith(t, seeded.integrations.u1Sync.id);
  await expect(row.getByRole('button')).toHaveText(['Run now']);
  await row.getByRole('button', { name: 'Run now' }).click();
  await expect(status(page)).toHaveText(/^Run run_\w+ is queued\.$/);
  await openSection(page, 'Runs');
  await expect(table(page, 'Runs').locator('tbody tr')).toHaveCount(1);
});

test('Callbacks lists deliveries with their attempts; "Send test event" answers what the receiver said; Redeliver queues one again', async ({
  page,
  patchbay,
  world,
  host,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  await signIn(page, patchbay, OWNER);

  // The vendor's receiver answers 500: the test event fails, and shows so.
  host.handle('/callbacks', (_url, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver down');
  });
  const config = world.configs.user;
  const patched = await patchbay.request('PATCH', `/api/v1/embed-configs/${config.id}`, {
    token: seeded.token,
    body: { callbackUrl: `${host.altOrigin}/callbacks` },
  });
  expect(patched.status, patched.text).toBe(200);

  await openSection(page, 'Callbacks');
  await page.getByRole('button', { name: 'Send test event' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send test event' });
  await dialog.getByLabel('Configuration').selectOption(config.id);
  await dialog.getByRole('button', { name: 'Send test event' }).click();
  await expect(dialog).toContainText(/Test event \S+ sent: status 500\./);
  await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();

  const t = table(page, 'Callbacks');
  const ping = rowWith(t, 'ping');
  await expect(ping).toHaveCount(1);
  await expect(await cell(t, ping, 'Configuration name')).toHaveText('Acme CRM (user)');
  await expect(await cell(t, ping, 'Last status code')).toHaveText('500');
  const deliveryId = ((await (await cell(t, ping, 'Delivery')).textContent()) ?? '').trim();

  await ping.getByRole('button', { name: 'Redeliver' }).click();
  const confirm = page.getByRole('alertdialog', { name: 'Redeliver callback' });
  await confirm.getByRole('button', { name: 'Redeliver' }).click();
  await expect(status(page)).toHaveText(`Delivery ${deliveryId} is queued again.`);

  // The filters are in the URL.
  await page.getByLabel('Event type').fill('ping');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(`${patchbay.url}/admin/callbacks?eventType=ping`);
  await expect(table(page, 'Callbacks').locator('tbody tr')).toHaveCount(1);

  // The delivery page lists every attempt: time, duration, status code, error, answer excerpt.
  await page.getByRole('link', { name: deliveryId }).click();
  await expect(page.getByRole('heading', { level: 1, name: `Delivery ${deliveryId}` })).toBeVisible();
  const attempts = table(page, 'Attempts');
  expect(await columnHeaders(attempts)).toEqual(['Time', 'Duration', 'Status code', 'Error', 'Answer excerpt']);
  await expect(rowWith(attempts, 'receiver down').first()).toBeVisible();
  await expect(page.getByRole('region', { name: 'Event body' })).toContainText('"type": "ping"');
});

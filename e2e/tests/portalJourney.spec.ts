/**
 * The end user's journey (SECURITY.md, O-09, P-07): consent, an OAuth2 account through the popup, a
 * basic-auth account by form, enable a flow with inputs, then disable, rename, delete — each
 * reported to the host — and the state survives a reload.
 */
import { sql } from '../../server/src/db/sql.ts';
import { openCredentials } from '../../server/src/services/connectors/credentials.ts';
import { eventsOf, hostEvents, portal, portalFrame, waitForEvent } from '../fixtures/acme.ts';
import {
  acceptConsent,
  confirmation,
  connectCrmByPopup,
  connectionRow,
  integrationRow,
  openTab,
  openWizard,
} from '../fixtures/portalUi.ts';
import { expect, test } from '../fixtures/test.ts';
import { NAMES, VAULT_PASSWORD, VAULT_REFUSED_MESSAGE, VAULT_USER, VAULT_WRONG_PASSWORD } from '../fixtures/world.ts';

test.setTimeout(90_000);

test('consent → OAuth2 popup → basic form → enable with inputs → disable, rename, delete; events reach the host; a reload keeps it all', async ({
  page,
  context,
  patchbay,
  acme,
  world,
}) => {
  const config = world.configs.user;
  const base = { configId: config.id, userId: 'u1', accountId: 'acme', sharingLevel: 'user' };
  // Everything the browser received from Patchbay, for the canary check (O-09).
  const bodies: Promise<string>[] = [];
  context.on('response', (r) => {
    if (r.url().startsWith(patchbay.url)) bodies.push(r.text().catch(() => ''));
  });
  await acme.open(page, { config });
  const f = portal(page);

  await expect(f.getByText(NAMES.consentText)).toBeVisible();
  await acceptConsent(f);
  expect(await waitForEvent(page, 'consent.given')).toEqual({ type: 'consent.given', ...base });

  // Step 1: the CRM slot, connected through the provider's real login and consent pages.
  const wizard = await openWizard(f, NAMES.crmGroup, NAMES.syncFlow);
  await expect(wizard.getByText('Step 1 of 3')).toBeVisible();
  await connectCrmByPopup(page, wizard);
  const crmCreated = await waitForEvent(page, 'connectorAuth.created');
  expect(crmCreated).toEqual({
    type: 'connectorAuth.created',
    ...base,
    connectorAuthId: expect.stringMatching(/^ca_/),
    connectorId: 'crm',
    name: expect.stringContaining(NAMES.crm),
  });
  await expect(wizard.getByRole('radio', { name: crmCreated.name })).toBeChecked();
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 2: the Vault slot by form; the service refuses a wrong password with the server's message.
  await expect(wizard.getByText('Step 2 of 3')).toBeVisible();
  await wizard.getByRole('button', { name: 'Connect new account' }).click();
  await wizard.getByLabel('Username').fill(VAULT_USER);
  await wizard.getByLabel('Password').fill(VAULT_WRONG_PASSWORD);
  await wizard.getByRole('button', { name: 'Save connection' }).click();
  await expect(wizard.getByRole('alert')).toContainText(VAULT_REFUSED_MESSAGE);
  expect(await eventsOf(page, 'connectorAuth.created')).toHaveLength(1);
  await wizard.getByLabel('Password').fill(VAULT_PASSWORD);
  await wizard.getByRole('button', { name: 'Save connection' }).click();
  const vaultCreated = await waitForEvent(page, 'connectorAuth.created', 2);
  expect(vaultCreated).toEqual({
    type: 'connectorAuth.created',
    ...base,
    connectorAuthId: expect.stringMatching(/^ca_/),
    connectorId: 'vault',
    name: expect.stringContaining(NAMES.vault),
  });
  await expect(wizard.getByRole('radio', { name: vaultCreated.name })).toBeChecked();
  await wizard.getByRole('button', { name: 'Next' }).click();

  // Step 3: the flow's form; a required field is required.
  await expect(wizard.getByText('Step 3 of 3')).toBeVisible();
  await wizard.getByRole('button', { name: 'Enable' }).click();
  await expect(wizard.getByLabel(NAMES.listInput)).toHaveAttribute('aria-invalid', 'true');
  await wizard.getByLabel(NAMES.listInput).fill('Newsletter');
  await wizard.getByRole('button', { name: 'Enable' }).click();
  const enabled = await waitForEvent(page, 'integration.enabled');
  expect(enabled).toEqual({
    type: 'integration.enabled',
    ...base,
    integrationId: expect.stringMatching(/^int_/),
    flowId: world.flows.sync,
  });
  await expect(wizard).toHaveCount(0);

  // The server holds what the UI showed.
  const stored = await patchbay.request('GET', `/api/v1/integrations/${enabled.integrationId}`, { token: await patchbay.adminToken() });
  expect(stored.body).toMatchObject({
    flowId: world.flows.sync,
    status: 'enabled',
    inputs: { listName: 'Newsletter' },
    bindings: { crm: crmCreated.connectorAuthId, vault: vaultCreated.connectorAuthId },
  });

  // Disable.
  await openTab(f, 'Integrations');
  const row = integrationRow(f, NAMES.syncFlow);
  await expect(row.getByText('Enabled', { exact: true })).toBeVisible();
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row.getByText('Disabled', { exact: true })).toBeVisible();
  expect(await waitForEvent(page, 'integration.disabled')).toEqual({
    type: 'integration.disabled',
    ...base,
    integrationId: enabled.integrationId,
    flowId: world.flows.sync,
  });

  // Rename the CRM connection.
  await openTab(f, 'Connections');
  const crmRow = connectionRow(f, crmCreated.name);
  await crmRow.getByRole('button', { name: 'Rename' }).click();
  await crmRow.getByRole('textbox', { name: 'Name' }).fill('Sales CRM');
  await crmRow.getByRole('button', { name: 'Save' }).click();
  await expect(connectionRow(f, 'Sales CRM')).toBeVisible();
  expect(await waitForEvent(page, 'connectorAuth.updated')).toEqual({
    type: 'connectorAuth.updated',
    ...base,
    connectorAuthId: crmCreated.connectorAuthId,
    change: 'renamed',
  });

  // Delete the Vault connection: the confirmation names the integration using it.
  await connectionRow(f, vaultCreated.name).getByRole('button', { name: 'Delete' }).click();
  const confirm = confirmation(f);
  await expect(confirm).toContainText(`Delete the connection "${vaultCreated.name}"?`);
  await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
  // The server refuses while an integration uses it (409 in_use); the confirmation then names that integration.
  await expect(confirm.getByRole('listitem')).toHaveText([NAMES.syncFlow]);
  expect(await eventsOf(page, 'connectorAuth.deleted')).toEqual([]);
  await confirm.getByRole('button', { name: 'Delete anyway' }).click();
  await expect(connectionRow(f, vaultCreated.name)).toHaveCount(0);
  expect(await waitForEvent(page, 'connectorAuth.deleted')).toEqual({
    type: 'connectorAuth.deleted',
    ...base,
    connectorAuthId: vaultCreated.connectorAuthId,
  });

  // Set up the second flow with the existing CRM account, then delete that integration.
  await openTab(f, 'Integrations');
  const second = await openWizard(f, NAMES.reportingGroup, NAMES.exportFlow);
  await second.getByRole('radio', { name: 'Sales CRM' }).check();
  const enabled2Event = waitForEvent(page, 'integration.enabled', 2);
  await second.getByRole('button', { name: 'Next' }).click();
  // (No inputs: "Next" may already submit the last step — pending/wizardNext.spec.ts holds that bug; Enable otherwise.)
  await Promise.race([
    enabled2Event,
    second
      .getByRole('button', { name: 'Enable' })
      .click({ timeout: 5000 })
      .catch(() => undefined),
  ]);
  const enabled2 = await enabled2Event;
  expect(enabled2.flowId).toBe(world.flows.export);
  await integrationRow(f, NAMES.exportFlow).getByRole('button', { name: 'Delete' }).click();
  await confirmation(f).getByRole('button', { name: 'Delete' }).click();
  expect(await waitForEvent(page, 'integration.deleted')).toEqual({
    type: 'integration.deleted',
    ...base,
    integrationId: enabled2.integrationId,
    flowId: world.flows.export,
  });

  // The host heard exactly this story, ids only.
  expect((await hostEvents(page)).map((e) => e.type).filter((t) => t !== 'resize')).toEqual([
    'ready',
    'consent.given',
    'connectorAuth.created',
    'connectorAuth.created',
    'integration.enabled',
    'integration.disabled',
    'connectorAuth.updated',
    'connectorAuth.deleted',
    'integration.enabled',
    'integration.deleted',
  ]);

  // Neither the CRM's access token nor its refresh token ever reached the browser (O-09, P-07).
  const row0 = await patchbay.app.ctx.db.get<{ credentials_enc: string }>(
    sql`SELECT credentials_enc FROM connector_auths WHERE id = ${crmCreated.connectorAuthId}`,
  );
  const credentials = openCredentials(patchbay.app.ctx, crmCreated.connectorAuthId, row0?.credentials_enc as string) as {
    type: string;
    accessToken: string;
    refreshToken: string | null;
  };
  expect(credentials.type).toBe('oauth2');
  const canaries = [credentials.accessToken, credentials.refreshToken, VAULT_PASSWORD].filter((c): c is string => !!c);
  expect(canaries.length).toBe(3);
  const frame = await portalFrame(page, patchbay.url);
  const seen = [
    ...(await Promise.all(bodies)),
    JSON.stringify(await hostEvents(page)),
    await frame.evaluate(() => {
      // Chromium may deny a third-party frame its storage altogether; then nothing is in it.
      const read = (f: () => Storage) => {
        try {
          return JSON.stringify({ ...f() });
        } catch {
          return '';
        }
      };
      return document.documentElement.outerHTML + read(() => localStorage) + read(() => sessionStorage);
    }),
  ].join('\n');
  for (const canary of canaries) expect(seen).not.toContain(canary);

  // After a reload: no consent again, the disabled integration and the renamed connection are there.
  await page.reload();
  await waitForEvent(page, 'ready');
  await expect(f.getByRole('tab', { name: 'Integrations' })).toBeVisible();
  await expect(f.getByRole('heading', { name: 'Before you start' })).toHaveCount(0);
  await openTab(f, 'Integrations');
  await expect(integrationRow(f, NAMES.syncFlow).getByText('Disabled', { exact: true })).toBeVisible();
  await expect(integrationRow(f, NAMES.exportFlow)).toHaveCount(0);
  await openTab(f, 'Connections');
  await expect(connectionRow(f, 'Sales CRM')).toBeVisible();
  await expect(connectionRow(f, vaultCreated.name)).toHaveCount(0);
});

/**
 * Two users of one account (docs/domain.md#sharing-levels): at `account` level the second sees and
 * can disable the first's integration; at `user` level neither sees the other's.
 */
import type { Page } from '@playwright/test';
import { portal, waitForEvent } from '../fixtures/acme.ts';
import { acceptConsent, connectCrmByPopup, connectionRow, integrationRow, openTab, openWizard } from '../fixtures/portalUi.ts';
import { expect, test } from '../fixtures/test.ts';
import { NAMES, type SeededConfig } from '../fixtures/world.ts';

test.setTimeout(60_000);

/** u1 enables "Export deals" with a fresh CRM account; answers the integration id. */
async function firstUserEnablesExport(page: Page, config: SeededConfig, acme: { open: (p: Page, o: any) => Promise<void> }) {
  await acme.open(page, { config, user: 'u1' });
  const f = portal(page);
  await acceptConsent(f);
  const wizard = await openWizard(f, NAMES.reportingGroup, NAMES.exportFlow);
  await connectCrmByPopup(page, wizard);
  await waitForEvent(page, 'connectorAuth.created');
  const enabled = waitForEvent(page, 'integration.enabled');
  await wizard.getByRole('button', { name: 'Next' }).click();
  // (This flow has no inputs; the wizard's "Enable" step may already have been submitted by "Next" — the journey test checks that.)
  await Promise.race([
    enabled,
    wizard
      .getByRole('button', { name: 'Enable' })
      .click({ timeout: 5000 })
      .catch(() => undefined),
  ]);
  return (await enabled).integrationId;
}

test('account level: the second user of the account sees the first one’s integration and connection, and can disable it', async ({
  page,
  context,
  acme,
  world,
}) => {
  const config = world.configs.account;
  const integrationId = await firstUserEnablesExport(page, config, acme);

  const second = await context.newPage();
  await acme.open(second, { config, user: 'u2' });
  const f = portal(second);
  // Consent was given once for the whole account.
  await expect(f.getByRole('tab', { name: 'Integrations' })).toBeVisible();
  await expect(f.getByRole('heading', { name: 'Before you start' })).toHaveCount(0);
  await openTab(f, 'Integrations');
  const row = integrationRow(f, NAMES.exportFlow);
  await expect(row.getByText('Enabled', { exact: true })).toBeVisible();
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(row.getByText('Disabled', { exact: true })).toBeVisible();
  expect(await waitForEvent(second, 'integration.disabled')).toEqual({
    type: 'integration.disabled',
    configId: config.id,
    userId: 'u2',
    accountId: 'acme',
    sharingLevel: 'account',
    integrationId,
    flowId: world.flows.export,
  });
  await openTab(f, 'Connections');
  await expect(connectionRow(f, new RegExp(`^${NAMES.crm} `))).toHaveCount(1);

  // The first user sees the change after a reload.
  await page.reload();
  await waitForEvent(page, 'ready');
  await openTab(portal(page), 'Integrations');
  await expect(integrationRow(portal(page), NAMES.exportFlow).getByText('Disabled', { exact: true })).toBeVisible();
});

test('user level: the second user of the same account sees neither the integration nor the connection of the first', async ({
  page,
  context,
  acme,
  world,
}) => {
  const config = world.configs.user;
  await firstUserEnablesExport(page, config, acme);
  await openTab(portal(page), 'Integrations');
  await expect(integrationRow(portal(page), NAMES.exportFlow).getByText('Enabled', { exact: true })).toBeVisible();

  const second = await context.newPage();
  await acme.open(second, { config, user: 'u2' });
  const f = portal(second);
  // Consent is per user at this level.
  await acceptConsent(f);
  await openTab(f, 'Integrations');
  await expect(f.getByText('No integrations yet. Set one up above.')).toBeVisible();
  await expect(f.getByRole('button', { name: 'Disable' })).toHaveCount(0);
  await openTab(f, 'Connections');
  await expect(f.getByText(/^No connections yet/)).toBeVisible();
  await expect(connectionRow(f, new RegExp(`^${NAMES.crm} `))).toHaveCount(0);
});

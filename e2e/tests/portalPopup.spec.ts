/**
 * The OAuth popup's failure modes (SECURITY.md, O-18, O-19): a blocked popup shows a working "Open
 * in a new window" link, and a callback page whose opener is gone still completes the connection
 * through the iframe's polling.
 */
import { portal, portalFrame, waitForEvent } from '../fixtures/acme.ts';
import { acceptConsent, openWizard, signInAtProvider } from '../fixtures/portalUi.ts';
import { expect, test } from '../fixtures/test.ts';
import { NAMES } from '../fixtures/world.ts';

test('a blocked popup shows "Open in a new window"; the link opens the sign-in without an opener and polling completes it', async ({
  page,
  context,
  patchbay,
  acme,
  world,
}) => {
  const config = world.configs.user;
  await acme.open(page, { config });
  const f = portal(page);
  await acceptConsent(f);
  const wizard = await openWizard(f, NAMES.crmGroup, NAMES.syncFlow);
  const frame = await portalFrame(page, patchbay.url);
  await frame.evaluate(() => {
    window.open = () => null;
  });
  await wizard.getByRole('button', { name: 'Connect new account' }).click();
  const link = wizard.getByRole('link', { name: 'Open in a new window' });
  await expect(link).toBeVisible();
  const href = (await link.getAttribute('href')) as string;
  expect(href).toMatch(new RegExp(`^${patchbay.url.replace(/[.:/]/g, '\\$&')}/oauth/start\\?ticket=`));
  expect(await link.getAttribute('target')).toBe('_blank');
  expect(await link.getAttribute('rel')).toContain('noopener');

  const opened = context.waitForEvent('page');
  await link.click();
  const popup = await opened;
  expect(await popup.evaluate(() => window.opener)).toBeNull();
  await signInAtProvider(popup);
  await expect(popup.getByRole('heading')).toBeVisible();
  const created = await waitForEvent(page, 'connectorAuth.created', 1, 20_000);
  expect(created).toMatchObject({ connectorId: 'crm', configId: config.id, userId: 'u1' });
  await expect(wizard.getByRole('radio', { name: created.name })).toBeChecked();
  await expect(wizard.getByRole('link', { name: 'Open in a new window' })).toHaveCount(0);
});

test('a callback page whose opener is gone still completes the connection (polling)', async ({ page, context, acme, world }) => {
  const config = world.configs.user;
  await acme.open(page, { config });
  const f = portal(page);
  await acceptConsent(f);
  const wizard = await openWizard(f, NAMES.crmGroup, NAMES.syncFlow);

  const opened = context.waitForEvent('page');
  await wizard.getByRole('button', { name: 'Connect new account' }).click();
  const popup = await opened;
  await popup.locator('input[name=login]').waitFor();
  // Sever the popup from the iframe, as a provider sending COOP: same-origin would.
  await popup.evaluate(() => {
    window.opener = null;
  });
  expect(await popup.evaluate(() => window.opener)).toBeNull();
  await signInAtProvider(popup);
  const created = await waitForEvent(page, 'connectorAuth.created', 1, 20_000);
  expect(created).toMatchObject({ connectorId: 'crm', configId: config.id, userId: 'u1', accountId: 'acme', sharingLevel: 'user' });
  await expect(wizard.getByRole('radio', { name: created.name })).toBeChecked();
});

/**
 * The portal, polished (docs/embedding.md): a closed sign-in window gives the button back, a
 * provider's cancel says so in words, and no error text shaped like a code reaches the end user;
 * the codes go to the host's `error` event instead.
 */
import type { FrameLocator, Page } from '@playwright/test';
import { eventsOf, portal, portalFrame, waitForEvent } from '../fixtures/acme.ts';
import {
  acceptConsent,
  confirmation,
  connectCrmByPopup,
  connectionRow,
  expandGroup,
  integrationRow,
  openTab,
  openWizard,
} from '../fixtures/portalUi.ts';
import { expect, test } from '../fixtures/test.ts';
import { NAMES } from '../fixtures/world.ts';

/** Text that looks like a code, a field path, an identifier in brackets or an HTTP status. */
const CODE_PATTERN = /[a-z_]+\.[a-z_.]+|\([a-z_]+\)|HTTP \d{3}/;

/** The iframe's visible text must never look like a code. */
async function expectNoCodeText(f: FrameLocator): Promise<void> {
  // The rendered text (what a user sees), not hidden nodes: innerText on purpose.
  // biome-ignore lint/performance/useDomNodeTextContent: visible text is the point
  const text = await f.locator('body').innerText();
  expect(text).not.toMatch(CODE_PATTERN);
}

async function openPopup(page: Page, wizard: ReturnType<FrameLocator['getByRole']>) {
  const opened = page.context().waitForEvent('page');
  await wizard.getByRole('button', { name: 'Connect new account' }).click();
  const popup = await opened;
  await popup.locator('input[name=login]').waitFor();
  return popup;
}

test('closing the sign-in window resets the wizard within 2 s, with the button enabled again', async ({ page, acme, world }) => {
  await acme.open(page, { config: world.configs.user });
  const f = portal(page);
  await acceptConsent(f);
  const wizard = await openWizard(f, NAMES.crmGroup, NAMES.syncFlow);
  const popup = await openPopup(page, wizard);
  const button = wizard.getByRole('button', { name: 'Connect new account' });
  await expect(button).toBeDisabled();
  await expect(wizard.getByText('Waiting for the sign-in window…')).toBeVisible();

  await popup.close();
  const closedAt = Date.now();
  await expect(wizard.getByText('The sign-in window was closed — try again.')).toBeVisible({ timeout: 2_000 });
  expect(Date.now() - closedAt).toBeLessThanOrEqual(2_000);
  await expect(button).toBeEnabled();
  await expect(wizard.getByText('Waiting for the sign-in window…')).toHaveCount(0);
  await expectNoCodeText(f);

  // Trying again works: the new window opens from the enabled button.
  const again = await openPopup(page, wizard);
  await again.close();
  await expect(button).toBeEnabled({ timeout: 2_000 });
});

test('a cancel at the provider says so in words; the code goes to the error event only', async ({ page, acme, world }) => {
  await acme.open(page, { config: world.configs.user });
  const f = portal(page);
  await acceptConsent(f);
  const wizard = await openWizard(f, NAMES.crmGroup, NAMES.syncFlow);
  const popup = await openPopup(page, wizard);
  await popup.getByRole('link', { name: '[ Cancel ]' }).click();
  await expect(wizard.getByText('You cancelled the sign-in. Try again when you are ready.')).toBeVisible({ timeout: 15_000 });
  await expect(wizard.getByRole('button', { name: 'Connect new account' })).toBeEnabled();
  await expectNoCodeText(f);
  const error = await waitForEvent(page, 'error');
  expect(error.code).toBe('access_denied');
  if (!popup.isClosed()) await popup.close();
});

/** Makes every embed API answer (but the session exchange unless `session`) fail with a code and a technical message. */
async function failApi(page: Page, patchbayUrl: string, session: boolean): Promise<void> {
  await page.route(`${patchbayUrl}/embed/api/**`, (route) => {
    if (!session && route.request().url().endsWith('/embed/api/session')) return route.continue();
    return route.fulfill({
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({
        error: {
          code: 'validation_failed',
          message: 'Invalid request: body.bindings.mailer (HTTP 400)',
          details: { issues: [{ path: 'body.bindings.mailer', message: 'Required (missing_binding)' }] },
        },
      }),
    });
  });
}

test('a failed load shows a sentence, never the code, and reports the code to the host', async ({ page, acme, patchbay, world }) => {
  await failApi(page, patchbay.url, false);
  await acme.open(page, { config: world.configs.user });
  const f = portal(page);
  // The consent is asked first; accepting it is the first call that fails.
  await f.getByRole('button', { name: 'Accept' }).click();
  await expect(f.getByRole('alert').first()).toContainText('Choose or connect an account for every step');
  await expectNoCodeText(f);
  const error = await waitForEvent(page, 'error');
  expect(error).toMatchObject({ code: 'validation_failed', configId: world.configs.user.id });
});

test('a failed session shows a sentence and emits error {code, message}', async ({ page, acme, patchbay, world }) => {
  await failApi(page, patchbay.url, true);
  await page.goto(acme.url({ config: world.configs.user }));
  const f = portal(page);
  await expect(f.getByRole('alert')).toContainText('Could not start the session.');
  await expectNoCodeText(f);
  const error = await waitForEvent(page, 'error');
  expect(error).toMatchObject({ code: 'validation_failed', configId: world.configs.user.id });
  expect(typeof error.message).toBe('string');
});

/** The polite live region's current text. */
function said(f: FrameLocator, text: string) {
  return f.getByRole('status').filter({ hasText: text });
}

test('focus follows Next/Back and returns on close; actions confirm themselves; a single account is preselected; the cascade and re-enable events', async ({
  page,
  acme,
  world,
}) => {
  await acme.open(page, { config: world.configs.user });
  const f = portal(page);
  await acceptConsent(f);
  const wizard = await openWizard(f, NAMES.reportingGroup, NAMES.exportFlow);
  await connectCrmByPopup(page, wizard);
  const created = await waitForEvent(page, 'connectorAuth.created');

  // Next and Back move focus to the step heading.
  await wizard.getByRole('button', { name: 'Next' }).click();
  await expect(wizard.getByRole('heading', { name: 'Settings' })).toBeFocused();
  await wizard.getByRole('button', { name: 'Back' }).click();
  await expect(wizard.getByRole('heading', { level: 3 }).first()).toBeFocused();
  await wizard.getByRole('button', { name: 'Next' }).click();
  await wizard.getByRole('button', { name: 'Enable' }).click();
  await expect(said(f, 'Enabled.')).toBeVisible();
  const enabled = await waitForEvent(page, 'integration.enabled');

  // The only usable account is preselected; closing the dialog gives focus back to its opener.
  await expandGroup(f, NAMES.crmGroup);
  const setUp = f.getByRole('listitem', { name: NAMES.syncFlow, exact: true }).getByRole('button', { name: 'Set up' });
  await setUp.click();
  const sync = f.getByRole('dialog', { name: NAMES.syncFlow });
  await expect(sync.getByRole('radio', { name: created.name })).toBeChecked();
  await page.keyboard.press('Escape');
  await expect(sync).toHaveCount(0);
  await expect(setUp).toBeFocused();

  // Disable, then enable again: the right events, each confirmed.
  await openTab(f, 'Integrations');
  const row = integrationRow(f, NAMES.exportFlow);
  await row.getByRole('button', { name: 'Disable' }).click();
  await expect(said(f, 'Disabled.')).toBeVisible();
  await waitForEvent(page, 'integration.disabled', 1);
  await row.getByRole('button', { name: 'Enable' }).click();
  await expect(said(f, 'Enabled.')).toBeVisible();
  const reEnabled = await waitForEvent(page, 'integration.enabled', 2);
  expect(reEnabled).toMatchObject({ integrationId: enabled.integrationId, flowId: world.flows.export });
  expect(await eventsOf(page, 'integration.updated')).toEqual([]);

  // Escape cancels an inline rename and returns focus to "Rename"; a rename confirms itself.
  await openTab(f, 'Connections');
  const conn = connectionRow(f, created.name);
  await conn.getByRole('button', { name: 'Rename' }).click();
  await conn.getByRole('textbox', { name: 'Name' }).fill('Not this');
  await page.keyboard.press('Escape');
  await expect(conn.getByRole('textbox', { name: 'Name' })).toHaveCount(0);
  await expect(conn.getByRole('button', { name: 'Rename' })).toBeFocused();
  await conn.getByRole('button', { name: 'Rename' }).click();
  await conn.getByRole('textbox', { name: 'Name' }).fill('Sales CRM');
  await conn.getByRole('button', { name: 'Save' }).click();
  await expect(said(f, 'Renamed.')).toBeVisible();

  // "Delete anyway" disables the integration using it: integration.disabled for it.
  const renamed = connectionRow(f, 'Sales CRM');
  await renamed.getByRole('button', { name: 'Delete' }).click();
  await confirmation(f).getByRole('button', { name: 'Delete', exact: true }).click();
  await confirmation(f).getByRole('button', { name: 'Delete anyway' }).click();
  await expect(said(f, 'Deleted.')).toBeVisible();
  const cascade = await waitForEvent(page, 'integration.disabled', 2);
  expect(cascade).toMatchObject({ integrationId: enabled.integrationId, flowId: world.flows.export });
  await waitForEvent(page, 'connectorAuth.deleted');
});

test.describe('without a language or theme option, on a German browser that prefers dark', () => {
  test.use({ locale: 'de-DE', colorScheme: 'dark' });

  test('the iframe speaks German, stays light, and "Not now" stores nothing', async ({ page, acme, patchbay, world }) => {
    await acme.open(page, { config: world.configs.user });
    const f = portal(page);
    await expect(f.getByRole('heading', { name: 'Bevor Sie beginnen' })).toBeVisible();
    const frame = await portalFrame(page, patchbay.url);
    expect(await frame.evaluate(() => document.documentElement.lang)).toBe('de');
    // Light, although the system prefers dark: the host asked for no theme.
    expect(await frame.evaluate(() => document.documentElement.dataset.mode)).toBe('light');
    expect(await frame.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--pb-background').trim())).toBe(
      '#ffffff',
    );

    await f.getByRole('button', { name: 'Nicht jetzt' }).click();
    await expect(f.getByRole('status').filter({ hasText: 'Es wurde nichts gespeichert' })).toBeVisible();
    await page.waitForTimeout(300);
    expect(await eventsOf(page, 'consent.given')).toEqual([]);
    await page.reload();
    await expect(portal(page).getByRole('heading', { name: 'Bevor Sie beginnen' })).toBeVisible();
    await expect(portal(page).getByRole('button', { name: 'Akzeptieren' })).toBeVisible();
  });
});

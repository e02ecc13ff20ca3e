/**
 * The wizard's "Next" only moves to the next step; it never submits the form of the step it
 * reveals. (Fails today: Preact reuses the "Next" <button> as the submit button of the last step
 * while the click is still being dispatched, so a flow without inputs is enabled by "Next" and a
 * flow with inputs shows "Please fill in this field" before the user typed anything.)
 */
import { eventsOf, portal } from '../fixtures/acme.ts';
import { acceptConsent, connectCrmByPopup, openWizard } from '../fixtures/portalUi.ts';
import { expect, test } from '../fixtures/test.ts';
import { NAMES } from '../fixtures/world.ts';

test('"Next" on the last account step shows the settings step without submitting it', async ({ page, acme, world }) => {
  await acme.open(page, { config: world.configs.user });
  const f = portal(page);
  await acceptConsent(f);
  const wizard = await openWizard(f, NAMES.reportingGroup, NAMES.exportFlow);
  await connectCrmByPopup(page, wizard);
  await wizard.getByRole('button', { name: 'Next' }).click();
  await expect(wizard.getByText('Step 2 of 2')).toBeVisible();
  await expect(wizard.getByRole('button', { name: 'Enable' })).toBeVisible();
  await page.waitForTimeout(500);
  expect(await eventsOf(page, 'integration.enabled')).toEqual([]);
  await wizard.getByRole('button', { name: 'Enable' }).click();
  await expect.poll(async () => (await eventsOf(page, 'integration.enabled')).length).toBe(1);
});

/**
 * Tokens that live 60 seconds: the portal keeps working past expiry by asking the host's token
 * function again — and does not hammer it. Real time: Patchbay checks `exp` on its own clock, so
 * the browser's clock cannot be faked here.
 */
import { portal, waitForEvent } from '../fixtures/acme.ts';
import { acceptConsent, openTab } from '../fixtures/portalUi.ts';
import { expect, test } from '../fixtures/test.ts';

test.setTimeout(120_000);

test('with 60-second tokens the portal still works after 70 seconds, having asked the token function again', async ({
  page,
  patchbay,
  acme,
  world,
}) => {
  const config = world.configs.user;
  const exchanges: number[] = [];
  page.on('response', (r) => {
    if (r.url() === `${patchbay.url}/embed/api/session`) exchanges.push(r.status());
  });
  await acme.open(page, { config, expiresIn: 60 });
  const f = portal(page);
  await expect(f.getByRole('heading', { name: 'Before you start' })).toBeVisible();
  const started = Date.now();
  expect(acme.mints.length).toBeGreaterThanOrEqual(1);

  await page.waitForTimeout(70_000);
  // Calls after the first token and session expired: a write (consent), then reads.
  const calls: number[] = [];
  page.on('response', (r) => {
    if (r.url().startsWith(`${patchbay.url}/embed/api/`) && !r.url().endsWith('/session')) calls.push(r.status());
  });
  await acceptConsent(f);
  await waitForEvent(page, 'consent.given');
  await openTab(f, 'Connections');
  await expect(f.getByText(/^No connections yet/)).toBeVisible();
  await openTab(f, 'Integrations');
  await expect(f.getByText('No integrations yet. Set one up above.')).toBeVisible();
  await expect(f.getByRole('alert')).toHaveCount(0);

  const mints = acme.mints.filter((m) => m.configId === config.id);
  // Asked again (at least once per token lifetime), never in a loop.
  expect(mints.length).toBeGreaterThanOrEqual(2);
  expect(mints.length).toBeLessThanOrEqual(6);
  expect(mints.some((m) => m.at - started >= 1000)).toBe(true);
  expect(exchanges.every((s) => s === 200)).toBe(true);
  expect(exchanges.length).toBe(mints.length);
  expect(calls.length).toBeGreaterThan(0);
  expect(calls.every((s) => s >= 200 && s < 300)).toBe(true);
  // No error reached the host.
  const events = await page.evaluate(() => (window as any).__events.map((e: { type: string }) => e.type));
  expect(events).not.toContain('error');
});

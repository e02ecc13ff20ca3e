/**
 * The admin console's acceptance journey (issue 11), the parts the other console specs leave out:
 * a revoke seen in the end user's iframe, the audit log listing every console action of the
 * journey (Run now and redeliver included), a member seeing only its group's runs, and a
 * cross-site POST from a page of another origin (same site, so the cookie goes along) refused.
 */
import AxeBuilder from '@axe-core/playwright';
import { portal } from '../fixtures/acme.ts';
import {
  cell,
  createConsoleUser,
  finishedRun,
  grant,
  NAMES,
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

test.setTimeout(120_000);

test('a connector auth revoked in the console shows in the end user’s iframe as revoked, to reconnect', async ({
  page,
  patchbay,
  world,
  acme,
}) => {
  await seedConsoleWorld(patchbay, world);
  // Before: u1's vault connection is active in the iframe.
  const user = await page.context().newPage();
  await acme.open(user, { config: world.configs.user, user: 'u1' });
  let f = portal(user);
  await openTab(f, 'Connections');
  let card = f.getByRole('listitem').filter({ hasText: 'Ada’s vault' }).first();
  await expect(card).toContainText('Active');

  await signIn(page, patchbay, OWNER);
  await openSection(page, 'Connector auths');
  const t = table(page, 'Connector auths');
  await rowWith(t, 'Ada’s vault').getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('alertdialog', { name: 'Revoke connector auth' }).getByRole('button', { name: 'Revoke' }).click();
  await expect(status(page)).toHaveText('Connector auth "Ada’s vault" is revoked; its tokens are gone.');

  await acme.open(user, { config: world.configs.user, user: 'u1' });
  f = portal(user);
  await openTab(f, 'Connections');
  card = f.getByRole('listitem').filter({ hasText: 'Ada’s vault' }).first();
  await expect(card).toContainText('Revoked');
  await expect(card).not.toContainText('Active');
  await expect(card.getByRole('button', { name: 'Reconnect' })).toBeVisible();
  // The other connection is untouched.
  await expect(f.getByRole('listitem').filter({ hasText: 'Ada’s CRM' }).first()).toContainText('Active');
  await user.close();
});

test('the audit log lists every action of the journey: Run now, Disable, Revoke, a new configuration, a published version, a test event and a redelivery', async ({
  page,
  patchbay,
  world,
  host,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  host.handle('/callbacks', (_url, res) => {
    res.writeHead(500, { 'content-type': 'text/plain' }).end('receiver down');
  });
  const patched = await patchbay.request('PATCH', `/api/v1/embed-configs/${world.configs.user.id}`, {
    token: seeded.token,
    body: { callbackUrl: `${host.altOrigin}/callbacks` },
  });
  expect(patched.status, patched.text).toBe(200);
  await signIn(page, patchbay, OWNER);

  // Run now.
  await openSection(page, 'Integrations');
  const integrations = table(page, 'Integrations');
  await rowWith(integrations, seeded.integrations.u1Sync.id).getByRole('button', { name: 'Run now' }).click();
  await expect(status(page)).toHaveText(/^Run run_\w+ is queued\.$/);
  const runId = /(run_\w+)/.exec((await status(page).textContent()) ?? '')?.[1] ?? '';
  // Disable.
  await rowWith(integrations, seeded.integrations.u1Export.id).getByRole('button', { name: 'Disable' }).click();
  await expect(status(page)).toContainText('is disabled');
  // Revoke.
  await openSection(page, 'Connector auths');
  await rowWith(table(page, 'Connector auths'), 'Grace’s CRM').getByRole('button', { name: 'Revoke' }).click();
  await page.getByRole('alertdialog').getByRole('button', { name: 'Revoke' }).click();
  await expect(status(page)).toContainText('is revoked');
  // A new configuration.
  await openSection(page, 'Embed configurations');
  await page.getByRole('link', { name: 'New configuration' }).click();
  await page.getByLabel('Name').fill('Audited portal');
  await page.getByLabel('Allowed origins').fill('https://audited.example');
  await page.getByRole('button', { name: 'Create configuration' }).click();
  await page.getByRole('button', { name: 'I have stored it' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audited portal' })).toBeVisible();
  // A version published with push.
  await openSection(page, 'Flows');
  await page.getByRole('link', { name: NAMES.syncFlow }).click();
  await page.getByLabel('Push to existing integrations').check();
  await page.getByRole('button', { name: 'Publish version' }).click();
  await expect(status(page)).toContainText('Version 2 is published');
  // A test event, then its redelivery.
  await openSection(page, 'Callbacks');
  await page.getByRole('button', { name: 'Send test event' }).click();
  const dialog = page.getByRole('dialog', { name: 'Send test event' });
  await dialog.getByLabel('Configuration').selectOption(world.configs.user.id);
  await dialog.getByRole('button', { name: 'Send test event' }).click();
  await expect(dialog).toContainText(/Test event \S+ sent: status 500\./);
  await dialog.getByRole('button', { name: 'Close', exact: true }).first().click();
  const callbacks = table(page, 'Callbacks');
  const ping = rowWith(callbacks, 'ping');
  const deliveryId = ((await (await cell(callbacks, ping, 'Delivery')).textContent()) ?? '').trim();
  await ping.getByRole('button', { name: 'Redeliver' }).click();
  await page.getByRole('alertdialog', { name: 'Redeliver callback' }).getByRole('button', { name: 'Redeliver' }).click();
  await expect(status(page)).toHaveText(`Delivery ${deliveryId} is queued again.`);

  await openSection(page, 'Audit log');
  const t = table(page, 'Audit log');
  const who = `Admin: ${OWNER.name}`;
  const expected: [string, string][] = [
    ['callback_delivery.redelivered', deliveryId],
    ['embed_config.callback_tested', world.configs.user.id],
    ['flow.version_created', `flow ${world.flows.sync}`],
    ['embed_config.created', 'embed_config cfg_'],
    ['connector_auth.revoked', 'connector_auth ca_'],
    ['integration.disabled', `integration ${seeded.integrations.u1Export.id}`],
    ['run.started', `run ${runId}`],
    ['admin_session.created', `admin_user ${seeded.owner.id}`],
  ];
  for (const [action, object] of expected) {
    const row = rowWith(t, action).first();
    await expect(row, action).toBeVisible();
    await expect(await cell(t, row, 'Who')).toHaveText(who);
    await expect(await cell(t, row, 'Object')).toContainText(object);
  }
  // Filtered on the server: the Run now alone.
  await page.getByLabel('Action').fill('run.started');
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect(page).toHaveURL(`${patchbay.url}/admin/audit-log?action=run.started`);
  await expect(t.locator('tbody tr')).toHaveCount(1);
  await expect(await cell(t, t.locator('tbody tr'), 'Configuration name')).toHaveText('Acme CRM (user)');

  // The delivery page (not in the other specs' page walks): axe-clean in light and dark, no secret shown.
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await page.goto(`${patchbay.url}/admin/callbacks/${deliveryId}`);
    await expect(page.getByRole('heading', { level: 1, name: `Delivery ${deliveryId}` })).toBeVisible();
    await expect(page.locator('.pb-skeleton')).toHaveCount(0);
    await page.waitForTimeout(150);
    const results = await new AxeBuilder({ page }).analyze();
    expect(results.passes.length).toBeGreaterThan(0);
    const serious = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    expect(serious, theme).toEqual([]);
    const html = await page.content();
    for (const secret of seeded.secrets) expect(html).not.toContain(secret);
  }
});

test('a member with view on one group sees only that group’s runs in Runs', async ({ page, patchbay, world }) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  const start = async (id: string) =>
    (await patchbay.request('POST', `/api/v1/integrations/${id}/runs`, { token: seeded.token, body: {} })).body.run.id as string;
  const crmRun = await start(seeded.integrations.u1Sync.id);
  const reportingRuns = [await start(seeded.integrations.u1Export.id), await start(seeded.integrations.u2Export.id)];
  const member = await createConsoleUser(patchbay, seeded.token, {
    email: 'vera@vendor.test',
    password: 'member-password-5c0a9e',
    name: 'Vera Viewer',
    role: 'member',
  });
  await grant(patchbay, seeded.token, member.id, [{ groupId: seeded.groups[NAMES.crmGroup] as string, view: true }]);
  await signIn(page, patchbay, member);
  await openSection(page, 'Runs');
  const runs = table(page, 'Runs');
  await expect(runs.locator('tbody tr')).toHaveCount(1);
  await expect(rowWith(runs, crmRun)).toBeVisible();
  for (const id of reportingRuns) await expect(rowWith(runs, id)).toHaveCount(0);
  // Another group's run is not found through the console API either.
  const statuses = await page.evaluate(
    async (ids) => Promise.all(ids.map(async (id) => (await fetch(`/admin/api/runs/${id}`)).status)),
    [crmRun, ...reportingRuns],
  );
  expect(statuses).toEqual([200, 404, 404]);
  // The owner sees all three.
  await page.getByRole('button', { name: 'Sign out' }).click();
  await signIn(page, patchbay, OWNER, '/admin/runs');
  await expect(table(page, 'Runs').locator('tbody tr')).toHaveCount(3);
});

test('a cross-site POST to /admin/api from a page of another origin (same site: the cookie goes along) is refused with 403 and changes nothing', async ({
  page,
  patchbay,
  world,
  host,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  await signIn(page, patchbay, OWNER);
  const target = `${patchbay.url}/admin/api/integrations/${seeded.integrations.u1Sync.id}/disable`;
  host.route(
    '/evil',
    `<!doctype html><title>Evil</title><form method="post" action="${target}" enctype="text/plain"><input name="x" value="y"></form><script>document.forms[0].submit()</script>`,
  );
  const answered = page.waitForResponse((r) => r.url() === target);
  await page.goto(`${host.altOrigin}/evil`);
  const res = await answered;
  expect(res.request().headers().cookie ?? (await res.request().allHeaders()).cookie).toBeTruthy();
  expect(res.status()).toBe(403);
  expect(await res.json()).toMatchObject({ error: { code: 'forbidden' } });
  const after = await patchbay.request('GET', `/api/v1/integrations/${seeded.integrations.u1Sync.id}`, { token: seeded.token });
  expect(after.body.status).toBe('enabled');
});

test('"Run now" with a worker running: the run itself shows in Runs, finishes, and its page lists its steps and calls', async ({
  page,
  patchbay,
  world,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  const { u1Sync } = seeded.integrations;
  const worker = startRunWorker(patchbay);
  try {
    await signIn(page, patchbay, OWNER);
    await openSection(page, 'Integrations');
    const t = table(page, 'Integrations');
    await rowWith(t, u1Sync.id).getByRole('button', { name: 'Run now' }).click();
    await expect(status(page)).toHaveText(/^Run run_\w+ is queued\.$/);
    const runId = /(run_\w+)/.exec((await status(page).textContent()) ?? '')?.[1] ?? '';
    const done = await finishedRun(patchbay, seeded.token, runId);
    const shown = done.status === 'success' ? 'Succeeded' : 'Failed';

    await openSection(page, 'Runs');
    const runs = table(page, 'Runs');
    const row = rowWith(runs, runId);
    await expect(await cell(runs, row, 'Status')).toHaveText(shown);
    await expect(await cell(runs, row, 'Trigger')).toHaveText('Admin');
    await row.getByRole('link', { name: runId }).click();
    await expect(page.getByRole('heading', { level: 1, name: `Run ${runId}` })).toBeVisible();
    await expect(page.getByRole('region', { name: 'Details', exact: true })).toContainText(shown);
    await expect(rowWith(table(page, 'Steps'), 'contacts')).toBeVisible();
    await expect(rowWith(table(page, 'Calls of step contacts'), '/contacts')).toBeVisible();
    const html = await page.content();
    for (const secret of seeded.secrets) expect(html).not.toContain(secret);
  } finally {
    await worker.stop();
  }
});

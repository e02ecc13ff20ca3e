/**
 * No secret leaves Patchbay through the console: while an owner walks every page, creates an
 * embed configuration and an API token, and opens a connector, no `/admin/api` answer and no page
 * (markup or input values) holds a client secret, a signing secret, a token, a password or a
 * stored credential. A secret made in the console appears once, in the answer that created it.
 */
import type { Page } from '@playwright/test';
import { consolePages, finishedRun, OWNER, seedConsoleWorld, signIn, startRunWorker, visit } from '../fixtures/console.ts';
import { expect, test } from '../fixtures/test.ts';

test.setTimeout(120_000);

interface Answer {
  what: string;
  body: string;
}

/** Everything the page shows or holds: its markup and the values of its inputs (not part of the markup). */
async function pageText(page: Page): Promise<string> {
  return page.evaluate(() =>
    [
      document.documentElement.outerHTML,
      ...[...document.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')].map((e) => e.value),
      JSON.stringify({ ...localStorage }),
      JSON.stringify({ ...sessionStorage }),
      document.cookie,
    ].join('\n'),
  );
}

function leaks(text: string, secrets: readonly string[]): string[] {
  return secrets.filter((s) => text.includes(s));
}

test('no secret in any /admin/api answer or on any page; made secrets appear once, in their create answer', async ({
  page,
  patchbay,
  world,
}) => {
  const seeded = await seedConsoleWorld(patchbay, world);
  // A run that called the CRM with u1's access token: its page and API answers must not carry it.
  const worker = startRunWorker(patchbay);
  const started = await patchbay.request('POST', `/api/v1/integrations/${seeded.integrations.u1Sync.id}/runs`, {
    token: seeded.token,
    body: {},
  });
  const runId = started.body.run.id as string;
  await finishedRun(patchbay, seeded.token, runId);
  await worker.stop();
  const answers: Answer[] = [];
  const pending: Promise<void>[] = [];
  page.on('response', (res) => {
    const url = new URL(res.url());
    if (!url.pathname.startsWith('/admin/api/')) return;
    pending.push(
      res
        .text()
        .then((body) => {
          answers.push({ what: `${res.request().method()} ${url.pathname}${url.search}`, body });
        })
        .catch(() => {}),
    );
  });

  await signIn(page, patchbay, OWNER);
  const pageLeaks: string[] = [];
  const check = async (where: string) => {
    for (const s of leaks(await pageText(page), seeded.secrets)) pageLeaks.push(`${where}: ${s.slice(0, 6)}…`);
  };
  await check('after sign-in');
  for (const target of [...consolePages(world, seeded), { path: `/admin/runs/${runId}`, heading: `Run ${runId}` }]) {
    await visit(page, patchbay, target);
    await check(target.path);
  }

  // A configuration made here: its signing secret is shown once, then gone from the page.
  await visit(page, patchbay, { path: '/admin/embed-configs/new', heading: 'New configuration' });
  await page.getByLabel('Name').fill('Scanned portal');
  await page.getByLabel('Allowed origins').fill('https://scanned.example');
  await page.getByRole('button', { name: 'Create configuration' }).click();
  const shown = page.getByRole('dialog', { name: 'Configuration created' });
  const signingSecret = await shown.getByRole('textbox', { name: /^Signing secret/ }).inputValue();
  await shown.getByRole('button', { name: 'I have stored it' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Scanned portal' })).toBeVisible();
  await expect(page.locator('.pb-skeleton')).toHaveCount(0);

  // An API token made here: shown once, then gone.
  await visit(page, patchbay, { path: '/admin/api-tokens', heading: 'API tokens' });
  await page.getByRole('button', { name: 'Create token' }).click();
  await page.getByRole('dialog', { name: 'Create token' }).getByLabel('Name').fill('CI');
  await page.getByRole('dialog', { name: 'Create token' }).getByRole('button', { name: 'Create token' }).click();
  const tokenDialog = page.getByRole('dialog', { name: 'API token created' });
  const apiToken = await tokenDialog.getByRole('textbox').inputValue();
  expect(apiToken).toMatch(/^pb_/);
  await tokenDialog.getByRole('button', { name: 'I have stored it' }).click();
  await expect(tokenDialog).toBeHidden();
  await expect(page.getByRole('table', { name: 'API tokens' }).getByRole('row', { name: /^CI / })).toBeVisible();

  const made = [signingSecret, apiToken];
  const all = [...seeded.secrets, ...made];
  await check('API tokens after the token dialog');
  for (const s of leaks(await pageText(page), made)) pageLeaks.push(`API tokens page: ${s.slice(0, 6)}…`);
  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: 'API tokens' })).toBeVisible();
  for (const target of consolePages(world, seeded).slice(0, 12)) {
    await visit(page, patchbay, target);
    for (const s of leaks(await pageText(page), all)) pageLeaks.push(`${target.path} (second walk): ${s.slice(0, 6)}…`);
  }
  await Promise.all(pending);

  expect(pageLeaks).toEqual([]);
  // Every answer was looked at, including the ones that carry the console's data.
  const seen = new Set(answers.map((a) => a.what.split('?')[0]));
  for (const route of [
    'GET /admin/api/me',
    'GET /admin/api/connectors/crm',
    'GET /admin/api/embed-configs',
    'GET /admin/api/integrations',
    'GET /admin/api/connector-auths',
  ]) {
    expect(seen, route).toContain(route);
  }
  const answerLeaks = answers.flatMap((a) =>
    leaks(a.body, all)
      .filter(
        (s) =>
          !(s === signingSecret && a.what === 'POST /admin/api/embed-configs') &&
          !(s === apiToken && a.what === 'POST /admin/api/api-tokens'),
      )
      .map((s) => `${a.what}: ${s.slice(0, 6)}…`),
  );
  expect(answerLeaks).toEqual([]);
  // The made secrets were answered exactly once, by the request that made them.
  expect(answers.filter((a) => a.body.includes(signingSecret)).map((a) => a.what)).toEqual(['POST /admin/api/embed-configs']);
  expect(answers.filter((a) => a.body.includes(apiToken)).map((a) => a.what)).toEqual(['POST /admin/api/api-tokens']);
  // The connector answer says a client secret is set, without it.
  const crm = answers.find((a) => a.what === 'GET /admin/api/connectors/crm');
  expect(JSON.parse(crm?.body ?? '{}').oauth2).toMatchObject({ hasClientSecret: true });
  expect(JSON.parse(crm?.body ?? '{}').oauth2).not.toHaveProperty('clientSecret');
});

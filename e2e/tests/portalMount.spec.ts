/**
 * Mount → `ready`, and the tokens stay out of URLs and storage (SECURITY.md, J-16).
 */
import { portal, portalFrame, waitForEvent } from '../fixtures/acme.ts';
import { TOKEN_PATTERNS } from '../fixtures/portalUi.ts';
import { expect, test } from '../fixtures/test.ts';

test('mount: ready with ids only; neither token in the iframe src, any request URL, storage, cookies or logs', async ({
  page,
  context,
  patchbay,
  acme,
  world,
}) => {
  const config = world.configs.user;
  const urls: string[] = [];
  context.on('request', (r) => urls.push(r.url()));
  const sessionAnswer = page.waitForResponse((r) => r.url() === `${patchbay.url}/embed/api/session` && r.request().method() === 'POST');

  await page.goto(acme.url({ config }));
  const ready = await waitForEvent(page, 'ready');
  expect(ready).toEqual({ type: 'ready', configId: config.id, userId: 'u1', accountId: 'acme', sharingLevel: 'user' });
  const session = (await (await sessionAnswer).json()) as { sessionToken: string };
  expect(session.sessionToken).toMatch(/^pbs_/);
  // One token asked for at start; the UI has loaded (the consent screen of this configuration).
  expect(acme.mints.map((m) => [m.configId, m.user])).toEqual([[config.id, 'u1']]);
  const embedToken = acme.mints[0]?.token as string;
  expect(embedToken).toMatch(TOKEN_PATTERNS[0]);
  await expect(portal(page).getByRole('heading', { name: 'Before you start' })).toBeVisible();

  // The iframe's URL carries the configuration only.
  const src = (await page.locator('#portal iframe').getAttribute('src')) as string;
  expect(new URL(src).origin + new URL(src).pathname).toBe(`${patchbay.url}/embed/${config.id}`);
  // The one-file SDK came from Patchbay itself.
  expect(acme.sdkUrl).toBe(`${patchbay.url}/sdk/v1/patchbay.js`);
  const frame = await portalFrame(page, patchbay.url);
  for (const url of [src, frame.url()]) {
    for (const pattern of TOKEN_PATTERNS) expect(url).not.toMatch(pattern);
  }

  // Every request of the page, its frames and any popup: the recording saw the page, the SDK, the iframe and the exchange.
  expect(urls).toEqual(
    expect.arrayContaining([
      acme.url({ config }),
      acme.sdkUrl,
      src,
      `${patchbay.url}/embed/api/session`,
      expect.stringContaining('/token?'),
    ]),
  );
  const leaking = urls.filter((u) => TOKEN_PATTERNS.some((p) => p.test(u)) || u.includes(embedToken) || u.includes(session.sessionToken));
  expect(leaking).toEqual([]);

  // Inside the iframe: nothing stored, no cookie, no token in the DOM. (Chromium may deny a third-party
  // frame its storage altogether — incognito contexts block third-party cookies — which holds nothing either.)
  const inside = await frame.evaluate(async () => {
    const read = (f: () => unknown) => {
      try {
        return f();
      } catch (e) {
        return `denied: ${(e as Error).name}`;
      }
    };
    return {
      local: read(() => Object.entries(localStorage)),
      session: read(() => Object.entries(sessionStorage)),
      cookie: read(() => document.cookie),
      databases: await Promise.resolve(read(() => indexedDB.databases().then((d) => d.map((x) => x.name)))).catch(
        (e: Error) => `denied: ${e.name}`,
      ),
      html: document.documentElement.outerHTML,
    };
  });
  expect(
    { local: inside.local, session: inside.session, cookie: inside.cookie, databases: inside.databases },
    'nothing stored in the iframe',
  ).toEqual({
    local: Array.isArray(inside.local) ? [] : expect.stringMatching(/^denied: /),
    session: Array.isArray(inside.session) ? [] : expect.stringMatching(/^denied: /),
    cookie: inside.cookie === '' ? '' : expect.stringMatching(/^denied: /),
    databases: Array.isArray(inside.databases) ? [] : expect.stringMatching(/^denied: /),
  });
  for (const secret of [embedToken, session.sessionToken]) expect(inside.html).not.toContain(secret);
  expect(await context.cookies(patchbay.url)).toEqual([]);

  // Patchbay's logs (access log included) hold neither token.
  const loggedSecrets = patchbay.logs.filter((line) => line.includes(embedToken) || line.includes(session.sessionToken));
  expect(loggedSecrets).toEqual([]);
  expect(patchbay.logs.some((line) => line.includes('embed session created'))).toBe(true);
});

import { expect, test } from '../fixtures/test.ts';

/** Chromium replaces a frame it refuses to render with its internal error page. */
const BLOCKED_FRAME_URL = 'chrome-error://chromewebdata/';

test('a page on another origin cannot frame the API (frame-ancestors none), while a server-side call still works', async ({
  page,
  patchbay,
  host,
}) => {
  const refusals: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('Content Security Policy')) refusals.push(m.text().trim());
  });
  // The control frame is cross-origin too (127.0.0.1 vs localhost) but sends no policy: it must render,
  // which shows the signals below tell a blocked frame from a rendered one.
  host.route('/control.json', '{"control":"rendered"}', 'application/json');
  host.route(
    '/',
    `<!doctype html><title>Vendor app</title>
     <iframe name="openapi" src="${patchbay.url}/api/v1/openapi.json"></iframe>
     <iframe name="healthz" src="${patchbay.url}/healthz"></iframe>
     <iframe name="control" src="${host.altOrigin}/control.json"></iframe>`,
  );
  await page.goto(`${host.origin}/`);

  const control = page.frame({ name: 'control' });
  await expect.poll(() => control?.evaluate(() => document.body.textContent)).toContain('"control":"rendered"');
  expect(control?.url()).toBe(`${host.altOrigin}/control.json`);

  await expect.poll(() => refusals.length).toBe(2);
  expect(refusals).toEqual([
    `Framing '${patchbay.url}/' violates the following Content Security Policy directive: "frame-ancestors 'none'". The request has been blocked.`,
    `Framing '${patchbay.url}/' violates the following Content Security Policy directive: "frame-ancestors 'none'". The request has been blocked.`,
  ]);
  for (const name of ['openapi', 'healthz']) {
    const frame = page.frame({ name });
    expect(frame?.url(), name).toBe(BLOCKED_FRAME_URL);
    const html = await frame?.evaluate(() => document.documentElement.outerHTML);
    expect(html, name).not.toContain('"status":"ok"');
    expect(html, name).not.toContain('"openapi"');
  }

  const res = await fetch(`${patchbay.url}/healthz`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
  expect(await res.json()).toEqual({ status: 'ok' });
});

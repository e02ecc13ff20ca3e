/**
 * Messages and framing (SECURITY.md, P-01…P-05, P-09, P-11): messages from a foreign origin, a null
 * origin, a sibling posing as the parent, or a frame on Patchbay's origin posing as the portal
 * change nothing; the iframe does not render under an origin outside `allowedOrigins`, not even
 * nested inside an allowed one.
 */
import type { Frame, Page } from '@playwright/test';
import { hostEvents, portal, portalFrame, waitForEvent } from '../fixtures/acme.ts';
import { expect, test } from '../fixtures/test.ts';

/** Chromium replaces a frame it refuses to render with its internal error page. */
const BLOCKED_FRAME_URL = 'chrome-error://chromewebdata/';

/**
 * An attacker's script: tries penpal's handshake on the portal channel against `target`
 * (SYN, then ACK1/ACK2 with its own port and CALLs through it), plus look-alike messages, and
 * records everything it gets back in `window.__got`.
 */
function attackerScript(target: string, targetOrigin: string): string {
  return `
window.__got = [];
// The exact origin of the window attacked: the attack is where the message comes FROM.
const targetOrigin = ${JSON.stringify(targetOrigin)};
window.__sent = 0;
const channel = 'patchbay.portal.v1';
const target = ${target};
const fakeEvent = { type: 'integration.enabled', configId: 'cfg_fake', userId: 'u1', accountId: 'acme', sharingLevel: 'user', integrationId: 'int_fake', flowId: 'flow_fake' };
const { port1, port2 } = new MessageChannel();
port1.onmessage = (e) => window.__got.push({ via: 'port', data: e.data });
port1.start();
window.addEventListener('message', (e) => {
  window.__got.push({ via: 'window', origin: e.origin, data: e.data });
  if (e.data && e.data.type === 'ACK1') {
    const { port1: p1, port2: p2 } = new MessageChannel();
    p1.onmessage = (m) => window.__got.push({ via: 'ack-port', data: m.data });
    target.postMessage({ namespace: 'penpal', channel, type: 'ACK2' }, targetOrigin, [p2]);
    p1.postMessage({ namespace: 'penpal', channel, type: 'CALL', id: 'x1', methodPath: ['setTheme'], args: [{ mode: 'dark' }] });
    p1.postMessage({ namespace: 'penpal', channel, type: 'CALL', id: 'x2', methodPath: ['emit'], args: [fakeEvent] });
    p1.postMessage({ namespace: 'penpal', channel, type: 'CALL', id: 'x3', methodPath: ['getToken'], args: [] });
  }
});
function send(message, transfer) { target.postMessage(message, targetOrigin, transfer || []); window.__sent++; }
send({ namespace: 'penpal', channel, type: 'SYN', participantId: 'zzzzzzzz' });
send({ namespace: 'penpal', channel, type: 'ACK2' }, [port2]);
send({ namespace: 'penpal', channel, type: 'CALL', id: 'c1', methodPath: ['setTheme'], args: [{ mode: 'dark' }] });
send({ namespace: 'penpal', channel, type: 'CALL', id: 'c2', methodPath: ['emit'], args: [fakeEvent] });
send({ namespace: 'penpal', channel, type: 'CALL', id: 'c3', methodPath: ['getToken'], args: [] });
send({ penpal: 'call', methodName: 'setTheme', args: [{ mode: 'dark' }], id: 'd1' });
send({ source: 'patchbay', type: 'connect.result', ticketId: 'ct_aaaaaaaaaaaaaaaaaaaaaaaaaa', status: 'success', connectorAuthId: 'ca_aaaaaaaaaaaaaaaaaaaaaaaaaa', error: null });
send({ type: 'session_token', token: 'eyJhbGciOiJIUzI1NiJ9.e30.x' });
send({ type: 'theme', css: 'body{background:red}' });
send(fakeEvent);
`;
}

/** What the portal shows and holds, to compare before and after an attack. */
async function portalState(frame: Frame) {
  return frame.evaluate(() => ({
    background: getComputedStyle(document.documentElement).backgroundColor + getComputedStyle(document.body).backgroundColor,
    rootAttributes: [...document.documentElement.attributes].map((a) => `${a.name}=${a.value}`).sort(),
    text: document.body.textContent,
  }));
}

async function injectFrame(page: Page, name: string, attrs: Record<string, string>): Promise<Frame> {
  await page.evaluate(
    ([n, a]) => {
      const el = document.createElement('iframe');
      el.name = n;
      for (const [k, v] of Object.entries(a)) el.setAttribute(k, v);
      document.body.appendChild(el);
    },
    [name, attrs] as const,
  );
  await expect.poll(() => page.frame({ name })?.evaluate(() => (window as any).__sent ?? 0)).toBeGreaterThan(0);
  return page.frame({ name }) as Frame;
}

test('messages from a foreign origin, a null origin, a sibling posing as the parent or an imposter of the portal change nothing', async ({
  page,
  patchbay,
  host,
  acme,
  world,
}) => {
  const config = world.configs.user;
  await acme.open(page, { config });
  const f = portal(page);
  await expect(f.getByRole('heading', { name: 'Before you start' })).toBeVisible();
  const frame = await portalFrame(page, patchbay.url);
  const before = await portalState(frame);
  const eventsBefore = await hostEvents(page);
  const mintsBefore = acme.mints.length;

  // Delivery probes: count window messages that come from anything but the legitimate peer, so the
  // test fails if the forged messages were silently dropped instead of being received and ignored.
  await frame.evaluate(() => {
    (window as any).__probe = 0;
    addEventListener('message', (e) => {
      if (e.source !== window.parent) (window as any).__probe++;
    });
  });
  await page.evaluate(() => {
    (window as any).__probe = 0;
    const portalWindow = document.querySelector('#portal iframe') as HTMLIFrameElement | null;
    addEventListener('message', (e) => {
      if (e.source !== portalWindow?.contentWindow) (window as any).__probe++;
    });
  });

  const toPortal = 'parent.frames[0]';
  const page_ = (script: string) => `<!doctype html><title>x</title><script>${script}</script>`;
  host.route('/attacker', page_(attackerScript(toPortal, new URL(patchbay.url).origin)));
  // Third origin (127.0.0.1 on the host's port): foreign to both the host and Patchbay.
  const foreign = await injectFrame(page, 'foreign', { src: `${host.altOrigin}/attacker` });
  // The host's own (allowed) origin, but not the parent window: posing as the parent.
  const sibling = await injectFrame(page, 'sibling', { src: `${host.origin}/attacker` });
  // A sandboxed frame: origin "null".
  const sandboxed = await injectFrame(page, 'sandboxed', {
    sandbox: 'allow-scripts',
    srcdoc: page_(attackerScript(toPortal, new URL(patchbay.url).origin)),
  });
  // Patchbay's own origin, posting to the host page: posing as the portal iframe.
  await page.route(`${patchbay.url}/e2e-imposter`, (route) =>
    route.fulfill({ contentType: 'text/html', body: page_(attackerScript('parent', host.origin)) }),
  );
  const imposter = await injectFrame(page, 'imposter', { src: `${patchbay.url}/e2e-imposter` });
  // A foreign frame posting to the host page too.
  host.route('/attacker-host', page_(attackerScript('parent', host.origin)));
  const foreignToHost = await injectFrame(page, 'foreignToHost', { src: `${host.altOrigin}/attacker-host` });

  // Give every message time to be (not) handled.
  await page.waitForTimeout(1500);
  for (const attacker of [foreign, sibling, sandboxed, imposter, foreignToHost]) {
    expect(await attacker.evaluate(() => (window as any).__sent), attacker.name()).toBe(10);
    expect(await attacker.evaluate(() => (window as any).__got), attacker.name()).toEqual([]);
  }
  // Delivered: 3 attackers × 10 messages reached the portal, 2 × 10 reached the host page.
  expect(await frame.evaluate(() => (window as any).__probe)).toBe(30);
  expect(await page.evaluate(() => (window as any).__probe)).toBe(20);
  expect(await hostEvents(page)).toEqual(eventsBefore);
  expect(acme.mints.length).toBe(mintsBefore);
  expect(await portalState(frame)).toEqual(before);

  // The real channel still works, and the state above would have shown a theme change.
  await page.evaluate(() => (window as any).__portal.setTheme({ mode: 'dark' }));
  await expect.poll(async () => (await portalState(frame)).rootAttributes).toContain('data-mode=dark');
  expect(before.rootAttributes).not.toContain('data-mode=dark');
  // The real host's events still arrive.
  await f.getByRole('button', { name: 'Accept' }).click();
  await waitForEvent(page, 'consent.given');
});

test('the iframe renders only under an allowed origin: blocked when framed by another origin, and when an allowed page is itself framed', async ({
  page,
  patchbay,
  host,
  acme,
  world,
}) => {
  const config = world.configs.user;
  const refusals: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('frame-ancestors')) refusals.push(m.text());
  });
  const embedUrl = `${patchbay.url}/embed/${config.id}`;
  host.route(
    '/evil',
    `<!doctype html><title>Evil</title>
     <iframe name="direct" src="${embedUrl}"></iframe>
     <iframe name="nested" src="${acme.url({ config })}"></iframe>`,
  );
  await page.goto(`${host.altOrigin}/evil`);
  // Chromium reports each refusal (one per blocked frame, possibly more than once each).
  const refusal = `Framing '${patchbay.url}/' violates the following Content Security Policy directive: "frame-ancestors ${host.origin}". The request has been blocked.`;
  await expect.poll(() => refusals.length).toBeGreaterThanOrEqual(2);
  expect([...new Set(refusals.map((r) => r.trim()))]).toEqual([refusal]);
  // Chromium swaps a refused frame for its error page shortly after reporting it: wait for the swap.
  await expect.poll(() => page.frame({ name: 'direct' })?.url()).toBe(BLOCKED_FRAME_URL);
  const nested = page.frame({ name: 'nested' }) as Frame;
  expect(nested.url()).toBe(acme.url({ config }));
  await expect.poll(() => nested.childFrames()[0]?.url()).toBe(BLOCKED_FRAME_URL);
  expect(await nested.evaluate(() => (window as any).__events)).toEqual([]);
  // A blocked portal never opened a session (the SDK may prefetch a token, but hands it over only after the handshake).
  expect(patchbay.logs.filter((line) => line.includes('embed session created'))).toEqual([]);

  // Control: the allowed origin at the top renders it, and the same log line shows up.
  await acme.open(page, { config });
  expect((await portalFrame(page, patchbay.url)).url()).toBe(embedUrl);
  expect(patchbay.logs.filter((line) => line.includes('embed session created'))).toHaveLength(1);
});

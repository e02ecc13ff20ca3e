/**
 * Tests against the built output: builds the SDK with its own Vite config into a temp directory,
 * checks the two files, then drives `mountPortal` from the ESM build through penpal's real
 * handshake with a scripted iframe on a minimal fake DOM (origins and windows as a browser
 * reports them). The real browser run is in the e2e suite.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'vite';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type * as Sdk from './index.ts';

const PATCHBAY = 'https://patchbay.example.com';
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1LTQyIn0.c2lnbmF0dXJlLXZhbHVl';
const CHANNEL = 'patchbay.portal.v1';
const pkg = path.resolve(import.meta.dirname, '..');
let out: string;
let sdk: typeof Sdk;

beforeAll(async () => {
  out = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-sdk-build-'));
  await build({ configFile: path.join(pkg, 'vite.config.ts'), root: pkg, logLevel: 'silent', build: { outDir: out } });
  sdk = await import(pathToFileURL(path.join(out, 'index.js')).href);
}, 60_000);
afterAll(() => fs.rmSync(out, { recursive: true, force: true }));

describe('the build', () => {
  it('writes an ES module and a one-file script with the global Patchbay, each ≤ 5 KB gzip', () => {
    const esm = fs.readFileSync(path.join(out, 'index.js'), 'utf8');
    const iife = fs.readFileSync(path.join(out, 'patchbay.iife.js'), 'utf8');
    expect(typeof sdk.mountPortal).toBe('function');
    expect(typeof sdk.portalUrl).toBe('function');
    expect(iife).toMatch(/^var Patchbay=/);
    const global: { Patchbay?: { mountPortal?: unknown } } = {};
    new Function('self', `${iife};self.Patchbay=Patchbay;`)(global);
    expect(typeof global.Patchbay?.mountPortal).toBe('function');
    for (const code of [esm, iife]) {
      expect(gzipSync(code, { level: 9 }).length).toBeLessThanOrEqual(5 * 1024);
      expect(code).not.toMatch(/postMessage\([^)]*["'`]\*["'`]/);
      expect(code).not.toMatch(/\bzod\b|ZodError/);
      expect(code).not.toMatch(/console\.(log|info|debug)/);
    }
  });
});

// ---- a minimal browser: the host window, the iframe's window, and what crosses between them ----

type Listener = (e: { data: unknown; origin: string; source: unknown; ports: readonly MessagePort[] }) => void;
const listeners = new Set<Listener>();
const toIframe: { data: any; targetOrigin: string; ports: readonly MessagePort[] }[] = [];
const iframeWindow = {
  postMessage(data: unknown, opts: { targetOrigin: string; transfer?: MessagePort[] }) {
    toIframe.push({ data, targetOrigin: opts.targetOrigin, ports: opts.transfer ?? [] });
  },
};
const strangerWindow = { postMessage() {} };
interface FakeIframe {
  title: string;
  src: string;
  style: { cssText: string; height: string };
  contentWindow: typeof iframeWindow;
  remove(): void;
}
const container = { children: [] as FakeIframe[], appendChild: (el: FakeIframe) => container.children.push(el) };
const reported: unknown[] = [];
Object.assign(globalThis, {
  window: {
    origin: 'https://app.acme.example',
    addEventListener: (_type: string, l: Listener) => listeners.add(l),
    removeEventListener: (_type: string, l: Listener) => listeners.delete(l),
    setTimeout,
    clearTimeout,
  },
  document: {
    querySelector: (s: string) => (s === '#integrations' ? container : null),
    createElement: (): FakeIframe => {
      const el: FakeIframe = {
        title: '',
        src: '',
        style: { cssText: '', height: '' },
        contentWindow: iframeWindow,
        remove: () => {
          container.children = container.children.filter((c) => c !== el);
        },
      };
      return el;
    },
  },
  reportError: (e: unknown) => reported.push(e),
});

function post(data: unknown, from: { origin?: string; source?: unknown; ports?: MessagePort[] } = {}) {
  for (const l of [...listeners])
    l({ data, origin: from.origin ?? PATCHBAY, source: from.source ?? iframeWindow, ports: from.ports ?? [] });
}
const tick = () => new Promise((r) => setTimeout(r, 10));

/** Completes penpal's handshake as the iframe would, and answers a function calling host methods over the port. */
async function handshake() {
  post({ namespace: 'penpal', channel: CHANNEL, type: 'SYN', participantId: '0' });
  await tick();
  const ack1 = toIframe.find((m) => m.data.type === 'ACK1');
  expect(ack1?.targetOrigin).toBe(PATCHBAY);
  expect(ack1?.data.methodPaths).toEqual([['getToken'], ['emit'], ['resize']]);
  const { port1, port2 } = new MessageChannel();
  post({ namespace: 'penpal', channel: CHANNEL, type: 'ACK2' }, { ports: [port2] });
  const replies = new Map<string, (m: any) => void>();
  const fromHost: any[] = [];
  port1.addEventListener('message', (e: MessageEvent) => {
    fromHost.push(e.data);
    if (e.data.type === 'REPLY') replies.get(e.data.callId)?.(e.data);
  });
  port1.start();
  let n = 0;
  const call = (method: string, ...args: unknown[]) =>
    new Promise<any>((resolve) => {
      const id = `call-${++n}`;
      replies.set(id, resolve);
      port1.postMessage({ namespace: 'penpal', channel: CHANNEL, type: 'CALL', id, methodPath: [method], args });
    });
  return { call, fromHost, close: () => port1.close() };
}

const ids = { configId: 'cfg_abc123', userId: 'u-42', accountId: 'acme', sharingLevel: 'user' };

describe('mountPortal (built ESM, penpal handshake with a scripted iframe)', () => {
  beforeEach(() => {
    toIframe.length = 0;
    reported.length = 0;
  });

  it('creates the iframe without the token, hands the token over the channel only, relays events, resizes, and destroys', async () => {
    let tokenCalls = 0;
    const portal = sdk.mountPortal({
      container: '#integrations',
      url: `${PATCHBAY}/`,
      configId: 'cfg_abc123',
      language: 'de',
      token: async () => {
        tokenCalls += 1;
        return TOKEN;
      },
    });
    expect(container.children).toEqual([portal.iframe]);
    expect(portal.iframe.src).toBe(`${PATCHBAY}/embed/cfg_abc123?lang=de`);
    expect(portal.iframe.title).toBe('Integrations');
    expect(JSON.stringify(toIframe)).not.toContain('eyJ');
    // The first token is fetched while the iframe loads, and handed over only when asked.
    await tick();
    expect(tokenCalls).toBe(1);
    expect(JSON.stringify(toIframe)).not.toContain('eyJ');

    // A stranger (wrong origin, or the right origin from another window) gets no answer.
    const before = toIframe.length;
    post({ namespace: 'penpal', channel: CHANNEL, type: 'SYN', participantId: '0' }, { origin: 'https://evil.example' });
    post({ namespace: 'penpal', channel: CHANNEL, type: 'SYN', participantId: '0' }, { source: strangerWindow });
    await tick();
    expect(toIframe.length).toBe(before);

    const iframe = await handshake();
    const seen: unknown[] = [];
    const all: string[] = [];
    portal.on('integration.enabled', () => {
      throw new Error('a broken listener');
    });
    const off = portal.on('integration.enabled', (e) => seen.push(e));
    portal.on('*', (e) => all.push(e.type));

    expect(await iframe.call('getToken')).toMatchObject({ type: 'REPLY', value: TOKEN });
    expect(tokenCalls).toBe(1); // the early one
    expect(await iframe.call('getToken')).toMatchObject({ value: TOKEN });
    expect(tokenCalls).toBe(2);

    const enabled = { type: 'integration.enabled', ...ids, integrationId: 'int_1', flowId: 'flow_1' };
    await iframe.call('emit', enabled);
    await iframe.call('emit', { type: 'steal', token: 'x' });
    await iframe.call('emit', 'ready');
    expect(seen).toEqual([enabled]);
    expect(Object.isFrozen(seen[0])).toBe(true);
    expect(all).toEqual(['integration.enabled']);
    expect(reported).toEqual([new Error('a broken listener')]);
    off();
    await iframe.call('emit', enabled);
    expect(seen).toHaveLength(1);
    expect(all).toEqual(['integration.enabled', 'integration.enabled']);

    await iframe.call('resize', 512.3);
    expect(portal.iframe.style.height).toBe('512px');
    await iframe.call('resize', 1e9);
    expect(portal.iframe.style.height).toBe('100000px');
    await iframe.call('resize', 'tall');
    expect(portal.iframe.style.height).toBe('100000px');

    portal.destroy();
    expect(container.children).toEqual([]);
    expect(listeners.size).toBe(0);
    await tick();
    expect(iframe.fromHost.at(-1)).toMatchObject({ type: 'DESTROY' });
    iframe.close();
  });

  it('refuses to hand over something that is not a JWT, without echoing it', async () => {
    const portal = sdk.mountPortal({
      container: container as unknown as Element,
      url: PATCHBAY,
      configId: 'cfg_abc123',
      token: () => 'secret-but-not-a-jwt',
    });
    const iframe = await handshake();
    const reply = await iframe.call('getToken');
    expect(reply).toMatchObject({ type: 'REPLY', isError: true });
    expect(reply.value.message).toBe('Patchbay: the token function did not return an embed token (a JWT)');
    expect(JSON.stringify(reply)).not.toContain('secret-but-not-a-jwt');
    portal.destroy();
    iframe.close();
  });

  it('throws for a missing container before creating anything', () => {
    expect(() => sdk.mountPortal({ container: '#nope', url: PATCHBAY, configId: 'cfg_abc123', token: () => TOKEN })).toThrow(
      'Patchbay: no element matches #nope',
    );
    expect(container.children).toEqual([]);
  });
});

import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { adminPagesRouter, CONSOLE_ENTRY } from './adminPages.ts';

const MANIFEST = {
  [CONSOLE_ENTRY]: {
    file: 'assets/main-a1b2c3.js',
    src: CONSOLE_ENTRY,
    isEntry: true,
    css: ['assets/main-d4e5f6.css'],
    imports: ['_preact-777.js'],
  },
  '_preact-777.js': { file: 'assets/preact-777.js' },
  'src/admin/views/FlowEditor.tsx': { file: 'assets/FlowEditor-888.js', isDynamicEntry: true },
};
const CONSOLE_CSP =
  "default-src 'self';script-src 'self';style-src 'self';img-src 'self' data: https:;connect-src 'self';object-src 'none';" +
  "base-uri 'none';form-action 'self';frame-ancestors 'none'";
const SHELL =
  '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
  '<meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex">' +
  '<title>Patchbay admin</title>' +
  '<link rel="stylesheet" href="/admin-assets/assets/main-d4e5f6.css">' +
  '<link rel="modulepreload" href="/admin-assets/assets/preact-777.js">' +
  '</head><body><div id="app"></div><noscript>The Patchbay admin console needs JavaScript.</noscript>' +
  '<script type="module" src="/admin-assets/assets/main-a1b2c3.js"></script></body></html>';

/** A fake `embed-ui/dist-admin` in a temp directory. */
function fakeBuild(dir: string, withManifest = true): string {
  fs.mkdirSync(path.join(dir, 'assets'), { recursive: true });
  if (withManifest) {
    fs.mkdirSync(path.join(dir, '.vite'));
    fs.writeFileSync(path.join(dir, '.vite', 'manifest.json'), JSON.stringify(MANIFEST));
  }
  fs.writeFileSync(path.join(dir, 'assets', 'main-a1b2c3.js'), 'console.log("console");');
  fs.writeFileSync(path.join(dir, 'assets', 'main-d4e5f6.css'), 'body{margin:0}');
  fs.writeFileSync(path.join(dir, 'assets', '.env'), 'hidden');
  return dir;
}

async function listen(app: express.Express): Promise<{ url: string; server: Server }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let s: TestServer;
let tmp: string;
let built: { url: string; server: Server };
let unbuilt: { url: string; server: Server };

beforeAll(async () => {
  s = await startTestServer();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-admin-pages-'));
  // The console's router in front of the real app, as createApp orders them: what it passes on reaches the API.
  const a = express();
  a.use(adminPagesRouter(s.app.ctx, { adminUiDist: fakeBuild(path.join(tmp, 'a')) }));
  a.use(s.app.app);
  built = await listen(a);
  const b = express();
  b.use(adminPagesRouter(s.app.ctx, { adminUiDist: fakeBuild(path.join(tmp, 'b'), false) }));
  unbuilt = await listen(b);
});

afterAll(async () => {
  for (const x of [built, unbuilt]) {
    x.server.closeAllConnections();
    await new Promise<void>((resolve) => x.server.close(() => resolve()));
  }
  await s.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('GET /admin and its client-side routes', () => {
  it('serves the shell with the console CSP, no framing, no referrer and no caching', async () => {
    const res = await fetch(`${built.url}/admin`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(res.headers.get('strict-transport-security')).toBeNull();
    const html = await res.text();
    expect(html).toBe(SHELL);
    // No inline script: every <script> loads a file.
    expect(html.match(/<script[^>]*>/g)).toEqual(['<script type="module" src="/admin-assets/assets/main-a1b2c3.js">']);
  });

  it.each([
    '/admin/',
    '/admin/integrations',
    '/admin/integrations?status=disabled&configId=cfg_abcdefghij',
    '/admin/integrations/int_abcdefghijkl',
    '/admin/embed-configs/cfg_abcdefghij',
    '/admin/no-such-page/deeper',
    '/admin/apis',
  ])('serves the same shell on the deep link %s (history API routing)', async (p) => {
    const res = await fetch(`${built.url}${p}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(CONSOLE_CSP);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe(SHELL);
  });

  it('leaves /admin/api to the API (JSON errors, the API headers), and answers no shell to other methods or lookalike paths', async () => {
    const me = await fetch(`${built.url}/admin/api/me`);
    expect(me.status).toBe(401);
    expect(me.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    expect(await me.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const unknown = await fetch(`${built.url}/admin/api/nothing-here`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: 'not_found' } });
    for (const [method, p] of [
      ['POST', '/admin'],
      ['GET', '/administrator'],
      ['GET', '/admin-console'],
    ] as const) {
      const res = await fetch(`${built.url}${p}`, { method });
      expect(res.status, `${method} ${p}`).toBe(404);
      expect(await res.text(), `${method} ${p}`).not.toContain('<div id="app">');
    }
  });

  it('answers 503 telling to run `pnpm build` when the console is not built, in a page nobody may frame', async () => {
    const res = await fetch(`${unbuilt.url}/admin/integrations`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('Run `pnpm build` and reload.');
    expect(html).not.toContain('<script');
  });

  it('is mounted in the real app', async () => {
    const res = await s.request('GET', '/admin/integrations');
    // 200 with a built console, 503 without one; never framed either way.
    expect([200, 503]).toContain(res.status);
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('cache-control')).toBe('no-store');
  });
});

describe('GET /admin-assets/*', () => {
  it('serves built files as immutable, same-origin only', async () => {
    const res = await fetch(`${built.url}/admin-assets/assets/main-a1b2c3.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('same-origin');
    expect(await res.text()).toBe('console.log("console");');
  });

  it.each([
    '/admin-assets/assets/main-000000.js',
    '/admin-assets/.vite/manifest.json',
    '/admin-assets/assets/.env',
    '/admin-assets/',
    '/admin-assets/assets',
    '/admin-assets/..%2f..%2fb/assets/main-a1b2c3.js',
  ])('answers a plain 404 for %s (unknown file, no dotfiles, no listing, no escape)', async (p) => {
    const res = await fetch(`${built.url}${p}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.text()).toBe('Not found');
  });
});

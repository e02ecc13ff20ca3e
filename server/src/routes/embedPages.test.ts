import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../db/sql.ts';
import { createEmbedFixture } from '../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { embedPagesRouter, firstViewAssets } from './embedPages.ts';

const MANIFEST = {
  'src/portal/main.tsx': {
    file: 'assets/main-abc123.js',
    src: 'src/portal/main.tsx',
    isEntry: true,
    css: ['assets/main-def456.css'],
    imports: ['_vendor-111.js'],
  },
  '_vendor-111.js': { file: 'assets/vendor-111.js', css: ['assets/vendor-222.css'], imports: ['_tiny-333.js'] },
  '_tiny-333.js': { file: 'assets/tiny-333.js' },
  'src/admin/main.tsx': { file: 'assets/admin-999.js', isEntry: true },
};
const PAGE_CSP_PREFIX =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; font-src 'self'; " +
  "base-uri 'none'; form-action 'none'; frame-ancestors ";

/** A fake `embed-ui/dist` and `sdk/dist` in a temp directory. */
function fakeBuild(dir: string, withManifest = true): { embedUiDist: string; sdkDist: string } {
  const embedUiDist = path.join(dir, 'embed-ui-dist');
  const sdkDist = path.join(dir, 'sdk-dist');
  fs.mkdirSync(path.join(embedUiDist, 'assets'), { recursive: true });
  fs.mkdirSync(sdkDist, { recursive: true });
  if (withManifest) {
    fs.mkdirSync(path.join(embedUiDist, '.vite'));
    fs.writeFileSync(path.join(embedUiDist, '.vite', 'manifest.json'), JSON.stringify(MANIFEST));
  }
  fs.writeFileSync(path.join(embedUiDist, 'assets', 'main-abc123.js'), 'console.log("portal");');
  fs.writeFileSync(path.join(embedUiDist, 'assets', 'main-def456.css'), 'body{margin:0}');
  fs.writeFileSync(path.join(embedUiDist, 'assets', '.secret'), 'hidden');
  fs.writeFileSync(path.join(sdkDist, 'patchbay.iife.js'), 'var Patchbay=(function(){return{mountPortal(){}}})();');
  return { embedUiDist, sdkDist };
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
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-embed-pages-'));
  const a = express();
  a.use(embedPagesRouter(s.app.ctx, fakeBuild(path.join(tmp, 'a'))));
  built = await listen(a);
  const b = express();
  b.use(embedPagesRouter(s.app.ctx, fakeBuild(path.join(tmp, 'b'), false)));
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

async function configWithOrigins(origins: unknown, opts: { enabled?: boolean; defaultLanguage?: 'en' | 'de' } = {}): Promise<string> {
  const fx = await createEmbedFixture(s.app.ctx, { keys: ['hs'], ...opts });
  await s.app.ctx.db.run(sql`UPDATE embed_configs SET allowed_origins = ${JSON.stringify(origins)} WHERE id = ${fx.configId}`);
  return fx.configId;
}

describe('GET /embed/{configId}', () => {
  it('serves the shell with frame-ancestors of exact and wildcard origins, and no X-Frame-Options', async () => {
    const id = await configWithOrigins(['https://app.acme.example', 'https://*.acme.example', 'http://localhost:5173']);
    const res = await fetch(`${built.url}/embed/${id}?lang=de&theme=dark`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(
      `${PAGE_CSP_PREFIX}https://app.acme.example https://*.acme.example http://localhost:5173`,
    );
    expect(res.headers.get('x-frame-options')).toBeNull();
    expect(res.headers.get('cross-origin-opener-policy')).toBeNull();
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await res.text()).toBe(
      '<!doctype html><html lang="de"><head><meta charset="utf-8">' +
        '<meta name="viewport" content="width=device-width, initial-scale=1">' +
        '<meta name="patchbay-allowed-origins" content=\'[&#34;https://app.acme.example&#34;,&#34;https://*.acme.example&#34;,&#34;http://localhost:5173&#34;]\'>' +
        '<title>Integrations</title>' +
        '<link rel="stylesheet" href="/embed-assets/assets/main-def456.css">' +
        '<link rel="stylesheet" href="/embed-assets/assets/vendor-222.css">' +
        '<link rel="modulepreload" href="/embed-assets/assets/vendor-111.js">' +
        '<link rel="modulepreload" href="/embed-assets/assets/tiny-333.js">' +
        '</head><body><div id="app"></div><script type="module" src="/embed-assets/assets/main-abc123.js"></script></body></html>',
    );
  });

  it("uses the configuration's default language when the query has none or an unknown one", async () => {
    const id = await configWithOrigins(['https://app.acme.example'], { defaultLanguage: 'de' });
    expect(await (await fetch(`${built.url}/embed/${id}`)).text()).toMatch(/^<!doctype html><html lang="de">/);
    expect(await (await fetch(`${built.url}/embed/${id}?lang=%22%3E%3Cscript%3E`)).text()).toMatch(/^<!doctype html><html lang="de">/);
  });

  it('drops stored origins that are not valid patterns instead of writing them into the header, and escapes the meta', async () => {
    const id = await configWithOrigins(['https://ok.example', 'https://x.example; script-src *', "https://a'b.example", '*']);
    const res = await fetch(`${built.url}/embed/${id}`);
    expect(res.headers.get('content-security-policy')).toBe(`${PAGE_CSP_PREFIX}https://ok.example`);
    expect(await res.text()).toContain('<meta name="patchbay-allowed-origins" content=\'[&#34;https://ok.example&#34;]\'>');
  });

  it("answers frame-ancestors 'none' when a configuration allows no origin", async () => {
    const id = await configWithOrigins([]);
    const res = await fetch(`${built.url}/embed/${id}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe(`${PAGE_CSP_PREFIX}'none'`);
  });

  it.each([
    ['unknown', () => 'cfg_doesnotexist0000'],
    ['malformed', () => 'not-a-config%3Cb%3E'],
    ['disabled', () => configWithOrigins(['https://app.acme.example'], { enabled: false })],
  ])('answers a plain 404 page that nobody may frame for a %s configuration', async (_what, id) => {
    const res = await fetch(`${built.url}/embed/${id()}`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).toContain('<h1>Not available</h1>');
    expect(html).not.toContain('<script');
  });

  it('answers 503 telling to run `pnpm build` when the front end is not built', async () => {
    const id = await configWithOrigins(['https://app.acme.example']);
    const res = await fetch(`${unbuilt.url}/embed/${id}`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
    expect(await res.text()).toContain('Run `pnpm build` and reload.');
  });

  it('is mounted in the real app (unknown configuration)', async () => {
    const res = await s.request('GET', '/embed/cfg_nothere000000');
    expect(res.status).toBe(404);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe('GET /embed-assets/*', () => {
  it('serves built files as immutable', async () => {
    const res = await fetch(`${built.url}/embed-assets/assets/main-abc123.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(res.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe('console.log("portal");');
  });

  it.each([
    '/embed-assets/.vite/manifest.json',
    '/embed-assets/assets/.secret',
    '/embed-assets/',
    '/embed-assets/assets',
    '/embed-assets/nope.js',
    '/embed-assets/..%2f..%2fsdk-dist/patchbay.iife.js',
  ])('answers 404 for %s (no dotfiles, no listing, no escape)', async (p) => {
    const res = await fetch(`${built.url}${p}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('Not found');
  });
});

describe('GET /sdk/v1/patchbay.js', () => {
  it('serves the one-file SDK for any origin', async () => {
    const res = await fetch(`${built.url}/sdk/v1/patchbay.js`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=300');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(await res.text()).toBe('var Patchbay=(function(){return{mountPortal(){}}})();');
  });

  it('answers 503 when the SDK is not built', async () => {
    const b = express();
    b.use(embedPagesRouter(s.app.ctx, { embedUiDist: path.join(tmp, 'none'), sdkDist: path.join(tmp, 'none') }));
    const x = await listen(b);
    try {
      const res = await fetch(`${x.url}/sdk/v1/patchbay.js`);
      expect(res.status).toBe(503);
      expect(await res.text()).toBe('The Patchbay SDK is not built on this server. Run `pnpm build`.');
    } finally {
      x.server.close();
    }
  });
});

describe('firstViewAssets', () => {
  it('walks static imports once and collects their stylesheets', () => {
    const manifest = { ...MANIFEST, '_tiny-333.js': { file: 'assets/tiny-333.js', imports: ['_vendor-111.js'] } };
    expect(firstViewAssets(manifest, 'src/portal/main.tsx')).toEqual({
      script: 'assets/main-abc123.js',
      preloads: ['assets/vendor-111.js', 'assets/tiny-333.js'],
      styles: ['assets/main-def456.css', 'assets/vendor-222.css'],
    });
    expect(() => firstViewAssets(manifest, 'src/missing.tsx')).toThrow('the manifest has no entry src/missing.tsx');
  });
});

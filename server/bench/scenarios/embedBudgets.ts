/**
 * Budgets of the embed (issue 4), measured in the same `pnpm bench` run as the load scenarios:
 * gzip size of the SDK, gzip size of everything the iframe loads for its first view, and the
 * median time from `mountPortal()` to `ready` beside a blank cross-origin iframe, in real
 * Chromium. Sizes are gzip level 9 of the bytes Patchbay serves; 1 KB = 1024 bytes.
 */
import fs from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { sql } from '../../src/db/sql.ts';
import { type FirstViewAssets, findWorkspaceRoot, firstViewAssets, PORTAL_ENTRY, readViteManifest } from '../../src/routes/embedPages.ts';
import { createEmbedFixture, type EmbedFixture } from '../../src/testing/embedFixtures.ts';
import type { PatchbayTarget } from '../targets/patchbay.ts';

/** One budgeted number and whether it is within budget. */
export interface BudgetRow {
  readonly name: string;
  readonly value: number;
  readonly unit: 'B' | 'ms' | '×';
  /** Upper bound (inclusive); undefined for an informational row. */
  readonly budget?: number;
  readonly ok: boolean;
  readonly detail?: string;
}

/** What a budget check gets: a running Patchbay and the run's options. */
export interface BudgetContext {
  readonly root: string;
  readonly patchbay: PatchbayTarget;
  readonly readyRuns: number;
  readonly chromiumPath: string;
}

/** A check producing budget rows; throws with a readable reason when it cannot measure. */
export interface BudgetCheck {
  readonly name: string;
  readonly description: string;
  run(ctx: BudgetContext): Promise<BudgetRow[]>;
}

const KB = 1024;
const SDK_BUDGET = 5 * KB;
const FIRST_VIEW_BUDGET = 30 * KB;
const READY_RATIO_BUDGET = 3;

/** The workspace root of this checkout. */
export function benchWorkspaceRoot(): string {
  const root = findWorkspaceRoot(import.meta.dirname);
  if (!root) throw new Error('cannot find the workspace root (pnpm-workspace.yaml) above the bench');
  return root;
}

/** gzip -9 size of some bytes. */
export const gz = (bytes: Buffer | string) => gzipSync(bytes, { level: 9 }).length;
/** A budget row; `ok` when there is no budget or the value is within it. */
export const row = (name: string, value: number, unit: BudgetRow['unit'], budget?: number, detail?: string): BudgetRow => ({
  name,
  value,
  unit,
  ...(budget === undefined ? {} : { budget }),
  ok: budget === undefined || value <= budget,
  ...(detail ? { detail } : {}),
});

/** An enabled configuration (no consent screen) allowing `origins`. */
async function seedConfig(patchbay: PatchbayTarget, origins: readonly string[]): Promise<EmbedFixture> {
  const fx = await createEmbedFixture(patchbay.app.ctx, { name: 'Bench embed', keys: ['hs'], consent: { enabled: false } });
  await patchbay.app.ctx.db.run(sql`UPDATE embed_configs SET allowed_origins = ${JSON.stringify(origins)} WHERE id = ${fx.configId}`);
  return fx;
}

async function fetchBytes(url: string): Promise<Buffer> {
  const res = await fetch(url);
  const body = Buffer.from(await res.arrayBuffer());
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}: ${body.toString('utf8').slice(0, 200)}`);
  return body;
}

/** gzip size of the SDK's two builds. */
export const sdkSize: BudgetCheck = {
  name: 'sdk-size',
  description: 'gzip -9 of sdk/dist/patchbay.iife.js (served at /sdk/v1/patchbay.js) and of the ESM build sdk/dist/index.js',
  async run({ root, patchbay }) {
    const dist = path.join(root, 'sdk', 'dist');
    const rows: BudgetRow[] = [];
    for (const [file, label] of [
      ['patchbay.iife.js', 'SDK /sdk/v1/patchbay.js'],
      ['index.js', 'SDK ESM dist/index.js'],
    ] as const) {
      const p = path.join(dist, file);
      if (!fs.existsSync(p)) throw new Error(`${path.relative(root, p)} is missing: run \`pnpm build\` first`);
      rows.push(row(`${label} (gzip)`, gz(fs.readFileSync(p)), 'B', SDK_BUDGET));
    }
    // The served script must be the built file, byte for byte.
    const served = await fetchBytes(`${patchbay.url}/sdk/v1/patchbay.js`);
    if (!served.equals(fs.readFileSync(path.join(dist, 'patchbay.iife.js'))))
      throw new Error('/sdk/v1/patchbay.js is not sdk/dist/patchbay.iife.js');
    return rows;
  },
};

/** gzip size of the page shell plus the entry's JS, CSS and static imports, as served. */
export const embedFirstView: BudgetCheck = {
  name: 'embed-first-view',
  description: `gzip -9 of /embed/{configId} plus what its first view loads (entry ${PORTAL_ENTRY}, its CSS and static imports)`,
  async run({ root, patchbay }) {
    const dist = path.join(root, 'embed-ui', 'dist');
    const manifest = readViteManifest(dist);
    if (!manifest?.[PORTAL_ENTRY]) {
      throw new Error(`embed-ui/dist/.vite/manifest.json is missing or has no ${PORTAL_ENTRY}: run \`pnpm build\` first`);
    }
    const assets = firstViewAssets(manifest, PORTAL_ENTRY);
    const fx = await seedConfig(patchbay, ['http://localhost:5173']);
    const first = await firstViewSize(`${patchbay.url}/embed/${fx.configId}`, `${patchbay.url}/embed-assets`, assets);
    return [row('iframe first view (gzip)', first.total, 'B', FIRST_VIEW_BUDGET, first.detail)];
  },
};

/**
 * gzip sizes of a page's first view as served: its shell at `shellUrl` and each file of `assets`
 * (entry, static imports, stylesheets) below `assetBase`. Lazily loaded chunks are not part of it.
 */
export async function firstViewSize(
  shellUrl: string,
  assetBase: string,
  assets: FirstViewAssets,
): Promise<{ total: number; detail: string }> {
  const files = [assets.script, ...assets.preloads, ...assets.styles];
  const parts: { name: string; size: number }[] = [{ name: 'shell', size: gz(await fetchBytes(shellUrl)) }];
  for (const f of files) parts.push({ name: f, size: gz(await fetchBytes(`${assetBase}/${f}`)) });
  return { total: parts.reduce((n, p) => n + p.size, 0), detail: parts.map((p) => `${p.name} ${p.size}`).join(', ') };
}

/** The bits of playwright-core this check uses. */
interface Chromium {
  launch(o: { executablePath: string; headless: boolean; args: string[] }): Promise<Browser>;
}
interface Browser {
  newContext(): Promise<{ newPage(): Promise<Page>; close(): Promise<void> }>;
  close(): Promise<void>;
}
interface Page {
  goto(url: string): Promise<unknown>;
  evaluate<T>(expression: string): Promise<T>;
  on(event: 'console' | 'pageerror', fn: (x: { text?: () => string; message?: string }) => void): void;
}

/** playwright-core, borrowed from the e2e package (the server package does not depend on it). */
async function loadChromium(root: string): Promise<Chromium> {
  try {
    const fromE2e = createRequire(path.join(root, 'e2e', 'package.json'));
    const viaTest = createRequire(fromE2e.resolve('@playwright/test'));
    const core = createRequire(viaTest.resolve('playwright')).resolve('playwright-core');
    const mod = await import(pathToFileURL(core).href);
    return (mod.chromium ?? mod.default.chromium) as Chromium;
  } catch (err) {
    throw new Error(`playwright-core is not installed (looked through e2e's @playwright/test): ${(err as Error).message}`);
  }
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

/** A host page on `http://localhost:<port>` (SDK by script tag, token endpoint) and a blank page on `http://127.0.0.1:<port>`. */
async function startHost(patchbayUrl: string, fx: EmbedFixture): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    if (req.url === '/token') {
      res.writeHead(200, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end(fx.token({ embed_user_id: 'bench-user' }));
    } else if (req.url === '/blank') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>blank</title>');
    } else if (req.url === '/') {
      res
        .writeHead(200, { 'content-type': 'text/html' })
        .end(`<!doctype html><title>host</title><div id="portal"></div><script src="${patchbayUrl}/sdk/v1/patchbay.js"></script>`);
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Median `mountPortal()` → `ready` against a blank cross-origin iframe's load, fresh browser context per run. */
export const embedReady: BudgetCheck = {
  name: 'embed-ready',
  description:
    'Chromium: median ms from mountPortal() to `ready` vs a blank cross-origin iframe load (fresh context per run, runs alternate, one warm-up run each not counted)',
  async run({ root, patchbay, readyRuns, chromiumPath }) {
    if (!readViteManifest(path.join(root, 'embed-ui', 'dist'))?.[PORTAL_ENTRY]) {
      throw new Error('embed-ui is not built (no embed-ui/dist/.vite/manifest.json): run `pnpm build` first');
    }
    if (!fs.existsSync(path.join(root, 'sdk', 'dist', 'patchbay.iife.js'))) throw new Error('sdk/dist is missing: run `pnpm build` first');
    const chromium = await loadChromium(root);
    // The host page is served before its origin is known; the configuration then allows exactly that origin.
    const fx = await seedConfig(patchbay, []);
    const realHost = await startHost(patchbay.url, fx);
    const hostUrl = `http://localhost:${realHost.port}`;
    await patchbay.app.ctx.db.run(sql`UPDATE embed_configs SET allowed_origins = ${JSON.stringify([hostUrl])} WHERE id = ${fx.configId}`);
    const browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const blankUrl = `http://127.0.0.1:${realHost.port}/blank`;
    const mount = `new Promise((resolve, reject) => {
      const t0 = performance.now();
      const portal = Patchbay.mountPortal({ container: '#portal', url: ${JSON.stringify(patchbay.url)}, configId: ${JSON.stringify(fx.configId)},
        token: () => fetch('/token').then((r) => r.text()) });
      portal.on('ready', () => resolve(performance.now() - t0));
      portal.on('error', (e) => reject(new Error('portal error ' + e.code + ': ' + e.message)));
      setTimeout(() => reject(new Error('no ready event within 15 s')), 15000);
    })`;
    const blank = `new Promise((resolve, reject) => {
      const t0 = performance.now();
      const f = document.createElement('iframe');
      f.onload = () => resolve(performance.now() - t0);
      f.src = ${JSON.stringify(blankUrl)};
      document.body.appendChild(f);
      setTimeout(() => reject(new Error('blank iframe did not load within 15 s')), 15000);
    })`;
    const times = { portal: [] as number[], blank: [] as number[] };
    try {
      // Run 0 of each kind warms Chromium, Patchbay and the host up and is not counted.
      for (let i = 0; i <= readyRuns; i += 1) {
        for (const kind of ['blank', 'portal'] as const) {
          const context = await browser.newContext();
          try {
            const page = await context.newPage();
            const errors: string[] = [];
            page.on('pageerror', (e) => errors.push(e.message ?? String(e)));
            await page.goto(`${hostUrl}/`);
            try {
              const ms = await page.evaluate<number>(kind === 'portal' ? mount : blank);
              if (i > 0) times[kind].push(ms);
            } catch (err) {
              throw new Error(`${(err as Error).message.split('\n')[0]}${errors.length ? ` (page errors: ${errors.join('; ')})` : ''}`);
            }
          } finally {
            await context.close();
          }
        }
      }
    } finally {
      await browser.close();
      await realHost.close();
    }
    const portal = median(times.portal);
    const blankMs = median(times.blank);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(0)).join(' ');
    return [
      row('mountPortal() → ready, median', portal, 'ms', undefined, `runs: ${fmt(times.portal)}`),
      row('blank cross-origin iframe load, median', blankMs, 'ms', undefined, `runs: ${fmt(times.blank)}`),
      row('ready ÷ blank iframe', portal / blankMs, '×', READY_RATIO_BUDGET),
    ];
  },
};

/** A plain-text table of budget rows. */
export function formatBudgetTable(rows: readonly BudgetRow[]): string {
  const value = (r: BudgetRow, v: number) =>
    r.unit === 'B' ? `${v.toLocaleString('en-US')} B` : r.unit === 'ms' ? `${v.toFixed(1)} ms` : `${v.toFixed(2)}×`;
  const cells = rows.map((r) => [
    r.name,
    value(r, r.value),
    r.budget === undefined ? '' : `≤ ${value(r, r.budget)}`,
    r.budget === undefined ? '' : r.ok ? 'pass' : 'FAIL',
    r.detail ?? '',
  ]);
  const header = ['budget', 'value', 'budget', 'result', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => (i === 4 ? 0 : (c[i] ?? '').length))));
  const line = (c: readonly string[]) =>
    c
      .map((x, i) => (i === 1 || i === 2 ? x.padStart(widths[i] ?? 0) : x.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

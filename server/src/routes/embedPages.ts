import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { isOriginPattern, portalUrlOptionsSchema } from '@patchbay/shared';
import express, { type RequestHandler, type Response, type Router } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { findEmbedConfig } from '../db/repos/embedConfigs.ts';
import { ERROR_PAGE_CSP, embedPageHeaders } from '../http/securityHeaders.ts';

/** The iframe app's entry in the Vite manifest of `embed-ui`. */
export const PORTAL_ENTRY = 'src/portal/main.tsx';

/** Where the built front-end files are; both default to the workspace's `embed-ui/dist` and `sdk/dist`. */
export interface EmbedPagesOptions {
  /** The Vite output directory of `embed-ui` (holding `.vite/manifest.json`). */
  readonly embedUiDist?: string;
  /** The output directory of `sdk` (holding `patchbay.iife.js`). */
  readonly sdkDist?: string;
}

const chunkSchema = z.object({
  file: z.string().regex(/^[A-Za-z0-9_./-]+$/),
  css: z.array(z.string().regex(/^[A-Za-z0-9_./-]+$/)).optional(),
  imports: z.array(z.string()).optional(),
});
/** A Vite build manifest: source path or chunk key → output files. */
export type ViteManifest = Record<string, z.infer<typeof chunkSchema>>;
const manifestSchema = z.record(z.string(), chunkSchema);

/** The files a page needs before its first render, relative to the build directory. */
export interface FirstViewAssets {
  /** The entry module. */
  readonly script: string;
  /** Its static imports (transitively), for `modulepreload`. */
  readonly preloads: readonly string[];
  /** The stylesheets of the entry and of its static imports. */
  readonly styles: readonly string[];
}

/** Walks an entry's static imports in a Vite manifest; throws when the entry is missing. */
export function firstViewAssets(manifest: ViteManifest, entry: string): FirstViewAssets {
  const root = manifest[entry];
  if (!root) throw new Error(`the manifest has no entry ${entry}`);
  const preloads: string[] = [];
  const styles: string[] = [];
  const seen = new Set<string>();
  const visit = (key: string, isRoot: boolean) => {
    if (seen.has(key)) return;
    seen.add(key);
    const chunk = manifest[key];
    if (!chunk) return;
    if (!isRoot) preloads.push(chunk.file);
    for (const css of chunk.css ?? []) if (!styles.includes(css)) styles.push(css);
    for (const imported of chunk.imports ?? []) visit(imported, false);
  };
  visit(entry, true);
  return { script: root.file, preloads, styles };
}

/** Reads and parses `<dist>/.vite/manifest.json`; undefined when the build is missing or unreadable. */
export function readViteManifest(dist: string): ViteManifest | undefined {
  try {
    const text = fs.readFileSync(path.join(dist, '.vite', 'manifest.json'), 'utf8');
    return manifestSchema.parse(JSON.parse(text));
  } catch {
    return undefined;
  }
}

/**
 * The first-view files of `entry` in the build at `dist`, read once; while the build is missing it
 * is looked for again on every call, so `pnpm build` needs no restart.
 */
export function firstViewLoader(dist: string, entry: string): () => FirstViewAssets | undefined {
  let assets: FirstViewAssets | undefined;
  return () => {
    if (assets) return assets;
    const manifest = readViteManifest(dist);
    if (!manifest?.[entry]) return undefined;
    assets = firstViewAssets(manifest, entry);
    return assets;
  };
}

/** The workspace root (the directory with `pnpm-workspace.yaml`) above `from`, if any. */
export function findWorkspaceRoot(from: string): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'pnpm-workspace.yaml'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** The workspace root from this module's location (source or bundle), else from the working directory. */
export function workspaceRoot(): string {
  return findWorkspaceRoot(path.dirname(fileURLToPath(import.meta.url))) ?? findWorkspaceRoot(process.cwd()) ?? process.cwd();
}

/** Escapes text for an HTML attribute value or text node. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Allowed-origin patterns of a stored configuration, keeping only valid ones (they land in a header). */
function storedOrigins(json: string): string[] {
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string' && isOriginPattern(v)) : [];
  } catch {
    return [];
  }
}

/** The page shell: no inline script or style, one module entry, its stylesheets and preloads. */
export function portalShell(opts: { lang: string; allowedOrigins: readonly string[]; assets: FirstViewAssets }): string {
  const url = (file: string) => escapeHtml(`/embed-assets/${file}`);
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta name="patchbay-allowed-origins" content='${escapeHtml(JSON.stringify(opts.allowedOrigins))}'>`,
    '<title>Integrations</title>',
    ...opts.assets.styles.map((f) => `<link rel="stylesheet" href="${url(f)}">`),
    ...opts.assets.preloads.map((f) => `<link rel="modulepreload" href="${url(f)}">`),
  ];
  return (
    `<!doctype html><html lang="${escapeHtml(opts.lang)}"><head>${head.join('')}</head>` +
    `<body><div id="app"></div><script type="module" src="${url(opts.assets.script)}"></script></body></html>`
  );
}

/** A small HTML page (error or notice) that loads nothing and cannot be framed. */
export function plainPage(res: Response, status: number, title: string, message: string): void {
  res.status(status);
  res.set({
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Security-Policy': ERROR_PAGE_CSP,
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  res.send(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
      `<body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></body></html>`,
  );
}

/**
 * A Vite build's hashed files: cached for a year (a new build has new names), never sniffed, same
 * origin only, dotfiles hidden; anything else is a plain `404`.
 */
export function hashedAssets(dist: string): RequestHandler[] {
  return [
    express.static(dist, {
      dotfiles: 'ignore',
      index: false,
      redirect: false,
      fallthrough: true,
      setHeaders(res) {
        res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
        res.setHeader('X-Content-Type-Options', 'nosniff');
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
      },
    }),
    (_req, res) => {
      res
        .status(404)
        .set({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.send('Not found');
    },
  ];
}

/**
 * The iframe page `/embed/{configId}` (per-configuration `frame-ancestors`), its static assets at
 * `/embed-assets/…`, and the SDK as one script at `/sdk/v1/patchbay.js`.
 */
export function embedPagesRouter(ctx: AppContext, options: EmbedPagesOptions = {}): Router {
  const router = express.Router();
  const root = options.embedUiDist && options.sdkDist ? '' : workspaceRoot();
  const embedUiDist = options.embedUiDist ?? path.join(root, 'embed-ui', 'dist');
  const sdkFile = path.join(options.sdkDist ?? path.join(root, 'sdk', 'dist'), 'patchbay.iife.js');
  const hsts = ctx.config.publicUrl.startsWith('https://');
  const loadAssets = firstViewLoader(embedUiDist, PORTAL_ENTRY);

  router.get('/embed/:configId', async (req, res) => {
    const configId = req.params.configId;
    const config = /^cfg_[A-Za-z0-9]{1,64}$/.test(configId) ? await findEmbedConfig(ctx.db, configId) : undefined;
    if (config?.enabled !== 1) {
      plainPage(res, 404, 'Not available', 'This integration portal does not exist or is switched off.');
      return;
    }
    const built = loadAssets();
    if (!built) {
      ctx.log.error('the embed UI is not built; run `pnpm build`', { dist: embedUiDist });
      plainPage(res, 503, 'Portal not built', 'The portal front end is not built on this server. Run `pnpm build` and reload.');
      return;
    }
    const origins = storedOrigins(config.allowed_origins);
    const query = portalUrlOptionsSchema.safeParse({ lang: typeof req.query.lang === 'string' ? req.query.lang : undefined });
    const lang = (query.success ? query.data.lang : undefined) ?? config.default_language;
    res.status(200);
    res.set({ ...embedPageHeaders(hsts, origins), 'Content-Type': 'text/html; charset=utf-8' });
    res.send(portalShell({ lang, allowedOrigins: origins, assets: built }));
  });

  router.use('/embed-assets', ...hashedAssets(embedUiDist));

  router.get('/sdk/v1/patchbay.js', async (_req, res) => {
    let body: Buffer;
    try {
      body = await fs.promises.readFile(sdkFile);
    } catch {
      res
        .status(503)
        .set({ 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', 'X-Content-Type-Options': 'nosniff' });
      res.send('The Patchbay SDK is not built on this server. Run `pnpm build`.');
      return;
    }
    res.status(200).set({
      'Content-Type': 'text/javascript; charset=utf-8',
      'Cache-Control': 'public, max-age=300',
      'Access-Control-Allow-Origin': '*',
      'Cross-Origin-Resource-Policy': 'cross-origin',
      'X-Content-Type-Options': 'nosniff',
    });
    res.send(body);
  });

  return router;
}

import path from 'node:path';
import express, { type Router } from 'express';
import type { AppContext } from '../context.ts';
import { adminPageHeaders } from '../http/securityHeaders.ts';
import { escapeHtml, type FirstViewAssets, firstViewLoader, hashedAssets, plainPage, workspaceRoot } from './embedPages.ts';

/** The admin console's entry in its Vite manifest (`embed-ui/vite.admin.config.ts`). */
export const CONSOLE_ENTRY = 'src/admin/main.tsx';

/** Where the console's build is; defaults to the workspace's `embed-ui/dist-admin`. */
export interface AdminPagesOptions {
  /** The console's Vite output directory (holding `.vite/manifest.json`). */
  readonly adminUiDist?: string;
}

/** The console's page shell: no inline script or style, one module entry, its stylesheets and preloads. */
export function consoleShell(assets: FirstViewAssets): string {
  const url = (file: string) => escapeHtml(`/admin-assets/${file}`);
  const head = [
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="robots" content="noindex">',
    '<title>Patchbay admin</title>',
    ...assets.styles.map((f) => `<link rel="stylesheet" href="${url(f)}">`),
    ...assets.preloads.map((f) => `<link rel="modulepreload" href="${url(f)}">`),
  ];
  return (
    `<!doctype html><html lang="en"><head>${head.join('')}</head>` +
    '<body><div id="app"></div><noscript>The Patchbay admin console needs JavaScript.</noscript>' +
    `<script type="module" src="${url(assets.script)}"></script></body></html>`
  );
}

/** Whether a path belongs to the console's JSON API rather than to its pages. */
const isApiPath = (p: string) => p === '/admin/api' || p.startsWith('/admin/api/');

/**
 * The admin console: its shell at `/admin` and at every client-side route below it (history API
 * routing; `/admin/api` is left to the API), and its hashed assets at `/admin-assets/…`. The shell
 * gets the console's own CSP (`frame-ancestors 'none'`, no inline script), `X-Frame-Options: DENY`,
 * no referrer, and is never cached.
 */
export function adminPagesRouter(ctx: AppContext, options: AdminPagesOptions = {}): Router {
  const router = express.Router();
  const dist = options.adminUiDist ?? path.join(workspaceRoot(), 'embed-ui', 'dist-admin');
  const headers = adminPageHeaders(ctx.config.publicUrl.startsWith('https://'));
  const loadAssets = firstViewLoader(dist, CONSOLE_ENTRY);

  router.get(['/admin', '/admin/*rest'], (req, res, next) => {
    if (isApiPath(req.path)) {
      next();
      return;
    }
    const built = loadAssets();
    if (!built) {
      ctx.log.error('the admin console is not built; run `pnpm build`', { dist });
      plainPage(res, 503, 'Console not built', 'The admin console is not built on this server. Run `pnpm build` and reload.');
      return;
    }
    headers(req, res, (err?: unknown) => {
      if (err) {
        next(err);
        return;
      }
      res.status(200).set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
      res.send(consoleShell(built));
    });
  });

  router.use('/admin-assets', ...hashedAssets(dist));
  return router;
}

import express, { type Express } from 'express';
import type { Config } from './config.ts';
import type { AppContext, Clock } from './context.ts';
import type { Db } from './db/database.ts';
import { sql } from './db/sql.ts';
import { errorMiddleware, notFoundHandler } from './http/errors.ts';
import { mountRoutes } from './http/mountRoutes.ts';
import { requestContext } from './http/requestContext.ts';
import { apiHeaders } from './http/securityHeaders.ts';
import type { Logger } from './log.ts';
import { buildOpenApiDocument } from './openapi/document.ts';
import { openContext } from './openContext.ts';
import { adminPagesRouter } from './routes/adminPages.ts';
import { embedPagesRouter } from './routes/embedPages.ts';
import { allRoutes } from './routes/index.ts';
import { oauthPagesRouter } from './routes/oauth/pages.ts';
import type { RunWorker } from './runs/worker.ts';
import { VERSION } from './version.ts';

/** What `createApp` needs; tests pass a clock and a logger that captures lines. */
export interface AppOptions {
  readonly config: Config;
  readonly db?: Db;
  readonly clock?: Clock;
  readonly log?: Logger;
}

/** A built application: the Express app, its context, and how to release it. */
export interface PatchbayApp {
  readonly app: Express;
  readonly ctx: AppContext;
  /** The database behind `ctx.db` (closing, its SQLite file, backups). */
  readonly database: Db;
  /** Closes the database, unless it was handed in. */
  close(): Promise<void>;
  /** The run worker of this process, once `startServer` started one (`/readyz` reports it; cancel reaches it at once). */
  worker: RunWorker | null;
}

/**
 * Builds the whole server: opens and migrates the database, checks the encryption keys, and
 * mounts every route. Production and tests build it the same way.
 */
export async function createApp(options: AppOptions): Promise<PatchbayApp> {
  const { config } = options;
  const opened = await openContext(config, options);
  const { ctx } = opened;
  const { log } = ctx;
  const db = opened.database;

  const app = express();
  const built: { -readonly [K in keyof PatchbayApp]: PatchbayApp[K] } = { app, ctx, database: db, close: opened.close, worker: null };
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxyHops);
  app.set('query parser', 'simple');
  app.use(requestContext(log));

  const hsts = config.publicUrl.startsWith('https://');
  app.use(['/api', '/embed/api', '/admin/api', '/hooks', '/healthz', '/readyz'], apiHeaders(hsts));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await db.get(sql`SELECT 1 AS one`);
    } catch {
      res.status(503).json({ error: { code: 'unavailable', message: 'The database is not reachable' } });
      return;
    }
    // docs/runs.md, "Workers": a process that runs a worker is ready only while its loop goes round.
    const beat = built.worker?.heartbeat();
    if (beat && !beat.alive) {
      res.status(503).json({ error: { code: 'unavailable', message: `The run worker is not running (${beat.state})` } });
      return;
    }
    res.json({ status: 'ready', worker: beat ? { state: beat.state, running: beat.running } : null });
  });

  const routes = allRoutes(ctx, () => built.worker);
  const documented = routes.filter((r) => r.path.startsWith('/api/v1') || r.path.startsWith('/embed/api') || r.path.startsWith('/hooks/'));
  let openApi: unknown;
  app.get('/api/v1/openapi.json', (_req, res) => {
    openApi ??= buildOpenApiDocument(documented, { serverUrl: config.publicUrl, version: VERSION });
    res.json(openApi);
  });

  app.use('/oauth', oauthPagesRouter(ctx));
  app.use(embedPagesRouter(ctx));
  app.use(adminPagesRouter(ctx));

  const router = express.Router();
  mountRoutes(router, ctx, routes);
  app.use(router);
  app.use(notFoundHandler);
  app.use(errorMiddleware(log));

  return built;
}

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp, type PatchbayApp } from './app.ts';
import { ADMIN_SESSION_IDLE_MS } from './auth/adminSession.ts';
import { startCallbackWorker } from './callbacks/worker.ts';
import type { Config } from './config.ts';
import { type Clock, nowIso } from './context.ts';
import { purgeExpiredAdminSessions } from './db/repos/adminSessions.ts';
import { purgeExpiredEmbedState } from './db/repos/embedSessions.ts';
import { purgeExpiredRateLimits } from './db/repos/rateLimits.ts';
import type { Logger } from './log.ts';
import { RunWorker } from './runs/worker.ts';

/** A listening Patchbay. */
export interface RunningServer {
  /** Where it listens, e.g. `http://127.0.0.1:3000`. */
  readonly url: string;
  readonly app: PatchbayApp;
  readonly server: Server;
  /** Stops accepting connections, lets open requests finish (up to `graceMs`), closes the database. */
  close(graceMs?: number): Promise<void>;
}

/** Options of {@link startServer}. */
export interface ServerOptions {
  readonly log?: Logger;
  readonly clock?: Clock;
  /** How often expired sessions and used token ids are purged (default one minute). */
  readonly purgeEveryMs?: number;
  /** Whether this process sends callbacks (the delivery worker, docs/callbacks.md); default true. */
  readonly callbackWorker?: boolean;
}

/** The run worker and scheduler of `patchbay serve` and `patchbay worker` (docs/runs.md, "Workers"). */
export function createRunWorker(app: PatchbayApp): RunWorker {
  const { ctx } = app;
  return new RunWorker({ app: ctx, clock: ctx.clock, log: ctx.log }, { retentionDays: ctx.config.runRetentionDays });
}

/** Deletes expired embed sessions, used token ids, console sessions and rate-limit windows; answers how many rows went. */
export async function purgeExpired(app: PatchbayApp): Promise<number> {
  const { ctx } = app;
  const now = nowIso(ctx);
  const idleSince = new Date(ctx.clock.now() - ADMIN_SESSION_IDLE_MS).toISOString();
  return (
    (await purgeExpiredEmbedState(ctx.db, now)) +
    (await purgeExpiredAdminSessions(ctx.db, now, idleSince)) +
    (await purgeExpiredRateLimits(ctx.db, now))
  );
}

/** Builds the app with `createApp`, listens on the configured host and port, and purges expired state periodically. */
export async function startServer(config: Config, opts: ServerOptions = {}): Promise<RunningServer> {
  const app = await createApp({ config, ...(opts.log ? { log: opts.log } : {}), ...(opts.clock ? { clock: opts.clock } : {}) });
  const log = app.ctx.log;
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const s = app.app.listen(config.port, config.host, (err?: Error) => (err ? reject(err) : resolve(s)));
      s.once('error', reject);
    });
  } catch (err) {
    await app.close();
    throw err;
  }
  // Slow clients must not hold sockets forever.
  server.headersTimeout = 20_000;
  server.requestTimeout = 60_000;
  server.keepAliveTimeout = 5_000;

  // One purge at a time; shutdown waits for the one in flight before it closes the database.
  let purging: Promise<void> | null = null;
  const purge = (): Promise<void> => {
    purging ??= (async () => {
      try {
        const n = await purgeExpired(app);
        if (n > 0) log.debug('purged expired sessions', { rows: n });
      } catch (err) {
        log.error('purge of expired sessions failed', { err });
      } finally {
        purging = null;
      }
    })();
    return purging;
  };
  await purge();
  if (config.worker) {
    app.worker = createRunWorker(app);
    app.worker.start();
  }
  const timer = setInterval(() => void purge(), opts.purgeEveryMs ?? 60_000);
  timer.unref();
  // Callback deliveries run where runs run: every process unless PATCHBAY_WORKER=false.
  const callbacks = opts.callbackWorker === false || !config.worker ? null : startCallbackWorker(app.ctx);

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = (graceMs = 10_000) => {
    closing ??= new Promise<void>((resolve) => {
      clearInterval(timer);
      const force = setTimeout(() => server.closeAllConnections(), graceMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        void (async () => {
          await purging;
          // runs in hand finish within the grace period, the rest go back to the queue
          try {
            await app.worker?.stop(graceMs);
          } catch (err) {
            log.error('stopping the run worker failed', { err });
          }
          await callbacks?.stop();
          try {
            await app.close();
          } catch (err) {
            log.error('closing the database failed', { err });
          }
          resolve();
        })();
      });
      server.closeIdleConnections();
    });
    return closing;
  };
  return { url, app, server, close };
}

/**
 * Shuts the server down gracefully on SIGTERM or SIGINT; answers a promise that settles once it
 * has stopped (the CLI's `serve` waits on it). A second signal exits at once.
 */
export function stopOnSignals(running: RunningServer, log: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      const again = () => process.exit(130);
      process.once('SIGTERM', again);
      process.once('SIGINT', again);
      log.info('shutting down', { signal });
      void running.close().then(() => {
        process.off('SIGTERM', again);
        process.off('SIGINT', again);
        log.info('stopped');
        resolve(signal);
      });
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

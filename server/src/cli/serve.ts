import { loadConfig } from '../config.ts';
import { startServer, stopOnSignals } from '../server.ts';
import { type Command, parseCommandArgs } from './io.ts';

const HELP = `Usage: patchbay serve

Starts the Patchbay server: applies pending migrations, checks the encryption keys, listens on
PATCHBAY_HOST:PORT, purges expired sessions every minute, runs the run worker and scheduler
(unless PATCHBAY_WORKER=false), and stops gracefully on SIGTERM/SIGINT.

Environment: PORT (3000), PATCHBAY_HOST (0.0.0.0), PATCHBAY_PUBLIC_URL, PATCHBAY_DATABASE_URL
(PostgreSQL; else SQLite at PATCHBAY_DB, ./data/patchbay.db), PATCHBAY_DATABASE_POOL_SIZE (10),
PATCHBAY_ENCRYPTION_KEY (required), PATCHBAY_PREVIOUS_ENCRYPTION_KEYS,
PATCHBAY_ALLOW_INSECURE_LOOPBACK, PATCHBAY_TRUST_PROXY, PATCHBAY_LOG_LEVEL, PATCHBAY_WORKER (true: run
the run worker and scheduler in this process), PATCHBAY_RUN_RETENTION_DAYS (30).`;

/** `patchbay serve`. */
export const serveCommand: Command = {
  summary: 'start the server',
  async run(args, env, io) {
    if (!parseCommandArgs(args, {}, HELP, io)) return 0;
    const config = loadConfig(env);
    const running = await startServer(config);
    running.app.ctx.log.info('listening', { url: running.url, publicUrl: config.publicUrl, db: running.app.database.describe });
    io.err(`Patchbay is listening on ${running.url} (public URL ${config.publicUrl}). Stop with Ctrl+C.`);
    await stopOnSignals(running, running.app.ctx.log);
    return 0;
  },
};

import { createApp } from '../app.ts';
import { startCallbackWorker } from '../callbacks/worker.ts';
import { loadConfig } from '../config.ts';
import { createRunWorker } from '../server.ts';
import { type Command, parseCommandArgs } from './io.ts';

const HELP = `Usage: patchbay worker

Runs only the run worker and the scheduler (no HTTP): applies pending migrations, checks the
encryption keys, claims runs from the queue and executes them, and stops gracefully on
SIGTERM/SIGINT (runs in hand finish within 10 s, the rest go back to the queue). Start as many as
you like on one database (docs/runs.md, "Workers").

Environment: as \`patchbay serve\` (PATCHBAY_DATABASE_URL or PATCHBAY_DB, PATCHBAY_ENCRYPTION_KEY,
PATCHBAY_PREVIOUS_ENCRYPTION_KEYS, PATCHBAY_ALLOW_INSECURE_LOOPBACK, PATCHBAY_LOG_LEVEL),
PATCHBAY_RUN_RETENTION_DAYS (30).`;

/** `patchbay worker`. */
export const workerCommand: Command = {
  summary: 'run only the run worker, the scheduler and callback delivery',
  async run(args, env, io) {
    if (!parseCommandArgs(args, {}, HELP, io)) return 0;
    const config = loadConfig(env);
    const app = await createApp({ config });
    const worker = createRunWorker(app);
    app.worker = worker;
    worker.start();
    // Callback deliveries run where runs run (docs/callbacks.md).
    const callbacks = startCallbackWorker(app.ctx);
    const log = app.ctx.log;
    log.info('run worker started', { owner: worker.owner, db: app.database.describe });
    io.err(`Patchbay run worker ${worker.owner} is running. Stop with Ctrl+C.`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const onSignal = (s: NodeJS.Signals) => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        process.once('SIGTERM', () => process.exit(130));
        process.once('SIGINT', () => process.exit(130));
        resolve(s);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
    });
    log.info('shutting down', { signal });
    await worker.stop(10_000);
    await callbacks.stop();
    await app.close();
    log.info('stopped', { executed: worker.heartbeat().executed });
    return 0;
  },
};

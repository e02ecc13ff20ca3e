/**
 * A run worker in an OS process of its own, for the run engine's multi-process tests:
 * `node --import tsx src/testing/runWorkerProcess.ts <dbFile|postgresUrl> <base64Key> <leaseMs> <concurrency>`.
 * Opens the SQLite file or the PostgreSQL database, starts a worker, prints `ready`, and runs until killed or until stdin ends
 * (then it stops gracefully and prints `stopped`). The `patchbay worker` command replaces it once
 * the CLI is wired after the async merge.
 */
import { loadConfig } from '../config.ts';
import { systemClock } from '../context.ts';
import { createLogger } from '../log.ts';
import { openContext } from '../openContext.ts';
import { RunWorker } from '../runs/worker.ts';

async function main(): Promise<void> {
  const [dbFile, key, leaseMs, concurrency] = process.argv.slice(2);
  if (!dbFile || !key || !leaseMs || !concurrency)
    throw new Error('usage: runWorkerProcess.ts <dbFile> <base64Key> <leaseMs> <concurrency>');
  const config = loadConfig({
    // a PostgreSQL URL, or the SQLite file
    ...(/^postgres(ql)?:\/\//.test(dbFile) ? { PATCHBAY_DATABASE_URL: dbFile } : { PATCHBAY_DB: dbFile }),
    PATCHBAY_ENCRYPTION_KEY: key,
    PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true',
    PATCHBAY_LOG_LEVEL: 'silent',
  });
  const opened = await openContext(config, { clock: systemClock, log: createLogger('silent') });
  const worker = new RunWorker(
    { app: opened.ctx, clock: systemClock, log: createLogger('silent') },
    { leaseMs: Number(leaseMs), concurrency: Number(concurrency), pollMs: 50, scheduleEveryMs: null, retentionDays: null, groupCap: 1000 },
  );
  worker.start();
  process.stdout.write('ready\n');
  process.stdin.resume();
  await new Promise<void>((resolve) => process.stdin.once('end', () => resolve()));
  await worker.stop(5_000);
  await opened.close();
  process.stdout.write(`stopped ${JSON.stringify(worker.heartbeat().executed)}\n`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

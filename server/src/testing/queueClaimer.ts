/**
 * A second OS process for the queue's cross-process test:
 * `node --import tsx src/testing/queueClaimer.ts <sqlite file | postgres URL> <claimers>`.
 * Opens the same database, prints `ready`, waits for a line on stdin (the start signal), then runs
 * `claimers` claim loops against the runs queue until the queue stays empty for a moment, settling
 * each claimed run as `success`, and prints one JSON line: the ids it settled.
 */
import readline from 'node:readline';
import { systemClock } from '../context.ts';
import type { Db } from '../db/driver.ts';
import { openPostgres } from '../db/postgresDriver.ts';
import { RUNS_QUEUE } from '../db/repos/runs.ts';
import { sql } from '../db/sql.ts';
import { openSqlite } from '../db/sqliteDriver.ts';
import { drainQueue } from './queueDrain.ts';

async function main(): Promise<void> {
  const [where, claimers] = process.argv.slice(2);
  if (!where || !claimers) throw new Error('usage: queueClaimer.ts <sqlite file | postgres URL> <claimers>');
  const db: Db = /^postgres(ql)?:\/\//.test(where) ? openPostgres(where, { poolSize: 4 }) : openSqlite(where);
  process.stdout.write('ready\n');
  const lines = readline.createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
  const ids = await drainQueue(db, RUNS_QUEUE, systemClock, `child-${process.pid}`, Number(claimers), sql`status = 'success'`);
  process.stdout.write(`${JSON.stringify(ids)}\n`);
  await db.close();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

const script = path.resolve(import.meta.dirname, '../../../scripts/postgres.sh');

/**
 * A throwaway PostgreSQL server for the benchmarks (`scripts/postgres.sh --durable`: commits reach
 * the disk, as SQLite's `synchronous=FULL` does, so the two are compared at the same durability)
 * with one empty database for Patchbay; `BENCH_POSTGRES_URL` names an existing server instead.
 */
export async function startBenchPostgres(): Promise<{ databaseUrl: string; stop(): Promise<void> }> {
  let dir: string | null = null;
  let admin = process.env.BENCH_POSTGRES_URL;
  if (!admin) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-pg-'));
    admin = execFileSync('bash', [script, 'start', dir, '--durable'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split('\n')
      .at(-1) as string;
  }
  const name = `patchbay_bench_${process.pid}_${Date.now()}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return {
    databaseUrl: url.toString(),
    async stop() {
      if (dir) {
        spawnSync('bash', [script, 'stop', dir], { stdio: 'ignore' });
        fs.rmSync(dir, { recursive: true, force: true });
        return;
      }
      const c = new pg.Client({ connectionString: admin });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

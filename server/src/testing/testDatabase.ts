import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { Db } from '../db/driver.ts';
import { openPostgres } from '../db/postgresDriver.ts';
import { openSqlite } from '../db/sqliteDriver.ts';

/**
 * Which driver this test run uses: `PATCHBAY_TEST_DRIVER=postgres` (with
 * `PATCHBAY_TEST_POSTGRES_URL` naming a server the tests may create databases on, as
 * `scripts/postgres.sh` starts one) or SQLite (the default). The whole server suite runs once per driver.
 */
export const TEST_DRIVER: 'sqlite' | 'postgres' = process.env.PATCHBAY_TEST_DRIVER === 'postgres' ? 'postgres' : 'sqlite';

/** A database of its own for one test server or test: where it is, how to open it, how to remove it. */
export interface TestDatabase {
  /** Environment for `loadConfig` that points Patchbay at it. */
  readonly env: Record<string, string>;
  /** The SQLite file, or null on PostgreSQL. */
  readonly file: string | null;
  /** The PostgreSQL URL, or null on SQLite. */
  readonly url: string | null;
  /** Opens another handle on it (a second process would). */
  open(): Db;
  /** Drops it (PostgreSQL) or deletes its directory (SQLite). */
  drop(): Promise<void>;
}

function adminUrl(): string {
  const url = process.env.PATCHBAY_TEST_POSTGRES_URL;
  if (!url) throw new Error('PATCHBAY_TEST_DRIVER=postgres needs PATCHBAY_TEST_POSTGRES_URL (scripts/postgres.sh start prints one)');
  return url;
}

async function onAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database of the test driver; `dir` (made when absent) holds the SQLite file. */
export async function createTestDatabase(dir?: string): Promise<TestDatabase> {
  const home = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-db-'));
  if (TEST_DRIVER === 'sqlite') {
    const file = path.join(home, 'patchbay.db');
    return {
      env: { PATCHBAY_DB: file },
      file,
      url: null,
      open: () => openSqlite(file),
      async drop() {
        if (!dir) fs.rmSync(home, { recursive: true, force: true });
      },
    };
  }
  const name = `pb_test_${crypto.randomBytes(6).toString('hex')}`;
  await onAdmin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`));
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    env: { PATCHBAY_DATABASE_URL: url, PATCHBAY_DB: path.join(home, 'unused.db') },
    file: null,
    url,
    open: () => openPostgres(url, { poolSize: 4 }),
    async drop() {
      await onAdmin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      if (!dir) fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

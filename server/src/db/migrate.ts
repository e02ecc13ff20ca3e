import { migrationForPostgres, POSTGRES_PRELUDE } from './dialect.ts';
import type { Queryable } from './driver.ts';
import { migrations as allMigrations, type Migration } from './migrations/index.ts';
import { sql } from './sql.ts';

/** The schema version this code expects. */
export const LATEST_SCHEMA_VERSION = allMigrations.length;

/** The database was written by newer code; start-up must stop rather than corrupt it. */
export class SchemaTooNewError extends Error {
  constructor(
    readonly found: number,
    readonly expected: number,
  ) {
    super(
      `The database is at schema version ${found}, but this Patchbay only knows up to ${expected}. Upgrade Patchbay instead of downgrading the data.`,
    );
  }
}

// One key for every Patchbay process on a PostgreSQL database: whoever holds it migrates, the others wait.
const MIGRATION_LOCK_KEY = 0x7062_6d67; // 'pbmg'

async function postgresVersion(db: Queryable): Promise<number> {
  const exists = await db.get<{ t: string | null }>(sql`SELECT to_regclass('patchbay_schema')::text AS t`);
  if (!exists?.t) return 0;
  return (await db.get<{ version: number }>(sql`SELECT version FROM patchbay_schema WHERE singleton = 1`))?.version ?? 0;
}

/**
 * Current schema version: `PRAGMA user_version` on SQLite, the `patchbay_schema` row on
 * PostgreSQL (0 on a database nothing has migrated yet).
 */
export async function schemaVersion(db: Queryable): Promise<number> {
  if (db.dialect === 'postgres') return postgresVersion(db);
  return Number((await db.get<{ user_version: number }>(sql`PRAGMA user_version`))?.user_version ?? 0);
}

/**
 * Applies pending migrations, each in its own transaction together with its version bump, and
 * refuses a database newer than the code. One numbering for both engines: on PostgreSQL each
 * migration is run as `migrationForPostgres` translates it, under an advisory lock so that two
 * processes starting at once do not both migrate. Answers the versions applied (by this call).
 */
export async function migrate(db: Queryable, migrations: readonly Migration[] = allMigrations): Promise<number[]> {
  return db.dialect === 'postgres' ? await migratePostgres(db, migrations) : await migrateSqlite(db, migrations);
}

async function migrateSqlite(db: Queryable, migrations: readonly Migration[]): Promise<number[]> {
  const current = await schemaVersion(db);
  if (current > migrations.length) throw new SchemaTooNewError(current, migrations.length);
  const applied: number[] = [];
  for (const m of migrations.slice(current)) {
    const ran = await db.tx(async (tx) => {
      // BEGIN IMMEDIATE holds the write lock: another process may have applied it meanwhile.
      if ((await schemaVersion(tx)) >= m.version) return false;
      await tx.exec(m.up);
      await tx.exec(`PRAGMA user_version = ${m.version}`);
      return true;
    });
    if (ran) applied.push(m.version);
  }
  if (applied.length > 0) {
    const problems = await db.all(sql`PRAGMA foreign_key_check`);
    if (problems.length > 0) throw new Error('foreign_key_check failed after migrating');
  }
  return applied;
}

async function migratePostgres(db: Queryable, migrations: readonly Migration[]): Promise<number[]> {
  const lock = (tx: Queryable) => tx.run(sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
  // The prelude (collation, json_valid, the version table) is idempotent but not safe to run twice at once.
  const current = await db.tx(async (tx) => {
    await lock(tx);
    await tx.exec(POSTGRES_PRELUDE);
    return postgresVersion(tx);
  });
  if (current > migrations.length) throw new SchemaTooNewError(current, migrations.length);
  const applied: number[] = [];
  for (const m of migrations.slice(current)) {
    const ran = await db.tx(async (tx) => {
      await lock(tx);
      // Another process may have applied it while this one waited for the lock.
      const now = await postgresVersion(tx);
      if (now > migrations.length) throw new SchemaTooNewError(now, migrations.length);
      if (now >= m.version) return false;
      await tx.exec(migrationForPostgres(m.up));
      await tx.run(sql`INSERT INTO patchbay_schema (singleton, version) VALUES (1, ${m.version})
        ON CONFLICT (singleton) DO UPDATE SET version = excluded.version`);
      return true;
    });
    if (ran) applied.push(m.version);
  }
  return applied;
}

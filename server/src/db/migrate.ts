import type { Db } from './database.ts';
import { migrations as allMigrations, type Migration } from './migrations/index.ts';

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

/** Current schema version (PRAGMA user_version). */
export function schemaVersion(db: Db): number {
  return Number(db.pragma('user_version'));
}

/**
 * Applies pending migrations, each in its own transaction together with its version bump, and
 * refuses a database newer than the code. Answers the versions applied.
 */
export function migrate(db: Db, migrations: readonly Migration[] = allMigrations): number[] {
  const current = schemaVersion(db);
  if (current > migrations.length) throw new SchemaTooNewError(current, migrations.length);
  const applied: number[] = [];
  for (const m of migrations.slice(current)) {
    db.tx(() => {
      db.exec(m.up);
      db.exec(`PRAGMA user_version = ${m.version}`);
    });
    applied.push(m.version);
  }
  if (applied.length > 0) {
    const problems = db.pragma('foreign_key_check');
    if (problems !== undefined) throw new Error('foreign_key_check failed after migrating');
  }
  return applied;
}

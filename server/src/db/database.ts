import type { Config } from '../config.ts';
import type { Db } from './driver.ts';
import { openPostgres } from './postgresDriver.ts';
import { openSqlite } from './sqliteDriver.ts';

export type { Db, DialectName, Queryable } from './driver.ts';

/** Options of {@link openDatabase}. */
export interface OpenDatabaseOptions {
  /** Called for errors of idle pooled PostgreSQL connections (e.g. the server restarted). */
  readonly onIdleError?: (err: Error) => void;
}

/**
 * Opens the configured database: PostgreSQL when `PATCHBAY_DATABASE_URL` is set (a pool of
 * `PATCHBAY_DATABASE_POOL_SIZE` connections), else the SQLite file at `PATCHBAY_DB`.
 */
export function openDatabase(config: Pick<Config, 'databaseUrl' | 'databasePoolSize' | 'dbFile'>, opts: OpenDatabaseOptions = {}): Db {
  if (config.databaseUrl !== null) {
    return openPostgres(config.databaseUrl, {
      poolSize: config.databasePoolSize,
      ...(opts.onIdleError ? { onIdleError: opts.onIdleError } : {}),
    });
  }
  return openSqlite(config.dbFile);
}

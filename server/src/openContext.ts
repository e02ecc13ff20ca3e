import type { Config } from './config.ts';
import { type AppContext, type Clock, systemClock } from './context.ts';
import { bootstrapKeys } from './crypto/keyBootstrap.ts';
import { createKeyring } from './crypto/keyring.ts';
import { type Db, openDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { createLogger, type Logger } from './log.ts';

/** An opened application context and how to release it. */
export interface OpenedContext {
  readonly ctx: AppContext;
  /** The database itself (`ctx.db` is the same handle as a `Queryable`): what closes it, where its file is. */
  readonly database: Db;
  /** Migration versions applied while opening. */
  readonly applied: readonly number[];
  /** Closes the database, unless it was handed in. */
  close(): Promise<void>;
}

/** What {@link openContext} needs; the server and tests pass a clock, a logger or a database. */
export interface ContextOptions {
  readonly db?: Db;
  readonly clock?: Clock;
  readonly log?: Logger;
}

/**
 * Opens the database (or takes the one given), migrates it (refusing a schema newer than the
 * code), checks the encryption keys against it, and builds the context every service gets. The
 * server (`createApp`) and every CLI command open Patchbay this one way.
 */
export async function openContext(config: Config, opts: ContextOptions = {}): Promise<OpenedContext> {
  const log = opts.log ?? createLogger(config.logLevel);
  const clock = opts.clock ?? systemClock;
  const db = opts.db ?? openDatabase(config, { onIdleError: (err) => log.warn('an idle database connection failed', { err }) });
  const close = async () => {
    if (!opts.db) await db.close();
  };
  try {
    const applied = await migrate(db);
    const keyring = createKeyring(config.encryptionKey, config.previousEncryptionKeys);
    await bootstrapKeys(db, keyring, new Date(clock.now()).toISOString());
    return { ctx: { config, db, keyring, log, clock }, database: db, applied, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/**
 * {@link openContext} for a one-off command: log lines go to stderr and, below `debug`, only
 * from `warn` up.
 */
export async function openCliContext(config: Config): Promise<OpenedContext> {
  const log = createLogger(config.logLevel === 'debug' ? 'debug' : 'warn', (line) => process.stderr.write(line));
  return openContext(config, { log });
}

import type { Config } from '../config.ts';
import { type AppContext, systemClock } from '../context.ts';
import { bootstrapKeys } from '../crypto/keyBootstrap.ts';
import { createKeyring } from '../crypto/keyring.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { createLogger } from '../log.ts';

/** An application context for a one-off command, and how to release it. */
export interface CliContext {
  readonly ctx: AppContext;
  /** Migration versions applied while opening. */
  readonly applied: readonly number[];
  close(): void;
}

/**
 * Opens the database the way `createApp` does (migrate, refuse a newer schema, check the keys),
 * without HTTP. Log lines go to stderr and, below `debug`, only from `warn` up.
 */
export function openCliContext(config: Config): CliContext {
  const log = createLogger(config.logLevel === 'debug' ? 'debug' : 'warn', (line) => process.stderr.write(line));
  const db = openDatabase(config.dbFile);
  try {
    const applied = migrate(db);
    const keyring = createKeyring(config.encryptionKey, config.previousEncryptionKeys);
    bootstrapKeys(db, keyring, new Date(systemClock.now()).toISOString());
    return { ctx: { config, db, keyring, log, clock: systemClock }, applied, close: () => db.close() };
  } catch (err) {
    db.close();
    throw err;
  }
}

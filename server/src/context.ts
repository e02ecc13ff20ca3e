import type { Config } from './config.ts';
import type { Keyring } from './crypto/keyring.ts';
import type { Queryable } from './db/database.ts';
import type { Logger } from './log.ts';

/** A clock, so tests can move time without sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/**
 * Everything a route or service needs, built once by `createApp` and passed down. `db` is the
 * database, or inside {@link inTransaction} the transaction: code handed a context uses its `db`
 * and so joins whatever transaction its caller opened.
 */
export interface AppContext {
  readonly config: Config;
  readonly db: Queryable;
  readonly keyring: Keyring;
  readonly log: Logger;
  readonly clock: Clock;
}

/** ISO timestamp of the context's clock. */
export function nowIso(ctx: Pick<AppContext, 'clock'>): string {
  return new Date(ctx.clock.now()).toISOString();
}

/**
 * Runs `fn` in one transaction (joining the caller's when `ctx.db` is one already) and hands it a
 * context whose `db` is the transaction: everything inside uses `txCtx.db`, never the outer
 * `ctx.db` (the drivers throw if it does), and nothing inside awaits the network.
 */
export async function inTransaction<T>(ctx: AppContext, fn: (txCtx: AppContext) => Promise<T>): Promise<T> {
  return ctx.db.tx((tx) => fn({ ...ctx, db: tx }));
}

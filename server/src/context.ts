import type { Config } from './config.ts';
import type { Keyring } from './crypto/keyring.ts';
import type { Db } from './db/database.ts';
import type { Logger } from './log.ts';

/** A clock, so tests can move time without sleeping. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** The system clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** Everything a route or service needs, built once by `createApp` and passed down. */
export interface AppContext {
  readonly config: Config;
  readonly db: Db;
  readonly keyring: Keyring;
  readonly log: Logger;
  readonly clock: Clock;
}

/** ISO timestamp of the context's clock. */
export function nowIso(ctx: Pick<AppContext, 'clock'>): string {
  return new Date(ctx.clock.now()).toISOString();
}

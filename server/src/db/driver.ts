import { AsyncLocalStorage } from 'node:async_hooks';
import type { Sql } from './sql.ts';

/** Which SQL engine a handle talks to; repositories ask it only where the two dialects differ. */
export type DialectName = 'sqlite' | 'postgres';

/**
 * What repositories use: asynchronous statements over the `sql` tag. Both the database and a
 * transaction are one of these, so a repository neither knows nor cares which it was handed.
 */
export interface Queryable {
  readonly dialect: DialectName;
  /** All rows of a query. */
  all<T>(query: Sql): Promise<T[]>;
  /** The first row of a query, or undefined. */
  get<T>(query: Sql): Promise<T | undefined>;
  /** Runs a statement; answers how many rows changed. */
  run(query: Sql): Promise<{ changes: number }>;
  /**
   * The first row of a write whose loss at a power failure is acceptable (rate-limit counters):
   * SQLite commits it without waiting for the disk (`synchronous = NORMAL` for this one statement;
   * WAL keeps the file consistent, the next durable commit syncs it too); on PostgreSQL it is
   * {@link Queryable.get}. Inside a transaction it is part of that transaction, durable with it.
   */
  getUnsynced<T>(query: Sql): Promise<T | undefined>;
  /**
   * Runs `fn` in one transaction and hands it the handle it must use (`db.tx(async (tx) => …)`).
   * On SQLite it is `BEGIN IMMEDIATE` on the one connection, serialised with every other
   * statement; on PostgreSQL a pooled connection of its own. Called on a transaction's handle it
   * joins that transaction. Nothing inside may touch the outer handle (that throws
   * {@link OuterHandleInTransactionError}) or await the network.
   */
  tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs a script of several statements without values (migrations only). */
  exec(script: string): Promise<void>;
  /**
   * PostgreSQL's database handle only (absent on SQLite and on transactions): `LISTEN`s on
   * `channel` over a connection of its own, outside the pool, and calls `onNotify` for every
   * notification (a `pg_notify` another process committed). Reconnects after a lost connection
   * while not stopped. Answers a function that stops listening.
   */
  listen?(channel: string, onNotify: () => void): Promise<() => Promise<void>>;
}

/** The database: a {@link Queryable} that also closes. */
export interface Db extends Queryable {
  /** Closes the handle (the pool on PostgreSQL). */
  close(): Promise<void>;
  /** The SQLite file path (or `:memory:`); null on PostgreSQL. */
  readonly file: string | null;
  /** A description safe for logs: the file, or the PostgreSQL URL without its password. */
  readonly describe: string;
}

/** A statement went to the outer handle while a transaction of the same flow was open. */
export class OuterHandleInTransactionError extends Error {
  constructor() {
    super(
      'A statement used the outer database handle inside a transaction; use the handle db.tx() passed to its callback. ' +
        '(On SQLite it would wait for its own transaction; on PostgreSQL it would run outside it.)',
    );
    this.name = 'OuterHandleInTransactionError';
  }
}

/** Something awaited the network inside an open transaction. */
export class NetworkInTransactionError extends Error {
  constructor(what: string) {
    super(`${what} inside an open database transaction; finish the transaction first, then call out`);
    this.name = 'NetworkInTransactionError';
  }
}

interface OpenTransaction {
  readonly owner: object;
  open: boolean;
  /** What {@link afterCommit} registered: run once the transaction committed, dropped on rollback. */
  readonly afterCommit: (() => void)[];
}

const current = new AsyncLocalStorage<OpenTransaction>();

/**
 * Runs `fn` marked as inside an open transaction of `owner` (a driver's database object), so the
 * guards below can tell a flow's own transaction from someone else's, then `commit`. Answers
 * `fn`'s result and marks the transaction closed when it settles (timers started inside then run
 * unguarded); once `commit` succeeded, the {@link afterCommit} callbacks run. When `fn` or
 * `commit` throws they never run (the driver rolls back).
 */
export async function withinTransaction<T>(owner: object, fn: () => Promise<T>, commit: () => unknown): Promise<T> {
  const state: OpenTransaction = { owner, open: true, afterCommit: [] };
  let result: T;
  try {
    result = await current.run(state, fn);
  } finally {
    state.open = false;
  }
  await commit();
  for (const cb of state.afterCommit) {
    try {
      cb();
    } catch {
      // a wake-up that throws must not turn a committed transaction into an error
    }
  }
  return result;
}

/**
 * Runs `cb` once the calling flow's open transaction has committed, never when it rolls back;
 * outside a transaction at once. For nudges to other parts of this process (a queue's workers)
 * that must not see the change before it is visible.
 */
export function afterCommit(cb: () => void): void {
  const state = current.getStore();
  if (state?.open) state.afterCommit.push(cb);
  else cb();
}

/** Throws when the calling flow holds an open transaction of `owner` and used `owner`'s outer handle. */
export function assertOutsideOwnTransaction(owner: object): void {
  const state = current.getStore();
  if (state?.open && state.owner === owner) throw new OuterHandleInTransactionError();
}

/** Throws when the calling flow holds any open transaction; egress calls it before going out. */
export function assertNoOpenTransaction(what: string): void {
  if (current.getStore()?.open) throw new NetworkInTransactionError(what);
}

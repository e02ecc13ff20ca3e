import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { assertOutsideOwnTransaction, type Db, type Queryable, withinTransaction } from './driver.ts';
import type { Sql, SqlValue } from './sql.ts';

/** One holder at a time, first come first served. */
class Mutex {
  private held = false;
  private readonly waiting: (() => void)[] = [];
  get busy(): boolean {
    return this.held;
  }
  acquire(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.held = false;
  }
}

/** How long a statement waits for another process's write lock before it fails with SQLITE_BUSY. */
const BUSY_TIMEOUT_MS = 5000;

const rawHandles = new WeakMap<Db, BetterSqlite3.Database>();

/** The better-sqlite3 connection behind a SQLite handle (PRAGMAs, online backup), or null on PostgreSQL. */
export function sqliteConnection(db: Db): BetterSqlite3.Database | null {
  return rawHandles.get(db) ?? null;
}

/**
 * Opens (and creates) a SQLite database with WAL, FULL sync (credential writes must survive power
 * loss), foreign keys and a busy timeout. The one connection serialises transactions: while one is
 * open (it may await between statements), every other statement waits for it to end, so nothing
 * runs inside a transaction it does not belong to.
 */
export function openSqlite(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const raw = new BetterSqlite3(file, { timeout: BUSY_TIMEOUT_MS });
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  const cache = new Map<string, BetterSqlite3.Statement>();
  const prepare = (text: string) => {
    let stmt = cache.get(text);
    if (!stmt) {
      stmt = raw.prepare(text);
      if (cache.size > 500) cache.clear();
      cache.set(text, stmt);
    }
    return stmt;
  };
  const bind = (q: Sql) => q.values as SqlValue[];
  const all = <T>(q: Sql) => prepare(q.text).all(...bind(q)) as T[];
  const get = <T>(q: Sql) => prepare(q.text).get(...bind(q)) as T | undefined;
  const run = (q: Sql) => ({ changes: prepare(q.text).run(...bind(q)).changes });
  const lock = new Mutex();

  /**
   * Takes the database's write lock (`BEGIN IMMEDIATE`) without blocking the event loop while
   * another process holds it: SQLite's own busy handler sleeps inside the call (1, 2, 5, 10 … ms),
   * which stalls every request and HTTP call of this process, and under two writing processes
   * (`patchbay serve` beside `patchbay worker`) that was most of their time. Here a busy database
   * is tried again after a short timer, for at most the busy timeout.
   */
  const beginImmediate = async (): Promise<void> => {
    const deadline = Date.now() + BUSY_TIMEOUT_MS;
    raw.pragma('busy_timeout = 0');
    try {
      for (let wait = 1; ; wait = Math.min(wait * 2, 8)) {
        try {
          raw.exec('BEGIN IMMEDIATE');
          return;
        } catch (err) {
          if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= deadline) throw err;
        }
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } finally {
      raw.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    }
  };

  // A statement on the outer handle runs at once when no transaction is open, else after it; one
  // that writes takes the write lock as a transaction does (see beginImmediate).
  const outside = async <T>(text: string, fn: () => T, unsynced = false): Promise<T> => {
    assertOutsideOwnTransaction(db);
    const writes = !prepare(text).readonly;
    if (!writes && !lock.busy) return fn();
    await lock.acquire();
    try {
      if (!writes) return fn();
      if (unsynced) raw.pragma('synchronous = NORMAL');
      try {
        await beginImmediate();
        try {
          const result = fn();
          raw.exec('COMMIT');
          return result;
        } catch (err) {
          if (raw.inTransaction) raw.exec('ROLLBACK');
          throw err;
        }
      } finally {
        if (unsynced) raw.pragma('synchronous = FULL');
      }
    } finally {
      lock.release();
    }
  };

  // A script (migrations, backups) runs as given, after any open transaction.
  const outsideScript = async (fn: () => void): Promise<void> => {
    assertOutsideOwnTransaction(db);
    if (!lock.busy) return fn();
    await lock.acquire();
    try {
      fn();
    } finally {
      lock.release();
    }
  };

  const db: Db = {
    dialect: 'sqlite',
    file,
    describe: file,
    all: (q) => outside(q.text, () => all(q)),
    get: (q) => outside(q.text, () => get(q)),
    run: (q) => outside(q.text, () => run(q)),
    getUnsynced: (q) => outside(q.text, () => get(q), true),
    exec: (script) =>
      outsideScript(() => {
        raw.exec(script);
      }),
    async tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      assertOutsideOwnTransaction(db);
      await lock.acquire();
      let open = true;
      const inside = <R>(f: () => R): Promise<R> => {
        if (!open) return Promise.reject(new Error('This transaction has ended; its handle cannot be used any more'));
        return Promise.resolve(f());
      };
      const handle: Queryable = {
        dialect: 'sqlite',
        all: (q) => inside(() => all(q)),
        get: (q) => inside(() => get(q)),
        run: (q) => inside(() => run(q)),
        getUnsynced: (q) => inside(() => get(q)),
        exec: (script) => inside(() => void raw.exec(script)),
        tx: (inner) => inner(handle),
      };
      try {
        await beginImmediate();
        try {
          return await withinTransaction(
            db,
            () => fn(handle),
            () => raw.exec('COMMIT'),
          );
        } catch (err) {
          if (raw.inTransaction) raw.exec('ROLLBACK');
          throw err;
        }
      } finally {
        open = false;
        lock.release();
      }
    },
    async close() {
      await lock.acquire();
      raw.close();
      lock.release();
    },
  };
  rawHandles.set(db, raw);
  return db;
}

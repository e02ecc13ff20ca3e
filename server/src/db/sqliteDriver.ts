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
  const raw = new BetterSqlite3(file, { timeout: 5000 });
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = FULL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
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

  // A statement on the outer handle runs at once when no transaction is open, else after it.
  const outside = async <T>(fn: () => T): Promise<T> => {
    assertOutsideOwnTransaction(db);
    if (!lock.busy) return fn();
    await lock.acquire();
    try {
      return fn();
    } finally {
      lock.release();
    }
  };

  const db: Db = {
    dialect: 'sqlite',
    file,
    describe: file,
    all: (q) => outside(() => all(q)),
    get: (q) => outside(() => get(q)),
    run: (q) => outside(() => run(q)),
    getUnsynced: (q) =>
      outside(() => {
        raw.pragma('synchronous = NORMAL');
        try {
          return get(q);
        } finally {
          raw.pragma('synchronous = FULL');
        }
      }),
    exec: (script) =>
      outside(() => {
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
        raw.exec('BEGIN IMMEDIATE');
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

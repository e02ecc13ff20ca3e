import fs from 'node:fs';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Sql, SqlValue } from './sql.ts';

/** The data layer's one seam: a synchronous handle with typed helpers over `sql` statements. */
export interface Db {
  /** All rows of a query. */
  all<T>(query: Sql): T[];
  /** The first row of a query, or undefined. */
  get<T>(query: Sql): T | undefined;
  /** Runs a statement; answers how many rows changed. */
  run(query: Sql): { changes: number };
  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction; synchronous by design (no await inside). */
  tx<T>(fn: () => T): T;
  /** Runs a script of several statements (migrations only). */
  exec(script: string): void;
  /** Reads a PRAGMA value. */
  pragma(name: string): unknown;
  /** Closes the handle. */
  close(): void;
  /** The file path, or `:memory:`. */
  readonly file: string;
}

/**
 * Opens (and creates) the SQLite database with WAL, FULL sync (credential writes must survive
 * power loss), foreign keys and a busy timeout.
 */
export function openDatabase(file: string): Db {
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
  return {
    file,
    all: <T>(q: Sql) => prepare(q.text).all(...bind(q)) as T[],
    get: <T>(q: Sql) => prepare(q.text).get(...bind(q)) as T | undefined,
    run: (q: Sql) => ({ changes: prepare(q.text).run(...bind(q)).changes }),
    tx: <T>(fn: () => T): T => {
      if (raw.inTransaction) return fn();
      return raw.transaction(fn).immediate();
    },
    exec: (script: string) => {
      raw.exec(script);
    },
    pragma: (name: string) => raw.pragma(name, { simple: true }),
    close: () => raw.close(),
  };
}

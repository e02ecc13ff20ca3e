import type { Queryable } from '../db/driver.ts';
import { sql } from '../db/sql.ts';

/**
 * What the migrated schema holds, read the way each engine exposes it (`sqlite_master` and
 * `pragma_table_info` on SQLite, `information_schema` on PostgreSQL), for tests that check the
 * schema itself.
 */

/** The application's tables, by name (without the engines' own and PostgreSQL's `patchbay_schema`). */
export async function tableNames(db: Queryable): Promise<string[]> {
  const rows =
    db.dialect === 'postgres'
      ? await db.all<{ name: string }>(sql`SELECT table_name AS name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> 'patchbay_schema'`)
      : await db.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`);
  return rows.map((r) => r.name).sort();
}

/** Every column of every application table. */
export async function tableColumns(db: Queryable): Promise<{ table: string; column: string }[]> {
  if (db.dialect === 'postgres') {
    return db.all<{ table: string; column: string }>(sql`SELECT table_name AS "table", column_name AS "column"
      FROM information_schema.columns WHERE table_schema = current_schema() AND table_name <> 'patchbay_schema'
      ORDER BY table_name, ordinal_position`);
  }
  const out: { table: string; column: string }[] = [];
  for (const table of await tableNames(db)) {
    for (const c of await db.all<{ name: string }>(sql`SELECT name FROM pragma_table_info(${table})`)) out.push({ table, column: c.name });
  }
  return out;
}

/** A table's primary key columns, in key order. */
export async function primaryKeyColumns(db: Queryable, table: string): Promise<string[]> {
  const rows =
    db.dialect === 'postgres'
      ? await db.all<{ name: string }>(sql`SELECT a.attname AS name FROM pg_index i
          JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) ON true
          JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
          WHERE i.indrelid = ${table}::regclass AND i.indisprimary ORDER BY k.n`)
      : await db.all<{ name: string }>(sql`SELECT name FROM pragma_table_info(${table}) WHERE pk > 0 ORDER BY pk`);
  return rows.map((r) => r.name);
}

/**
 * A column that orders an append-only table's rows as they were inserted, for tests that read
 * events back in the order they happened (many share one `at` under a frozen clock): SQLite's
 * `rowid`; on PostgreSQL the row's physical position `ctid`, which in a fresh test database
 * whose rows are never updated or deleted follows the inserts.
 */
export function insertionOrder(db: Pick<Queryable, 'dialect'>) {
  return sql.raw(db.dialect === 'postgres' ? 'ctid' : 'rowid');
}

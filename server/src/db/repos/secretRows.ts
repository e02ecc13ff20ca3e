import type { Queryable } from '../database.ts';
import { type SqlValue, sql } from '../sql.ts';

/**
 * The sealed values of every registered secret column, walked generically for key rotation. The
 * table, column, row-key expression and primary key come from the compile-time registry
 * (`crypto/secretColumns.ts`), never from input. Values are matched by their text prefix
 * (`v1.<kid>.`); what a prefix means is the caller's business.
 */

/** Where one kind of sealed value lives. */
export interface SecretColumnRef {
  readonly table: string;
  readonly column: string;
  /** SQL expression for the row key bound into the associated data. */
  readonly rowKey: string;
  /** The table's primary key columns, in key order: the walk's cursor. */
  readonly primaryKey: readonly string[];
}

/** One sealed value: its row's primary key (in `primaryKey` order), its row key and the value. */
export interface SealedValue {
  readonly key: readonly SqlValue[];
  readonly rowKey: string;
  readonly value: string;
}

function names(c: SecretColumnRef) {
  return { table: sql.raw(c.table), column: sql.raw(c.column), rowKey: sql.raw(c.rowKey), key: sql.raw(c.primaryKey.join(', ')) };
}

function notPrefixed(c: SecretColumnRef, prefix: string) {
  const column = sql.raw(c.column);
  return sql`${column} IS NOT NULL AND substr(${column}, 1, ${prefix.length}) <> ${prefix}`;
}

/**
 * Up to `limit` values of a column that do not start with `prefix`, in primary key order, after
 * the row whose primary key is `after` (null: from the first row). Walking by primary key (not a
 * physical row id) keeps the walk resumable on any database.
 */
export async function listSealedValuesNotPrefixed(
  db: Queryable,
  c: SecretColumnRef,
  prefix: string,
  after: readonly SqlValue[] | null,
  limit: number,
): Promise<SealedValue[]> {
  const n = names(c);
  const keyColumns = sql.join(
    c.primaryKey.map((k, i) => sql.raw(`${k} AS k${i}`)),
    ', ',
  );
  const from = after === null ? sql`` : sql` AND (${n.key}) > (${sql.list(after)})`;
  const rows = await db.all<Record<string, SqlValue>>(sql`SELECT ${keyColumns}, ${n.rowKey} AS row_key, ${n.column} AS value FROM ${n.table}
    WHERE ${notPrefixed(c, prefix)}${from}
    ORDER BY ${n.key} LIMIT ${limit}`);
  return rows.map((r) => ({ key: c.primaryKey.map((_, i) => r[`k${i}`] ?? null), rowKey: String(r.row_key), value: String(r.value) }));
}

/** Replaces one value if it is still `old` (compare-and-swap: a concurrent writer wins). Answers whether it was written. */
export async function swapSealedValue(
  db: Queryable,
  c: SecretColumnRef,
  key: readonly SqlValue[],
  old: string,
  next: string,
): Promise<boolean> {
  const n = names(c);
  const row = sql.join(
    c.primaryKey.map((k, i) => sql`${sql.raw(k)} = ${key[i]}`),
    ' AND ',
  );
  return (await db.run(sql`UPDATE ${n.table} SET ${n.column} = ${next} WHERE ${row} AND ${n.column} = ${old}`)).changes === 1;
}

/** How many values of a column do not start with `prefix`. */
export async function countSealedValuesNotPrefixed(db: Queryable, c: SecretColumnRef, prefix: string): Promise<number> {
  return (await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${names(c).table} WHERE ${notPrefixed(c, prefix)}`))?.n ?? 0;
}

/** Every value of a column. */
export async function listSealedValues(db: Queryable, c: SecretColumnRef): Promise<string[]> {
  const n = names(c);
  return (await db.all<{ value: string }>(sql`SELECT ${n.column} AS value FROM ${n.table} WHERE ${n.column} IS NOT NULL`)).map(
    (r) => r.value,
  );
}

/** Whether any value of a column starts with `prefix`. */
export async function anySealedValuePrefixed(db: Queryable, c: SecretColumnRef, prefix: string): Promise<boolean> {
  const n = names(c);
  return (
    (await db.get(sql`SELECT 1 AS used FROM ${n.table} WHERE substr(${n.column}, 1, ${prefix.length}) = ${prefix} LIMIT 1`)) !== undefined
  );
}

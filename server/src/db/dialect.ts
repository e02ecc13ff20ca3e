import type { DialectName, Queryable } from './driver.ts';
import { type Sql, sql } from './sql.ts';

/**
 * Where SQLite and PostgreSQL differ, in one place. Repositories write one statement through the
 * `sql` tag; the few constructs the engines spell differently come from here, chosen by the
 * handle's dialect. Everything else (placeholders, booleans as 0/1, counts as numbers, JSON kept
 * as text) the PostgreSQL driver makes look like SQLite, so the repositories need no second copy.
 */
export interface Dialect {
  readonly name: DialectName;
  /** Rows of a JSON array held in a text column (or expression) as a one-column table `value`. */
  jsonArrayElements(json: Sql): Sql;
  /** A text field of a JSON object held in a text column. */
  jsonText(json: Sql, key: string): Sql;
  /**
   * A join over the elements of a JSON array held in text (the array at `key` of an object, when
   * given), one row per element as `alias.value`: an object to read with {@link Dialect.jsonText},
   * or with `scalars` the element's text.
   */
  joinJsonArray(json: Sql, alias: string, opts?: { key?: string; scalars?: boolean }): Sql;
  /** Row locks for a claim: `FOR UPDATE SKIP LOCKED` on PostgreSQL, nothing on SQLite (the write lock is the database's). */
  readonly skipLocked: Sql;
  /** `FOR UPDATE` on PostgreSQL, nothing on SQLite. */
  readonly forUpdate: Sql;
}

const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;
function checkedKey(key: string): string {
  if (!KEY.test(key)) throw new TypeError(`dialect: JSON key ${JSON.stringify(key)} must be a plain identifier`);
  return key;
}

const sqlite: Dialect = {
  name: 'sqlite',
  jsonArrayElements: (json) => sql`(SELECT value FROM json_each(${json}))`,
  jsonText: (json, key) => sql`json_extract(${json}, ${sql.raw(`'$.${checkedKey(key)}'`)})`,
  joinJsonArray: (json, alias, opts = {}) =>
    sql` JOIN json_each(${json}${sql.raw(opts.key === undefined ? '' : `, '$.${checkedKey(opts.key)}'`)}) ${sql.raw(checkedKey(alias))}`,
  skipLocked: sql``,
  forUpdate: sql``,
};

const postgres: Dialect = {
  name: 'postgres',
  jsonArrayElements: (json) => sql`(SELECT value FROM jsonb_array_elements_text((${json})::jsonb) AS j(value))`,
  jsonText: (json, key) => sql`((${json})::jsonb ->> ${sql.raw(`'${checkedKey(key)}'`)})`,
  joinJsonArray: (json, alias, opts = {}) =>
    sql` CROSS JOIN LATERAL ${sql.raw(opts.scalars ? 'jsonb_array_elements_text' : 'jsonb_array_elements')}((${json})::jsonb${sql.raw(
      opts.key === undefined ? '' : ` -> '${checkedKey(opts.key)}'`,
    )}) AS ${sql.raw(checkedKey(alias))}(value)`,
  skipLocked: sql` FOR UPDATE SKIP LOCKED`,
  forUpdate: sql` FOR UPDATE`,
};

/** The dialect of a handle. */
export function dialectOf(db: Pick<Queryable, 'dialect'>): Dialect {
  return db.dialect === 'postgres' ? postgres : sqlite;
}

const converted = new Map<string, string>();

/**
 * Rewrites the `?` placeholders of a statement to PostgreSQL's `$1, $2, …`, skipping quoted
 * strings, quoted identifiers and comments. Cached per statement text.
 */
export function toPostgresPlaceholders(text: string): string {
  const hit = converted.get(text);
  if (hit !== undefined) return hit;
  let out = '';
  let n = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i] as string;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      const stop = end === -1 ? text.length : end + 1;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      n += 1;
      out += `$${n}`;
    } else out += c;
  }
  if (converted.size > 2000) converted.clear();
  converted.set(text, out);
  return out;
}

/**
 * A migration written for SQLite, as PostgreSQL runs it. Migrations are written once in the
 * common subset; what differs is spelled here: `STRICT` tables (PostgreSQL is always typed),
 * `COLLATE NOCASE` (a case-insensitive ICU collation of that name, created by the driver),
 * `BLOB` and `REAL`. `json_valid()` exists on both (the driver defines it for PostgreSQL).
 */
export function migrationForPostgres(ddl: string): string {
  return ddl
    .replace(/\)\s*STRICT\s*;/g, ');')
    .replace(/\bCOLLATE NOCASE\b/g, 'COLLATE nocase')
    .replace(/\bBLOB\b/g, 'BYTEA')
    .replace(/\bREAL\b/g, 'DOUBLE PRECISION');
}

/** What the PostgreSQL driver creates before the first migration (idempotent). */
export const POSTGRES_PRELUDE = /* sql */ `
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_collation WHERE collname = 'nocase') THEN
    CREATE COLLATION nocase (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
  END IF;
END $$;
CREATE OR REPLACE FUNCTION json_valid(t text) RETURNS boolean LANGUAGE plpgsql IMMUTABLE AS $$
BEGIN
  PERFORM t::jsonb;
  RETURN true;
EXCEPTION WHEN others THEN
  RETURN false;
END $$;
CREATE TABLE IF NOT EXISTS patchbay_schema (
  singleton INTEGER PRIMARY KEY DEFAULT 1 CHECK (singleton = 1),
  version INTEGER NOT NULL
);
`;

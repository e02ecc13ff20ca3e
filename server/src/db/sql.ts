/** A SQL statement with its values kept apart: every interpolated value becomes a `?` placeholder. */
export interface Sql {
  readonly text: string;
  readonly values: readonly SqlValue[];
}

/** What a placeholder may carry. */
export type SqlValue = string | number | bigint | null | Buffer;

const SQL = Symbol('sql');
interface SqlFragment extends Sql {
  readonly [SQL]: true;
}

function isFragment(value: unknown): value is SqlFragment {
  return typeof value === 'object' && value !== null && (value as Partial<SqlFragment>)[SQL] === true;
}

function fragment(text: string, values: readonly SqlValue[]): SqlFragment {
  return { text, values, [SQL]: true };
}

/**
 * Tagged template for SQL. Interpolated values become placeholders; interpolated `sql` fragments
 * are spliced in with their own values; `undefined` becomes NULL; booleans become 0/1.
 */
export function sql(strings: TemplateStringsArray, ...params: unknown[]): SqlFragment {
  let text = strings[0] ?? '';
  const values: SqlValue[] = [];
  params.forEach((param, i) => {
    if (isFragment(param)) {
      text += param.text;
      values.push(...param.values);
    } else {
      text += '?';
      values.push(toSqlValue(param));
    }
    text += strings[i + 1] ?? '';
  });
  return fragment(text, values);
}

/** Joins fragments with a separator, e.g. the conditions of a WHERE clause. */
sql.join = (parts: readonly SqlFragment[], separator: string): SqlFragment =>
  fragment(
    parts.map((p) => p.text).join(separator),
    parts.flatMap((p) => p.values),
  );

/** A comma-separated list of placeholders for `IN (…)`; callers handle the empty list. */
sql.list = (values: readonly unknown[]): SqlFragment =>
  sql.join(
    values.map((v) => sql`${v}`),
    ', ',
  );

/** A trusted identifier or keyword known at compile time (never user input). */
sql.raw = (text: string): SqlFragment => fragment(text, []);

/** `WHERE a AND b …`, or nothing when there are no conditions. */
sql.where = (conditions: readonly SqlFragment[]): SqlFragment =>
  conditions.length === 0
    ? fragment('', [])
    : fragment(
        ` WHERE ${sql.join(conditions, ' AND ').text}`,
        conditions.flatMap((c) => c.values),
      );

function toSqlValue(value: unknown): SqlValue {
  if (value === undefined || value === null) return null;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || Buffer.isBuffer(value)) return value;
  throw new TypeError(`sql: cannot bind a value of type ${typeof value}; serialise it first`);
}

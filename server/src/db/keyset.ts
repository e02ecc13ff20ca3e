import { AppError } from '../errors.ts';
import { sql } from './sql.ts';

interface CursorPosition {
  t: string;
  id: string;
}

/** Encodes the position after the last item of a page. */
export function encodeCursor(pos: CursorPosition): string {
  return Buffer.from(JSON.stringify([pos.t, pos.id]), 'utf8').toString('base64url');
}

/** Decodes a cursor; a malformed one is `400 bad_request`. */
export function decodeCursor(cursor: string): CursorPosition {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string') {
      return { t: value[0], id: value[1] };
    }
  } catch {
    // fall through
  }
  throw new AppError('bad_request', 'The cursor is malformed; pass back `nextCursor` as given', {
    issues: [{ path: 'query.cursor', message: 'malformed cursor' }],
  });
}

/** The keyset condition for "after this cursor", newest first: `(t, id) < (?, ?)`. */
export function afterCursor(cursor: string | undefined, timeColumn: string, idColumn: string) {
  if (cursor === undefined) return null;
  const pos = decodeCursor(cursor);
  return sql`(${sql.raw(timeColumn)}, ${sql.raw(idColumn)}) < (${pos.t}, ${pos.id})`;
}

/** Cuts the extra row fetched to know whether there is a next page, and makes the cursor. */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  position: (row: Row) => CursorPosition,
  map: (row: Row) => Item,
): { items: Item[]; nextCursor: string | null } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  const last = page.at(-1);
  return { items: page.map(map), nextCursor: more && last ? encodeCursor(position(last)) : null };
}

/** {@link toPage} for a mapping that reads the database: the items are mapped one after another. */
export async function toPageAsync<Row, Item>(
  rows: Row[],
  limit: number,
  position: (row: Row) => CursorPosition,
  map: (row: Row) => Promise<Item>,
): Promise<{ items: Item[]; nextCursor: string | null }> {
  const page = toPage(rows, limit, position, (row) => row);
  const items: Item[] = [];
  for (const row of page.items) items.push(await map(row));
  return { items, nextCursor: page.nextCursor };
}

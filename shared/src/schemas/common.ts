import { z } from 'zod';
import { prefixedIdPattern } from '../protocol/ids.ts';
import { LANGUAGES } from '../protocol/portal.ts';

/** ISO-8601 timestamp with milliseconds, always UTC (`2026-11-23T12:00:00.000Z`). */
export const timestampSchema = z.iso.datetime();

/** A connector id is a link name. */
export const connectorIdSchema = z.string().regex(/^[a-z][a-z0-9_-]{1,62}$/, 'must match ^[a-z][a-z0-9_-]{1,62}$');

/** Sharing level of an embed configuration: `user` ("User") or `account` ("Company"). */
export const sharingLevelSchema = z.enum(['user', 'account']);
/** Sharing level. */
export type SharingLevel = z.infer<typeof sharingLevelSchema>;

/** Languages the iframe speaks. */
export const languageSchema = z.enum(LANGUAGES);

/** An opaque pagination cursor. */
export const cursorSchema = z.string().max(512);

/** Query parameters shared by all list endpoints. */
export const pageQuerySchema = z.object({
  cursor: cursorSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

/** `{ items, nextCursor }`, the answer of every list endpoint. */
export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() });
}

/** A prefixed random id, e.g. `cfg_0h3k…`. */
export function prefixedIdSchema(prefix: string) {
  return z.string().regex(prefixedIdPattern(prefix), `must be a ${prefix}_… id`);
}

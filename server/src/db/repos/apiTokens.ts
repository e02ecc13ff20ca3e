import type { ApiTokenScope } from '@patchbay/shared';
import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

/** An API token row (the token itself is never stored, only its SHA-256). */
export interface ApiTokenRow {
  id: string;
  admin_user_id: string;
  name: string;
  token_hash: string;
  prefix: string;
  scopes: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

/** Inserts an API token. */
export async function insertApiToken(
  db: Queryable,
  row: Omit<ApiTokenRow, 'scopes' | 'last_used_at' | 'revoked_at'> & { scopes: readonly ApiTokenScope[] },
): Promise<void> {
  await db.run(sql`INSERT INTO api_tokens (id, admin_user_id, name, token_hash, prefix, scopes, created_at, expires_at)
    VALUES (${row.id}, ${row.admin_user_id}, ${row.name}, ${row.token_hash}, ${row.prefix}, ${JSON.stringify(row.scopes)},
      ${row.created_at}, ${row.expires_at})`);
}

/** Finds a live token by hash, with its admin user's role. */
export async function findLiveApiToken(
  db: Queryable,
  tokenHash: string,
  nowIso: string,
): Promise<(ApiTokenRow & { role: 'owner' | 'admin' | 'member' }) | undefined> {
  return db.get(sql`SELECT t.*, u.role FROM api_tokens t JOIN admin_users u ON u.id = t.admin_user_id
    WHERE t.token_hash = ${tokenHash} AND t.revoked_at IS NULL AND u.disabled_at IS NULL
      AND (t.expires_at IS NULL OR t.expires_at > ${nowIso})`);
}

/** Records use, at most once a minute per token (keeps the hot path read-only). */
export async function touchApiToken(db: Queryable, id: string, nowIso: string, lastUsedAt: string | null): Promise<void> {
  if (lastUsedAt && Date.parse(nowIso) - Date.parse(lastUsedAt) < 60_000) return;
  await db.run(sql`UPDATE api_tokens SET last_used_at = ${nowIso} WHERE id = ${id}`);
}

/** Revokes a token. Answers whether it existed and was live. */
export async function revokeApiToken(db: Queryable, id: string, nowIso: string): Promise<boolean> {
  return (await db.run(sql`UPDATE api_tokens SET revoked_at = ${nowIso} WHERE id = ${id} AND revoked_at IS NULL`)).changes === 1;
}

/** Finds a token by id, live or not. */
export async function findApiToken(db: Queryable, id: string): Promise<ApiTokenRow | undefined> {
  return db.get<ApiTokenRow>(sql`SELECT * FROM api_tokens WHERE id = ${id}`);
}

/** One page of tokens, newest first, optionally of one admin user; `after` is the cursor's keyset condition. */
export async function listApiTokens(
  db: Queryable,
  filters: { adminUserId?: string | undefined },
  after: ReturnType<typeof sql> | null,
  limit: number,
): Promise<ApiTokenRow[]> {
  const where = [];
  if (filters.adminUserId !== undefined) where.push(sql`admin_user_id = ${filters.adminUserId}`);
  if (after) where.push(after);
  return db.all<ApiTokenRow>(sql`SELECT * FROM api_tokens ${sql.where(where)} ORDER BY created_at DESC, id DESC LIMIT ${limit}`);
}

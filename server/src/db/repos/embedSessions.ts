import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';
import { keyUsableAt } from './embedConfigs.ts';

/** A session joined with its end user, configuration and the signing key that minted it. */
export interface LiveSessionRow {
  end_user_id: string;
  config_id: string;
  user_id: string;
  account_id: string;
  sharing_level: 'user' | 'account';
  expires_at: string;
  enabled: number;
  /** The kid of the key that verified the embed token; null for sessions made before it was recorded. */
  key_kid: string | null;
  /** 1 while that key verifies tokens (see {@link keyUsableAt}), 0 once revoked, past its grace expiry or gone. */
  key_usable: number;
}

/** Inserts a session (only the token's hash), with the kid of the key that verified its embed token. */
export async function insertEmbedSession(
  db: Queryable,
  row: { token_hash: string; config_id: string; end_user_id: string; key_kid: string; created_at: string; expires_at: string },
): Promise<void> {
  await db.run(sql`INSERT INTO embed_sessions (token_hash, config_id, end_user_id, key_kid, created_at, expires_at)
    VALUES (${row.token_hash}, ${row.config_id}, ${row.end_user_id}, ${row.key_kid}, ${row.created_at}, ${row.expires_at})`);
}

/**
 * Finds a session by token hash, whatever its expiry or key (the caller decides). The key is read
 * on every call, so a revocation or the end of a grace period shows at once on every process.
 */
export async function findEmbedSession(db: Queryable, tokenHash: string, nowIso: string): Promise<LiveSessionRow | undefined> {
  return db.get<LiveSessionRow>(sql`SELECT s.end_user_id, s.config_id, s.expires_at, s.key_kid, u.user_id, u.account_id,
      c.sharing_level, c.enabled, CASE WHEN ${keyUsableAt(nowIso, 'k')} THEN 1 ELSE 0 END AS key_usable
    FROM embed_sessions s JOIN end_users u ON u.id = s.end_user_id JOIN embed_configs c ON c.id = s.config_id
      LEFT JOIN embed_config_keys k ON k.config_id = s.config_id AND k.kid = s.key_kid
    WHERE s.token_hash = ${tokenHash}`);
}

/** Deletes expired sessions and used token ids; answers how many rows went. */
export async function purgeExpiredEmbedState(db: Queryable, nowIso: string): Promise<number> {
  return db.tx(
    async (tx) =>
      (await tx.run(sql`DELETE FROM embed_sessions WHERE expires_at <= ${nowIso}`)).changes +
      (await tx.run(sql`DELETE FROM used_token_ids WHERE expires_at <= ${nowIso}`)).changes,
  );
}

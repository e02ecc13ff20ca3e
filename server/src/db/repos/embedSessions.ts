import type { Db } from '../database.ts';
import { sql } from '../sql.ts';

/** A live session joined with its end user and configuration. */
export interface LiveSessionRow {
  end_user_id: string;
  config_id: string;
  user_id: string;
  account_id: string;
  sharing_level: 'user' | 'account';
  expires_at: string;
  enabled: number;
}

/** Inserts a session (only the token's hash). */
export function insertEmbedSession(
  db: Db,
  row: { token_hash: string; config_id: string; end_user_id: string; created_at: string; expires_at: string },
): void {
  db.run(sql`INSERT INTO embed_sessions (token_hash, config_id, end_user_id, created_at, expires_at)
    VALUES (${row.token_hash}, ${row.config_id}, ${row.end_user_id}, ${row.created_at}, ${row.expires_at})`);
}

/** Finds a session by token hash, whatever its expiry (the caller decides). */
export function findEmbedSession(db: Db, tokenHash: string): LiveSessionRow | undefined {
  return db.get<LiveSessionRow>(sql`SELECT s.end_user_id, s.config_id, s.expires_at, u.user_id, u.account_id, c.sharing_level, c.enabled
    FROM embed_sessions s JOIN end_users u ON u.id = s.end_user_id JOIN embed_configs c ON c.id = s.config_id
    WHERE s.token_hash = ${tokenHash}`);
}

/** Deletes expired sessions and used token ids; answers how many rows went. */
export function purgeExpiredEmbedState(db: Db, nowIso: string): number {
  return db.tx(
    () =>
      db.run(sql`DELETE FROM embed_sessions WHERE expires_at <= ${nowIso}`).changes +
      db.run(sql`DELETE FROM used_token_ids WHERE expires_at <= ${nowIso}`).changes,
  );
}

import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

/**
 * Records that an embed token id (`jti`) was used, until `expiresAt`. Answers false when the id
 * is already recorded and still live (a replay). A stale record (past its expiry, not yet
 * purged) is taken over, so a vendor may reuse an id once its earlier token is dead.
 */
export async function recordTokenId(
  db: Queryable,
  row: { configId: string; jti: string; expiresAt: string; nowIso: string },
): Promise<boolean> {
  return (
    (
      await db.run(sql`INSERT INTO used_token_ids (config_id, jti, expires_at) VALUES (${row.configId}, ${row.jti}, ${row.expiresAt})
    ON CONFLICT (config_id, jti) DO UPDATE SET expires_at = excluded.expires_at WHERE used_token_ids.expires_at <= ${row.nowIso}`)
    ).changes === 1
  );
}

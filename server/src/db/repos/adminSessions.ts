import type { AdminRole } from '@patchbay/shared';
import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

/** A console session joined with its admin user (only the token's hash is stored). */
export interface AdminSessionRow {
  token_hash: string;
  admin_user_id: string;
  created_at: string;
  expires_at: string;
  last_seen_at: string;
  role: AdminRole;
  disabled_at: string | null;
}

/** Inserts a session. */
export async function insertAdminSession(
  db: Queryable,
  row: { token_hash: string; admin_user_id: string; created_at: string; expires_at: string; last_seen_at: string },
): Promise<void> {
  await db.run(sql`INSERT INTO admin_sessions (token_hash, admin_user_id, created_at, expires_at, last_seen_at)
    VALUES (${row.token_hash}, ${row.admin_user_id}, ${row.created_at}, ${row.expires_at}, ${row.last_seen_at})`);
}

/** Finds a session by token hash, whatever its expiry (the caller decides). */
export async function findAdminSession(db: Queryable, tokenHash: string): Promise<AdminSessionRow | undefined> {
  return db.get<AdminSessionRow>(sql`SELECT s.*, u.role, u.disabled_at FROM admin_sessions s
    JOIN admin_users u ON u.id = s.admin_user_id WHERE s.token_hash = ${tokenHash}`);
}

/** Records activity (the idle limit counts from here). */
export async function touchAdminSession(db: Queryable, tokenHash: string, nowIso: string): Promise<void> {
  await db.run(sql`UPDATE admin_sessions SET last_seen_at = ${nowIso} WHERE token_hash = ${tokenHash}`);
}

/** Deletes one session; answers whether it existed. */
export async function deleteAdminSession(db: Queryable, tokenHash: string): Promise<boolean> {
  return (await db.run(sql`DELETE FROM admin_sessions WHERE token_hash = ${tokenHash}`)).changes === 1;
}

/** Deletes sessions past their absolute expiry or idle since before `idleSinceIso`; answers how many went. */
export async function purgeExpiredAdminSessions(db: Queryable, nowIso: string, idleSinceIso: string): Promise<number> {
  return (await db.run(sql`DELETE FROM admin_sessions WHERE expires_at <= ${nowIso} OR last_seen_at <= ${idleSinceIso}`)).changes;
}

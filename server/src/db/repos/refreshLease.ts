import type { Queryable } from '../database.ts';
import { dialectOf } from '../dialect.ts';
import { sql } from '../sql.ts';

/**
 * The refresh bookkeeping of one connector auth: what the refresher needs to decide, take the
 * cross-process lease, and record failures. `credentials_enc` is selected here on purpose.
 */
export interface RefreshStateRow {
  id: string;
  config_id: string;
  connector_id: string;
  status: 'active' | 'needs_reauth' | 'revoked' | 'disabled';
  credentials_enc: string | null;
  credentials_version: number;
  expires_at: string | null;
  refresh_lease_until: string | null;
  refresh_lease_owner: string | null;
  refresh_failed_at: string | null;
  refresh_failures: number;
}

/**
 * Reads an auth's refresh state (with its sealed credentials), or undefined. `lock` (inside a
 * transaction) holds the row until it ends on PostgreSQL, so the look and the lease that follows
 * see one state, as SQLite's write lock gives them.
 */
export async function findRefreshState(db: Queryable, authId: string, opts: { lock?: boolean } = {}): Promise<RefreshStateRow | undefined> {
  const lock = opts.lock ? dialectOf(db).forUpdate : sql``;
  return db.get<RefreshStateRow>(sql`SELECT id, config_id, connector_id, status, credentials_enc, credentials_version, expires_at,
      refresh_lease_until, refresh_lease_owner, refresh_failed_at, refresh_failures
    FROM connector_auths WHERE id = ${authId}${lock}`);
}

/**
 * Takes the refresh lease when nobody holds it or the holder's lease has run out (a crashed
 * process). Times are ISO strings of one clock, so they compare as text. Answers whether it was taken.
 */
export async function tryTakeRefreshLease(
  db: Queryable,
  authId: string,
  owner: string,
  nowIso: string,
  untilIso: string,
): Promise<boolean> {
  return (
    (
      await db.run(sql`UPDATE connector_auths SET refresh_lease_until = ${untilIso}, refresh_lease_owner = ${owner}
      WHERE id = ${authId} AND (refresh_lease_until IS NULL OR refresh_lease_until < ${nowIso})`)
    ).changes === 1
  );
}

/** Releases the lease if `owner` still holds it (an expired lease may have passed to someone else). */
export async function releaseRefreshLease(db: Queryable, authId: string, owner: string): Promise<void> {
  await db.run(sql`UPDATE connector_auths SET refresh_lease_until = NULL, refresh_lease_owner = NULL
    WHERE id = ${authId} AND refresh_lease_owner = ${owner}`);
}

/**
 * Records a failed refresh of the credentials at `expectVersion`: failure time and count, the
 * (secret-free) error, and `needs_reauth` when the grant is dead. Answers false when the
 * credentials changed meanwhile (a reconnect won; nothing is recorded against the new ones).
 */
export async function recordRefreshFailure(
  db: Queryable,
  authId: string,
  input: { expectVersion: number; atIso: string; error: string; needsReauth: boolean },
): Promise<boolean> {
  const status = input.needsReauth ? sql`, status = 'needs_reauth'` : sql``;
  return (
    (
      await db.run(sql`UPDATE connector_auths SET refresh_failed_at = ${input.atIso}, refresh_failures = refresh_failures + 1,
      last_error = ${input.error}, updated_at = ${input.atIso}${status}
      WHERE id = ${authId} AND credentials_version = ${input.expectVersion} AND status = 'active'`)
    ).changes === 1
  );
}

import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

/**
 * Counts one hit for `key` in its fixed window, atomically on both engines (one upsert): a key
 * whose window ended at or before `nowIso` starts a new window ending at `resetIso`. Answers the
 * hits of the current window and when it ends.
 */
export async function incrementRateLimitHit(
  db: Queryable,
  key: string,
  nowIso: string,
  resetIso: string,
): Promise<{ hits: number; resetAt: string }> {
  // A counter lost at a power failure costs nothing; it need not wait for the disk.
  const row = await db.getUnsynced<{ hits: number; reset_at: string }>(sql`INSERT INTO rate_limit_hits (key, hits, reset_at)
    VALUES (${key}, 1, ${resetIso})
    ON CONFLICT (key) DO UPDATE SET
      hits = CASE WHEN rate_limit_hits.reset_at <= ${nowIso} THEN 1 ELSE rate_limit_hits.hits + 1 END,
      reset_at = CASE WHEN rate_limit_hits.reset_at <= ${nowIso} THEN excluded.reset_at ELSE rate_limit_hits.reset_at END
    RETURNING hits, reset_at`);
  if (!row) throw new Error('rate limit upsert answered no row');
  return { hits: Number(row.hits), resetAt: row.reset_at };
}

/** Takes back one hit of `key` in its current window (express-rate-limit's `skipSuccessfulRequests` and friends). */
export async function decrementRateLimitHit(db: Queryable, key: string, nowIso: string): Promise<void> {
  await db.run(sql`UPDATE rate_limit_hits SET hits = hits - 1 WHERE key = ${key} AND reset_at > ${nowIso} AND hits > 0`);
}

/** Forgets `key`'s window. */
export async function resetRateLimitKey(db: Queryable, key: string): Promise<void> {
  await db.run(sql`DELETE FROM rate_limit_hits WHERE key = ${key}`);
}

/** The hits of `key`'s current window, if it has one. */
export async function findRateLimitHits(
  db: Queryable,
  key: string,
  nowIso: string,
): Promise<{ hits: number; resetAt: string } | undefined> {
  const row = await db.get<{ hits: number; reset_at: string }>(
    sql`SELECT hits, reset_at FROM rate_limit_hits WHERE key = ${key} AND reset_at > ${nowIso}`,
  );
  return row ? { hits: Number(row.hits), resetAt: row.reset_at } : undefined;
}

/** Deletes windows that ended at or before `nowIso`; answers how many. */
export async function purgeExpiredRateLimits(db: Queryable, nowIso: string): Promise<number> {
  return (await db.run(sql`DELETE FROM rate_limit_hits WHERE reset_at <= ${nowIso}`)).changes;
}

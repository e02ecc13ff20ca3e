import type { Queryable } from '../driver.ts';
import { sql } from '../sql.ts';

/** A statement fragment built by the `sql` tag. */
export type Fragment = ReturnType<typeof sql>;

/**
 * The statements of a lease queue (runs now, callback deliveries next): rows that wait in one
 * status, are claimed into another with a lease and a fencing token, and leave it only through
 * the holder of that token. The table needs the columns `id`, `status`, `not_before`,
 * `lease_owner`, `lease_until`, `fence`, `attempt` and `reclaims`; times are ISO-8601 UTC text.
 * Every name in a spec is a trusted identifier written in code, never user input.
 */
export interface LeaseQueueSpec {
  /** The table. */
  readonly table: string;
  /** FROM clause naming the table `q`, with any join the group needs (e.g. `runs q JOIN integrations g ON …`). */
  readonly from: string;
  /** Expression of the fairness group (a configuration) over the FROM clause; null: one group. */
  readonly group: string | null;
  /** A column of the table: at most one row per value is leased at a time; null: no such rule. */
  readonly key: string | null;
  /**
   * With a key: rows of one key are taken strictly in order (the oldest waiting one first, even
   * while it is not yet due), as callback deliveries of one object must be. Without: a row that
   * is due may pass one of its key that waits for a later retry.
   */
  readonly orderedWithinKey: boolean;
  /** The column that orders the rows of one key (their creation time). */
  readonly sequence: string;
  /** The waiting status and the leased status. */
  readonly queued: string;
  readonly running: string;
}

/** A row just claimed: its fencing token and attempt as the claim left them. */
export interface ClaimedRow {
  id: string;
  fence: number;
  attempt: number;
  reclaims: number;
}

const raw = sql.raw;

/** Rows whose lease ran out (or that a crash left leased without one): taken up again by the next claim. */
function lapsed(spec: LeaseQueueSpec, alias: string, now: string): Fragment {
  return sql`(${raw(alias)}.status = ${spec.running} AND (${raw(alias)}.lease_until IS NULL OR ${raw(alias)}.lease_until <= ${now}))`;
}

/**
 * Ids of up to `max` rows to claim now, fairly: due waiting rows and lapsed leases; per key only
 * its first row and none while another row of the key holds a live lease; then round-robin over
 * the groups (each group's oldest first), skipping groups at `groupCap` live leases, those with
 * fewer live leases first.
 */
export async function selectClaimable(tx: Queryable, spec: LeaseQueueSpec, now: string, max: number, groupCap: number): Promise<string[]> {
  const group = raw(spec.group ?? "''");
  const key = spec.key === null ? raw('q.id') : raw(`q.${spec.key}`);
  const waiting =
    spec.key !== null && spec.orderedWithinKey
      ? sql`q.status = ${spec.queued}`
      : sql`(q.status = ${spec.queued} AND q.not_before <= ${now})`;
  const liveOnKey =
    spec.key === null
      ? sql``
      : sql` AND NOT EXISTS (SELECT 1 FROM ${raw(spec.table)} o WHERE o.${raw(spec.key)} = c.k AND o.id <> c.id
          AND o.status = ${spec.running} AND o.lease_until > ${now})`;
  const rows = await tx.all<{ id: string }>(sql`
    WITH cand AS (
      SELECT q.id, q.status, q.not_before, ${group} AS grp, ${key} AS k,
        ROW_NUMBER() OVER (PARTITION BY ${key} ORDER BY CASE WHEN q.status = ${spec.running} THEN 0 ELSE 1 END, q.${raw(spec.sequence)}, q.id) AS kpos
      FROM ${raw(spec.from)}
      WHERE ${waiting} OR ${lapsed(spec, 'q', now)}
    ),
    heads AS (
      SELECT c.id, c.grp, c.not_before FROM cand c
      WHERE c.kpos = 1 AND (c.status = ${spec.running} OR c.not_before <= ${now})${liveOnKey}
    ),
    ranked AS (
      SELECT h.id, h.grp, h.not_before, ROW_NUMBER() OVER (PARTITION BY h.grp ORDER BY h.not_before, h.id) AS gpos FROM heads h
    ),
    load AS (
      SELECT ${group} AS grp, COUNT(*) AS n FROM ${raw(spec.from)}
      WHERE q.status = ${spec.running} AND q.lease_until > ${now} GROUP BY ${group}
    )
    SELECT r.id FROM ranked r LEFT JOIN load l ON l.grp = r.grp
    WHERE r.gpos + COALESCE(l.n, 0) <= ${groupCap}
    ORDER BY r.gpos, COALESCE(l.n, 0), r.not_before, r.id
    LIMIT ${max}`);
  return rows.map((r) => r.id);
}

/**
 * Serialises the claims of one queue on PostgreSQL for the rest of the transaction (the
 * per-group cap and the one-per-key rule are judged over rows other claimers also move); SQLite's
 * `BEGIN IMMEDIATE` already holds the database's one write lock.
 */
export async function lockClaims(tx: Queryable, spec: LeaseQueueSpec): Promise<void> {
  if (tx.dialect !== 'postgres') return;
  await tx.get(sql`SELECT pg_advisory_xact_lock(hashtext(${`patchbay.queue.${spec.table}`})) AS locked`);
}

/**
 * Leases the given rows to `owner` until `leaseUntil`: raises each fencing token, counts a take-over
 * of a lapsed lease as a new attempt. Rows that changed meanwhile, and on PostgreSQL rows another
 * transaction holds (`FOR UPDATE SKIP LOCKED`), are left out. Answers the rows leased.
 */
export async function leaseRows(
  tx: Queryable,
  spec: LeaseQueueSpec,
  ids: readonly string[],
  owner: string,
  now: string,
  leaseUntil: string,
): Promise<ClaimedRow[]> {
  if (ids.length === 0) return [];
  const skipLocked = tx.dialect === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
  const free = await tx.all<{ id: string }>(sql`SELECT q.id FROM ${raw(spec.table)} q WHERE q.id IN (${sql.list(ids)})
    AND ((q.status = ${spec.queued} AND q.not_before <= ${now}) OR ${lapsed(spec, 'q', now)})${skipLocked}`);
  if (free.length === 0) return [];
  const rows = await tx.all<ClaimedRow>(sql`UPDATE ${raw(spec.table)} SET
      status = ${spec.running}, lease_owner = ${owner}, lease_until = ${leaseUntil}, fence = fence + 1,
      attempt = CASE WHEN status = ${spec.running} THEN attempt + 1 ELSE attempt END,
      reclaims = CASE WHEN status = ${spec.running} THEN reclaims + 1 ELSE reclaims END
    WHERE id IN (${sql.list(free.map((r) => r.id))})
    RETURNING id, fence, attempt, reclaims`);
  return rows;
}

/** Extends a lease while its fencing token still holds; answers whether it did. */
export async function renewLease(db: Queryable, spec: LeaseQueueSpec, id: string, fence: number, leaseUntil: string): Promise<boolean> {
  const res = await db.run(sql`UPDATE ${raw(spec.table)} SET lease_until = ${leaseUntil}
    WHERE id = ${id} AND fence = ${fence} AND status = ${spec.running}`);
  return res.changes === 1;
}

/**
 * Writes `set` (assignments, e.g. the final status and results) and drops the lease, only while
 * the fencing token still holds; answers whether it did. A worker whose row was taken over
 * finds its token stale and writes nothing.
 */
export async function settleLease(db: Queryable, spec: LeaseQueueSpec, id: string, fence: number, set: Fragment): Promise<boolean> {
  const res = await db.run(sql`UPDATE ${raw(spec.table)} SET ${set}, lease_owner = NULL, lease_until = NULL
    WHERE id = ${id} AND fence = ${fence} AND status = ${spec.running}`);
  return res.changes === 1;
}

/** When the earliest waiting row comes due (ISO), or null when none waits. */
export async function nextDueAt(db: Queryable, spec: LeaseQueueSpec): Promise<string | null> {
  const row = await db.get<{ at: string | null }>(sql`SELECT MIN(not_before) AS at FROM ${raw(spec.table)} WHERE status = ${spec.queued}`);
  return row?.at ?? null;
}

import type { Queryable } from '../driver.ts';
import { sql } from '../sql.ts';
import type { Fragment, LeaseQueueSpec } from './leaseQueue.ts';

/**
 * Runs (docs/runs.md): rows of the run queue and what a run recorded. The queue's own statements
 * (claim, renew, settle) are in `leaseQueue.ts`; these are the runs-specific ones. Runs of a
 * configuration, flow, account or user are found through their integration (alias `i`).
 */

/** The runs table as a lease queue: fair across configurations, one running run per integration. */
export const RUNS_QUEUE: LeaseQueueSpec = {
  table: 'runs',
  from: 'runs q JOIN integrations g ON g.id = q.integration_id',
  group: 'g.config_id',
  key: 'integration_id',
  orderedWithinKey: false,
  sequence: 'created_at',
  queued: 'queued',
  running: 'running',
};

/** What starts a run. */
export type RunTrigger = 'schedule' | 'webhook' | 'manual' | 'admin' | 'retry';
/** Where a run is. */
export type RunStatus = 'queued' | 'running' | 'success' | 'error' | 'canceled';

/** A run row with its integration's configuration, flow, account and owner. */
export interface RunRow {
  id: string;
  integration_id: string;
  config_id: string;
  flow_id: string;
  account_id: string;
  owner_user_id: string;
  trigger: RunTrigger;
  status: RunStatus;
  attempt: number;
  max_attempts: number;
  reclaims: number;
  fence: number;
  flow_version: number | null;
  retry_of: string | null;
  trigger_payload: string | null;
  steps: string;
  logs: string;
  end_user_log: string | null;
  error_code: string | null;
  error: string | null;
  not_before: string;
  lease_owner: string | null;
  lease_until: string | null;
  cancel_requested_at: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

const COLUMNS = sql`r.id, r.integration_id, i.config_id, i.flow_id, i.account_id, u.user_id AS owner_user_id, r.trigger, r.status,
  r.attempt, r.max_attempts, r.reclaims, r.fence, r.flow_version, r.retry_of, r.trigger_payload, r.steps, r.logs, r.end_user_log,
  r.error_code, r.error, r.not_before, r.lease_owner, r.lease_until, r.cancel_requested_at, r.created_at, r.started_at, r.finished_at`;
const FROM = sql`runs r JOIN integrations i ON i.id = r.integration_id JOIN end_users u ON u.id = i.owner_end_user_id`;

/** A run to enqueue. */
export interface NewRun {
  id: string;
  integration_id: string;
  trigger: RunTrigger;
  trigger_payload: string | null;
  max_attempts: number;
  retry_of: string | null;
  not_before: string;
  created_at: string;
}

/** Enqueues a run. */
export async function insertRun(db: Queryable, run: NewRun): Promise<void> {
  await db.run(sql`INSERT INTO runs (id, integration_id, trigger, status, max_attempts, retry_of, trigger_payload, not_before, created_at)
    VALUES (${run.id}, ${run.integration_id}, ${run.trigger}, 'queued', ${run.max_attempts}, ${run.retry_of}, ${run.trigger_payload},
      ${run.not_before}, ${run.created_at})`);
}

/**
 * Enqueues a `schedule` run unless the integration has a run queued or running (docs/runs.md: a
 * slot that comes due meanwhile adds none); answers whether it did. The partial unique index on
 * queued schedule runs backs this up when two schedulers race.
 */
export async function insertScheduledRun(db: Queryable, run: Omit<NewRun, 'trigger' | 'retry_of'>): Promise<boolean> {
  const res = await db.run(sql`INSERT INTO runs (id, integration_id, trigger, status, max_attempts, trigger_payload, not_before, created_at)
    SELECT ${run.id}, ${run.integration_id}, 'schedule', 'queued', ${run.max_attempts}, ${run.trigger_payload}, ${run.not_before},
      ${run.created_at}
    WHERE NOT EXISTS (SELECT 1 FROM runs o WHERE o.integration_id = ${run.integration_id} AND o.status IN ('queued', 'running'))
    ON CONFLICT DO NOTHING`);
  return res.changes === 1;
}

/** One run, if it satisfies `visible` (a condition over the integration alias `i`; `sql\`1 = 1\`` for the system). */
export async function findRun(db: Queryable, id: string, visible: Fragment): Promise<RunRow | undefined> {
  return db.get<RunRow>(sql`SELECT ${COLUMNS} FROM ${FROM} WHERE r.id = ${id} AND ${visible}`);
}

/** Filters of the vendor API's run list (docs/http-api.md). */
export interface RunFilters {
  integrationId?: string | undefined;
  configId?: string | undefined;
  flowId?: string | undefined;
  accountId?: string | undefined;
  userId?: string | undefined;
  status?: RunStatus | undefined;
  trigger?: RunTrigger | undefined;
  createdAfter?: string | undefined;
  createdBefore?: string | undefined;
}

/** One page of runs, newest first; `visible` is over alias `i`, `after` the keyset condition over `r.created_at, r.id`. */
export async function listRuns(
  db: Queryable,
  filters: RunFilters,
  visible: Fragment,
  after: Fragment | null,
  limit: number,
): Promise<RunRow[]> {
  const where: Fragment[] = [visible];
  if (filters.integrationId !== undefined) where.push(sql`r.integration_id = ${filters.integrationId}`);
  if (filters.configId !== undefined) where.push(sql`i.config_id = ${filters.configId}`);
  if (filters.flowId !== undefined) where.push(sql`i.flow_id = ${filters.flowId}`);
  if (filters.accountId !== undefined) where.push(sql`i.account_id = ${filters.accountId}`);
  if (filters.userId !== undefined) where.push(sql`u.user_id = ${filters.userId}`);
  if (filters.status !== undefined) where.push(sql`r.status = ${filters.status}`);
  if (filters.trigger !== undefined) where.push(sql`r.trigger = ${filters.trigger}`);
  if (filters.createdAfter !== undefined) where.push(sql`r.created_at >= ${filters.createdAfter}`);
  if (filters.createdBefore !== undefined) where.push(sql`r.created_at < ${filters.createdBefore}`);
  if (after) where.push(after);
  return db.all<RunRow>(sql`SELECT ${COLUMNS} FROM ${FROM} WHERE ${sql.join(where, ' AND ')}
    ORDER BY r.created_at DESC, r.id DESC LIMIT ${limit}`);
}

/** What a cancel request found: canceled at once (it was queued), asked to stop (running), or already over. */
export type CancelOutcome = 'canceled' | 'requested' | 'finished' | 'not_found';

/** Cancels a queued run at once, or asks a running one to stop (its worker sees `cancel_requested_at`). */
export async function requestCancel(db: Queryable, id: string, nowIso: string): Promise<CancelOutcome> {
  return db.tx(async (tx) => {
    const queued = await tx.run(sql`UPDATE runs SET status = 'canceled', error_code = 'canceled', error = 'The run was canceled',
        finished_at = ${nowIso}, cancel_requested_at = ${nowIso} WHERE id = ${id} AND status = 'queued'`);
    if (queued.changes === 1) return 'canceled';
    const running = await tx.run(sql`UPDATE runs SET cancel_requested_at = COALESCE(cancel_requested_at, ${nowIso})
      WHERE id = ${id} AND status = 'running'`);
    if (running.changes === 1) return 'requested';
    const row = await tx.get<{ id: string }>(sql`SELECT id FROM runs WHERE id = ${id}`);
    return row ? 'finished' : 'not_found';
  });
}

/** Which of `ids` were asked to stop. */
export async function listCancelRequested(db: Queryable, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.all<{ id: string }>(
    sql`SELECT id FROM runs WHERE id IN (${sql.list(ids)}) AND cancel_requested_at IS NOT NULL AND status = 'running'`,
  );
  return rows.map((r) => r.id);
}

/** Everything a worker needs to execute a run: the run, its integration, the flow version it runs, the owner. */
export interface RunWorkRow {
  id: string;
  integration_id: string;
  trigger: RunTrigger;
  trigger_payload: string | null;
  attempt: number;
  max_attempts: number;
  cancel_requested_at: string | null;
  created_at: string;
  config_id: string;
  flow_id: string;
  flow_version: number;
  integration_status: 'enabled' | 'disabled';
  inputs: string;
  secret_inputs_enc: string | null;
  account_id: string;
  sharing_level: 'user' | 'account';
  user_id: string;
  user_name: string | null;
  user_email: string | null;
  user_language: string | null;
  account_name: string | null;
  definition: string;
}

/** Loads a run's work: the integration's current flow version (a retry runs the version current now). */
export async function findRunWork(db: Queryable, id: string): Promise<RunWorkRow | undefined> {
  return db.get<RunWorkRow>(sql`SELECT r.id, r.integration_id, r.trigger, r.trigger_payload, r.attempt, r.max_attempts,
      r.cancel_requested_at, r.created_at, i.config_id, i.flow_id, i.flow_version, i.status AS integration_status, i.inputs,
      i.secret_inputs_enc, i.account_id, i.sharing_level, u.user_id, u.name AS user_name, u.email AS user_email,
      u.language AS user_language, u.account_name, fv.definition
    FROM runs r JOIN integrations i ON i.id = r.integration_id JOIN end_users u ON u.id = i.owner_end_user_id
      JOIN flow_versions fv ON fv.flow_id = i.flow_id AND fv.version = i.flow_version
    WHERE r.id = ${id}`);
}

/** The log lines a run holds so far (earlier attempts'), as stored. */
export async function findRunLogs(db: Queryable, id: string): Promise<string | undefined> {
  return (await db.get<{ logs: string }>(sql`SELECT logs FROM runs WHERE id = ${id}`))?.logs;
}

/** Slot → connector auth bindings of an integration (a map with no prototype). */
export async function findRunBindings(db: Queryable, integrationId: string): Promise<Record<string, string>> {
  const rows = await db.all<{ slot_key: string; connector_auth_id: string }>(
    sql`SELECT slot_key, connector_auth_id FROM integration_bindings WHERE integration_id = ${integrationId}`,
  );
  const out: Record<string, string> = Object.create(null);
  for (const row of rows) out[row.slot_key] = row.connector_auth_id;
  return out;
}

/**
 * Records that a leased run started, while the fencing token holds: its first start time, the flow
 * version it runs and that version's attempts (`retry.maxAttempts`, which the executor goes by).
 * Written without waiting for the disk on SQLite (the run's claim and its settle do wait): every
 * process sees it at once, and a power failure can only lose it together with the run's outcome,
 * after which the run is taken up again (attempt + 1) and records its start then. It was one of
 * the three disk flushes each run cost.
 */
export async function markRunStarted(
  db: Queryable,
  id: string,
  fence: number,
  nowIso: string,
  flowVersion: number,
  maxAttempts: number,
): Promise<boolean> {
  const row = await db.getUnsynced<{ id: string }>(sql`UPDATE runs SET started_at = COALESCE(started_at, ${nowIso}),
      flow_version = ${flowVersion}, max_attempts = ${maxAttempts}
    WHERE id = ${id} AND fence = ${fence} AND status = 'running' RETURNING id`);
  return row !== undefined;
}

/** How a run ended. */
export interface RunOutcome {
  status: 'success' | 'error' | 'canceled';
  steps: string;
  logs: string;
  end_user_log: string | null;
  error_code: string | null;
  error: string | null;
  finished_at: string;
}

/** The assignments that finish a run (for the queue's settle). */
export function finishedRunSet(o: RunOutcome): Fragment {
  return sql`status = ${o.status}, steps = ${o.steps}, logs = ${o.logs}, end_user_log = ${o.end_user_log}, error_code = ${o.error_code},
    error = ${o.error}, finished_at = ${o.finished_at}`;
}

/** The assignments that send a failed attempt back to the queue for the next one, due at `notBefore`. */
export function retryRunSet(o: { steps: string; logs: string; error_code: string; error: string; not_before: string }): Fragment {
  return sql`status = 'queued', attempt = attempt + 1, steps = ${o.steps}, logs = ${o.logs}, error_code = ${o.error_code},
    error = ${o.error}, not_before = ${o.not_before}`;
}

/** The assignments that hand a run back unfinished (a worker shutting down): due at once, the same attempt. */
export function releasedRunSet(nowIso: string): Fragment {
  return sql`status = 'queued', not_before = ${nowIso}`;
}

/** Records a finished run as its integration's latest (docs/domain.md: success or error; a canceled run changes nothing). */
export async function recordLatestRun(
  db: Queryable,
  integrationId: string,
  run: { id: string; status: string; at: string },
): Promise<void> {
  await db.run(sql`UPDATE integrations SET latest_run_id = ${run.id}, latest_run_status = ${run.status}, latest_run_at = ${run.at}
    WHERE id = ${integrationId} AND (latest_run_at IS NULL OR latest_run_at <= ${run.at})`);
}

/** Deletes up to `limit` runs finished before `beforeIso`, oldest first; answers how many (retention, in batches). */
export async function purgeFinishedRuns(db: Queryable, beforeIso: string, limit: number): Promise<number> {
  const res = await db.run(sql`DELETE FROM runs WHERE id IN (
    SELECT id FROM runs WHERE finished_at IS NOT NULL AND finished_at < ${beforeIso} ORDER BY finished_at LIMIT ${limit})`);
  return res.changes;
}

/** Integrations whose schedule is due, with their flow version's definition, oldest slot first. */
export interface DueScheduleRow {
  id: string;
  next_run_at: string;
  definition: string;
}

/** Up to `limit` enabled integrations whose `next_run_at` is at or before `nowIso`. */
export async function listDueSchedules(db: Queryable, nowIso: string, limit: number): Promise<DueScheduleRow[]> {
  return db.all<DueScheduleRow>(sql`SELECT i.id, i.next_run_at, fv.definition FROM integrations i
      JOIN flow_versions fv ON fv.flow_id = i.flow_id AND fv.version = i.flow_version
    WHERE i.status = 'enabled' AND i.next_run_at IS NOT NULL AND i.next_run_at <= ${nowIso}
    ORDER BY i.next_run_at, i.id LIMIT ${limit}`);
}

/**
 * Up to `limit` enabled integrations with no slot whose flow version may be scheduled (the text
 * mentions `schedule`; the caller parses it): ones enabled before cron slots were computed on
 * enabling, or written by anything that did not arm them.
 */
export async function listUnarmedSchedules(db: Queryable, limit: number): Promise<{ id: string; definition: string }[]> {
  return db.all<{ id: string; definition: string }>(sql`SELECT i.id, fv.definition FROM integrations i
      JOIN flow_versions fv ON fv.flow_id = i.flow_id AND fv.version = i.flow_version
    WHERE i.status = 'enabled' AND i.next_run_at IS NULL AND fv.definition LIKE '%"schedule"%'
    ORDER BY i.id LIMIT ${limit}`);
}

/** Gives an enabled integration without a slot its first one (compare-and-swap on the missing slot); answers whether it did. */
export async function armSchedule(db: Queryable, id: string, nextIso: string): Promise<boolean> {
  const res = await db.run(sql`UPDATE integrations SET next_run_at = ${nextIso}
    WHERE id = ${id} AND next_run_at IS NULL AND status = 'enabled'`);
  return res.changes === 1;
}

/**
 * Moves an integration's schedule from the slot it was at to the next one (compare-and-swap on
 * the slot, so of several schedulers exactly one takes each slot); answers whether this one did.
 */
export async function advanceSchedule(db: Queryable, id: string, fromIso: string, toIso: string | null): Promise<boolean> {
  const res = await db.run(sql`UPDATE integrations SET next_run_at = ${toIso} WHERE id = ${id} AND next_run_at = ${fromIso}`);
  return res.changes === 1;
}

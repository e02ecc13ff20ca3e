import type { Run, runListQuerySchema } from '@patchbay/shared';
import type { z } from 'zod';
import { assertObjectPermission, integrationVisible, type Permission } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { afterCursor, toPage } from '../../db/keyset.ts';
import { findRun, listRuns, type RunRow, requestCancel } from '../../db/repos/runs.ts';
import { sql } from '../../db/sql.ts';
import { AppError, notFound } from '../../errors.ts';
import type { StepRecord } from '../../runs/record.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { runDurationMs } from '../integrations/forEmbed.ts';
import { endUserLogOf, enqueueRun, stepStatuses } from './runs.ts';

/**
 * Runs in the vendor API and the console (docs/runs.md): members see runs of the groups they may
 * `view`; starting, retrying and cancelling need `run`. A run the caller may not view is 404.
 */

const visible = (p: AdminPrincipal, perm: Permission) => integrationVisible(p, perm, 'i.config_id', 'i.flow_id');

/** A run row as the vendor API answers it. */
export function runView(row: RunRow): Run {
  let records: StepRecord[] = [];
  try {
    const parsed: unknown = JSON.parse(row.steps);
    if (Array.isArray(parsed)) records = parsed as StepRecord[];
  } catch {
    records = [];
  }
  const statuses = stepStatuses(row);
  return {
    id: row.id,
    integrationId: row.integration_id,
    configId: row.config_id,
    flowId: row.flow_id,
    accountId: row.account_id,
    userId: row.owner_user_id,
    trigger: row.trigger,
    status: row.status,
    attempt: row.attempt,
    maxAttempts: row.max_attempts,
    flowVersion: row.flow_version,
    retryOf: row.retry_of,
    errorCode: row.error_code,
    error: row.error,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: runDurationMs(row),
    cancelRequestedAt: row.cancel_requested_at,
    steps: statuses.map((s, i) => ({
      ...s,
      startedAt: records[i]?.startedAt ?? row.created_at,
      requests: (records[i]?.requests ?? []).map((c) => ({
        index: c.index,
        method: c.method,
        path: c.path,
        status: c.status,
        durationMs: c.durationMs,
        responseBytes: c.responseBytes,
        preview: c.preview,
        error: c.error,
      })),
    })),
    endUserLog: endUserLogOf(row),
  };
}

async function findVisibleRun(ctx: AppContext, p: AdminPrincipal, id: string, perm: Permission): Promise<RunRow> {
  const row = await findRun(ctx.db, id, visible(p, 'view'));
  if (!row) throw notFound('Run', id);
  await assertObjectPermission(
    p,
    perm,
    async (q) => (await findRun(ctx.db, id, visible(p, q))) !== undefined,
    () => notFound('Run', id),
  );
  return row;
}

/** `GET /api/v1/runs`: newest first, with the filters of docs/http-api.md. */
export async function listRunsFor(ctx: AppContext, p: AdminPrincipal, query: z.infer<typeof runListQuerySchema>) {
  const rows = await listRuns(ctx.db, query, visible(p, 'view'), afterCursor(query.cursor, 'r.created_at', 'r.id'), query.limit + 1);
  return toPage(rows, query.limit, (r) => ({ t: r.created_at, id: r.id }), runView);
}

/** `GET /api/v1/runs/{id}`. */
export async function getRunFor(ctx: AppContext, p: AdminPrincipal, id: string): Promise<Run> {
  return runView(await findVisibleRun(ctx, p, id, 'view'));
}

/** `POST /api/v1/integrations/{id}/runs`: trigger `admin` (needs `run`); audited `run.started`. */
export async function startAdminRun(
  ctx: AppContext,
  p: AdminPrincipal,
  integrationId: string,
  payload: unknown,
  requestId: string | null = null,
) {
  await assertObjectPermission(
    p,
    'run',
    async (q) =>
      (await ctx.db.get(sql`SELECT 1 AS one FROM integrations i WHERE i.id = ${integrationId} AND ${visible(p, q)}`)) !== undefined,
    () => notFound('Integration', integrationId),
  );
  const seen = await enqueueRun(ctx, integrationId, visible(p, 'run'), 'admin', payload, null, { actor: p, requestId });
  return { run: runView(seen) };
}

/**
 * `POST /api/v1/runs/{id}/retry`: a new run (trigger `retry`) with the same payload on the
 * integration's current flow version; audited `run.retried` on the new run.
 */
export async function retryRunFor(ctx: AppContext, p: AdminPrincipal, id: string, requestId: string | null = null) {
  const row = await findVisibleRun(ctx, p, id, 'run');
  if (row.status === 'queued' || row.status === 'running') throw new AppError('conflict', 'The run has not finished yet; cancel it first');
  const payload = row.trigger_payload === null ? undefined : (JSON.parse(row.trigger_payload) as unknown);
  const run = await enqueueRun(ctx, row.integration_id, visible(p, 'run'), 'retry', payload, row.id, { actor: p, requestId });
  return { run: runView(run) };
}

/** `POST /api/v1/runs/{id}/cancel`: a queued run ends at once, a running one within a second; audited `run.canceled`. */
export async function cancelRunFor(
  ctx: AppContext,
  p: AdminPrincipal,
  id: string,
  worker?: { cancelLocal(id: string): boolean } | null,
  requestId: string | null = null,
) {
  const before = await findVisibleRun(ctx, p, id, 'run');
  const outcome = await inTransaction(ctx, async (txCtx) => {
    const result = await requestCancel(txCtx.db, id, nowIso(txCtx));
    if (result === 'canceled' || result === 'requested') {
      await recordAudit(txCtx, p, {
        action: 'run.canceled',
        objectType: 'run',
        objectId: id,
        configId: before.config_id,
        requestId,
        details: { integrationId: before.integration_id, flowId: before.flow_id, previousStatus: before.status },
      });
    }
    return result;
  });
  if (outcome === 'finished') throw new AppError('conflict', 'The run has already finished');
  if (outcome === 'not_found') throw notFound('Run', id);
  if (outcome === 'requested') worker?.cancelLocal(id);
  const row = await findRun(ctx.db, id, visible(p, 'view'));
  if (!row) throw notFound('Run', id);
  return runView(row);
}

import { type EmbedRunDetail, endUserLogSchema, storedFlowDefinitionSchema } from '@patchbay/shared';
import { integrationUsableBy } from '../../auth/endUserScope.ts';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import { type AppContext, nowIso } from '../../context.ts';
import { newId } from '../../crypto/tokens.ts';
import type { Fragment } from '../../db/repos/leaseQueue.ts';
import { findRun, insertRun, type RunRow, type RunTrigger } from '../../db/repos/runs.ts';
import { sql } from '../../db/sql.ts';
import { AppError, notFound } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { StepRecord } from '../../runs/record.ts';
import { type Actor, recordAudit } from '../audit/recordAudit.ts';
import { runDurationMs, runLogs } from '../integrations/forEmbed.ts';

/**
 * Starting and reading runs (docs/runs.md): every trigger but `schedule` (the scheduler's) enqueues
 * through {@link enqueueRun}; the worker picks the run up. Answers never carry trigger payloads,
 * request or response bodies, or anything a call injected.
 */

/** Who asked for a run a person started (an admin's "Run now" or retry, an end user's "Run now"): audited with the run. */
export interface RunAudit {
  readonly actor: Actor;
  readonly requestId: string | null;
}

/**
 * The run a trigger queued, or why not. With `audit`, the audit event `run.started` (`run.retried`
 * for a retry) is written in the same transaction as the run.
 */
export async function enqueueRun(
  ctx: AppContext,
  integrationId: string,
  visible: Fragment,
  trigger: Exclude<RunTrigger, 'schedule'>,
  payload: unknown,
  retryOf: string | null = null,
  audit?: RunAudit,
): Promise<RunRow> {
  const id = newId('run');
  await ctx.db.tx(async (tx) => {
    const row = await tx.get<{ status: string; config_id: string; flow_id: string; definition: string | null }>(sql`SELECT i.status,
        i.config_id, i.flow_id,
        (SELECT v.definition FROM flow_versions v WHERE v.flow_id = i.flow_id AND v.version = i.flow_version) AS definition
      FROM integrations i WHERE i.id = ${integrationId} AND ${visible}`);
    if (!row) throw notFound('Integration', integrationId);
    if (row.status !== 'enabled') throw new AppError('conflict', 'The integration is disabled; enable it to run it');
    const parsed =
      row.definition === null
        ? null
        : storedFlowDefinitionSchema.safeParse(typeof row.definition === 'string' ? JSON.parse(row.definition) : row.definition);
    const now = nowIso(ctx);
    await insertRun(tx, {
      id,
      integration_id: integrationId,
      trigger,
      trigger_payload: payload === undefined ? null : JSON.stringify(payload),
      max_attempts: parsed?.success ? (parsed.data.retry?.maxAttempts ?? 1) : 1,
      retry_of: retryOf,
      not_before: now,
      created_at: now,
    });
    if (audit) {
      await recordAudit({ ...ctx, db: tx }, audit.actor, {
        action: trigger === 'retry' ? 'run.retried' : 'run.started',
        objectType: 'run',
        objectId: id,
        configId: row.config_id,
        requestId: audit.requestId,
        details: { integrationId, flowId: row.flow_id, trigger, ...(retryOf ? { retryOf } : {}) },
      });
    }
  });
  const run = await findRun(ctx.db, id, sql`1 = 1`);
  if (!run) throw new AppError('server_error', 'The run just queued is gone');
  return run;
}

/** The step statuses of a run (never requests, previews or bodies). */
export function stepStatuses(row: Pick<RunRow, 'steps'>): EmbedRunDetail['steps'] {
  let steps: StepRecord[];
  try {
    steps = JSON.parse(row.steps) as StepRecord[];
  } catch {
    return [];
  }
  if (!Array.isArray(steps)) return [];
  return steps.map((s) => ({
    id: s.id,
    status: s.status,
    attempt: s.attempt,
    durationMs: Math.round(s.durationMs),
    httpStatus: s.requests.at(-1)?.status ?? null,
    calls: s.calls,
    failedCalls: s.failedCalls,
    errorCode: s.error?.code ?? null,
  }));
}

/** A run's end-user log, null until it rendered (or when it no longer has the expected shape). */
export function endUserLogOf(row: Pick<RunRow, 'end_user_log'>): EmbedRunDetail['endUserLog'] {
  if (row.end_user_log === null) return null;
  try {
    const parsed = endUserLogSchema.safeParse(JSON.parse(row.end_user_log));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** A run as the end user sees it in lists. */
export function embedRunView(row: RunRow, log: Logger) {
  return {
    id: row.id,
    trigger: row.trigger,
    status: row.status,
    createdAt: row.created_at,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    durationMs: runDurationMs(row),
    attempt: row.attempt,
    errorCode: row.error_code,
    error: row.error,
    logs: runLogs(row, log),
  };
}

/** `POST /embed/api/integrations/{id}/runs`: the end user's "Run now" (trigger `manual`). */
export async function startEmbedRun(
  ctx: AppContext,
  p: EndUserPrincipal,
  integrationId: string,
  log: Logger,
  requestId: string | null = null,
) {
  const run = await enqueueRun(ctx, integrationId, integrationUsableBy(p), 'manual', undefined, null, { actor: p, requestId });
  return { run: embedRunView(run, log) };
}

/** `GET /embed/api/runs/{id}`: a run of an integration this end user may see; 404 otherwise. */
export async function getEmbedRun(ctx: AppContext, p: EndUserPrincipal, id: string, log: Logger): Promise<EmbedRunDetail> {
  const row = await findRun(ctx.db, id, integrationUsableBy(p));
  if (!row) throw notFound('Run', id);
  return { ...embedRunView(row, log), integrationId: row.integration_id, steps: stepStatuses(row), endUserLog: endUserLogOf(row) };
}

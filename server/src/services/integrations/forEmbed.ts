import {
  type EmbedIntegration,
  type embedIntegrationCreateSchema,
  type embedIntegrationUpdateSchema,
  type pageQuerySchema,
  timestampSchema,
} from '@patchbay/shared';
import { z } from 'zod';
import { integrationUsableBy } from '../../auth/endUserScope.ts';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import { enqueueIntegrationEvent } from '../../callbacks/outbox.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { openJson, sealJson } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';
import { newId } from '../../crypto/tokens.ts';
import { afterCursor, toPage } from '../../db/keyset.ts';
import {
  deleteIntegrationRow,
  findIntegration,
  findIntegrationIdInScope,
  findSealedSecretInputs,
  type IntegrationRow,
  insertIntegrationRow,
  listBindings,
  listIntegrations,
  listRunSummaries,
  type RunSummaryRow,
  replaceBindings,
  setIntegrationStatus,
  touchIntegration,
  updateIntegrationInputs,
} from '../../db/repos/integrations.ts';
import { AppError, type FieldIssue, invalidFields, notFound } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { definitionOfVersion, findOfferedFlow } from '../flows/forEmbed.ts';
import { checkBindings } from './bindings.ts';
import { armTrigger } from './enabling.ts';
import { type CheckedInputs, inputIssues } from './inputs.ts';
import { webhookUrlsOf } from './webhooks.ts';

/**
 * The end user's integrations (`/embed/api/integrations`; docs/domain.md, its sharing levels).
 * Identity comes only from the session; every integration outside {@link integrationUsableBy}
 * answers 404. Password inputs are sealed in `secret_inputs_enc` and never answered.
 * Enabling arms the trigger (`enabling.ts`): the first schedule slot (`everyMinutes` or `cron`)
 * counts from then, and a webhook flow's integration gets its inbound URL (`webhooks.ts`), answered
 * as `webhookUrl` to whoever may see the integration.
 */

type CreateBody = z.infer<typeof embedIntegrationCreateSchema>;
type UpdateBody = z.infer<typeof embedIntegrationUpdateSchema>;
type PageQuery = z.infer<typeof pageQuerySchema>;

const plainInputsSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const secretInputsSchema = z.record(z.string(), z.string());
const latestRunStatusSchema = z.enum(['queued', 'running', 'success', 'error']);
const logEntrySchema = z.object({ at: timestampSchema, level: z.enum(['info', 'warn', 'error']), message: z.string() });

function secretAt(id: string) {
  return secretLocation('integrations', 'secret_inputs_enc', id);
}

/** Seals password inputs bound to the integration's row; null when there are none. */
function sealSecretInputs(ctx: AppContext, id: string, secret: Readonly<Record<string, string>>): string | null {
  return Object.keys(secret).length === 0 ? null : sealJson(ctx.keyring, secretAt(id), secret);
}

/** Opens an integration's stored password inputs (the run executor reads them too). */
export function openSecretInputs(ctx: AppContext, id: string, sealed: string | undefined): Record<string, string> {
  return sealed === undefined ? {} : secretInputsSchema.parse(openJson(ctx.keyring, secretAt(id), sealed));
}

/** Integrations as the end user sees them: password inputs answered as null, listed in `secretInputsSet`. */
async function toEmbedIntegrations(
  ctx: AppContext,
  p: EndUserPrincipal,
  rows: readonly IntegrationRow[],
): Promise<Map<string, EmbedIntegration>> {
  const ids = rows.map((r) => r.id);
  const bindings = await listBindings(ctx.db, ids);
  const sealed = await findSealedSecretInputs(ctx.db, ids);
  const versions = new Map<string, { passwordKeys: string[]; webhook: boolean }>();
  const versionOf = async (row: IntegrationRow) => {
    const versionKey = `${row.flow_id}@${row.flow_version}`;
    let v = versions.get(versionKey);
    if (!v) {
      const def = await definitionOfVersion(ctx, row.flow_id, row.flow_version);
      v = { passwordKeys: def.inputs.filter((i) => i.type === 'password').map((i) => i.key), webhook: def.trigger.type === 'webhook' };
      versions.set(versionKey, v);
    }
    return v;
  };
  const webhookIds: string[] = [];
  for (const row of rows) if ((await versionOf(row)).webhook) webhookIds.push(row.id);
  const webhookUrls = await webhookUrlsOf(ctx, webhookIds);
  const out = new Map<string, EmbedIntegration>();
  for (const row of rows) {
    const keys = (await versionOf(row)).passwordKeys;
    const inputs = plainInputsSchema.parse(JSON.parse(row.inputs));
    for (const key of keys) inputs[key] = null;
    const secretSet = Object.keys(openSecretInputs(ctx, row.id, sealed.get(row.id))).filter((k) => keys.includes(k));
    out.set(row.id, {
      id: row.id,
      flowId: row.flow_id,
      flowVersion: row.flow_version,
      status: row.status,
      disabledBy: row.disabled_by,
      bindings: bindings.get(row.id) ?? {},
      inputs,
      secretInputsSet: secretSet.sort(),
      webhookUrl: webhookUrls.get(row.id) ?? null,
      nextRunAt: row.next_run_at,
      latestRun:
        row.latest_run_id && row.latest_run_at
          ? { id: row.latest_run_id, status: latestRunStatusSchema.parse(row.latest_run_status), at: row.latest_run_at }
          : null,
      ownedByMe: row.owner_end_user_id === p.endUserId,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
  }
  return out;
}

async function toEmbedIntegration(ctx: AppContext, p: EndUserPrincipal, row: IntegrationRow): Promise<EmbedIntegration> {
  return (await toEmbedIntegrations(ctx, p, [row])).get(row.id) as EmbedIntegration;
}

/** The integration if this end user may see and change it; 404 otherwise (never 403). */
async function findUsable(ctx: AppContext, p: EndUserPrincipal, id: string): Promise<IntegrationRow> {
  const row = await findIntegration(ctx.db, id, integrationUsableBy(p));
  if (!row) throw notFound('Integration', id);
  return row;
}

/** `GET /embed/api/integrations`: the integrations this end user may see, newest first. */
export async function listEmbedIntegrations(ctx: AppContext, p: EndUserPrincipal, query: PageQuery) {
  const rows = await listIntegrations(
    ctx.db,
    {},
    integrationUsableBy(p),
    afterCursor(query.cursor, 'i.created_at', 'i.id'),
    query.limit + 1,
  );
  const items = await toEmbedIntegrations(ctx, p, rows.slice(0, query.limit));
  return toPage(
    rows,
    query.limit,
    (r) => ({ t: r.created_at, id: r.id }),
    (r) => items.get(r.id) as EmbedIntegration,
  );
}

function sameBindings(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function conflictWith(existingId: string): AppError {
  return new AppError('conflict', 'This flow is already enabled here; edit the existing integration instead', {
    integrationId: existingId,
  });
}

/**
 * `POST /embed/api/integrations`: enables a flow offered by the configuration (else 404) for the
 * caller, or for the caller's account at account level. One per scope and flow: a second answers
 * 409 `conflict` with `details.integrationId`. Bindings and inputs are checked together so every
 * problem is reported at once.
 */
export async function createEmbedIntegration(
  ctx: AppContext,
  p: EndUserPrincipal,
  body: CreateBody,
  requestId: string,
): Promise<EmbedIntegration> {
  const scope = {
    configId: p.configId,
    accountId: p.embedAccountId,
    scopeUserId: p.sharingLevel === 'account' ? '' : p.endUserId,
    flowId: body.flowId,
  };
  const id = newId('int');
  return inTransaction(ctx, async (txCtx) => {
    const offered = await findOfferedFlow(txCtx, p.configId, body.flowId);
    if (!offered) throw notFound('Flow', body.flowId);
    const existing = await findIntegrationIdInScope(txCtx.db, scope);
    if (existing) throw conflictWith(existing);
    const { def, row: flow } = offered;
    const bound = await checkBindings(txCtx, p, def, body.bindings);
    const inputs = inputIssues(def.inputs, body.inputs, { where: 'body.inputs' });
    const issues = [...bound.issues, ...inputs.issues];
    if (issues.length > 0) throw invalidFields(issues);
    const now = nowIso(txCtx);
    await insertIntegrationRow(txCtx.db, {
      id,
      config_id: p.configId,
      flow_id: flow.id,
      flow_version: flow.current_version,
      owner_end_user_id: p.endUserId,
      account_id: p.embedAccountId,
      sharing_level: p.sharingLevel,
      scope_user_id: scope.scopeUserId,
      inputs: JSON.stringify(inputs.checked.plain),
      secret_inputs_enc: sealSecretInputs(txCtx, id, inputs.checked.secret),
      next_run_at: null,
      created_at: now,
    });
    await armTrigger(txCtx, id, def);
    await replaceBindings(txCtx.db, id, bound.bindings);
    await recordAudit(txCtx, p, {
      action: 'integration.enabled',
      objectType: 'integration',
      objectId: id,
      configId: p.configId,
      requestId,
      details: {
        flowId: flow.id,
        flowVersion: flow.current_version,
        sharingLevel: p.sharingLevel,
        bindings: bound.bindings,
        created: true,
      },
    });
    await enqueueIntegrationEvent(txCtx, 'integration.enabled', id);
    return toEmbedIntegration(txCtx, p, await findUsable(txCtx, p, id));
  });
}

/**
 * `PATCH /embed/api/integrations/{id}`: new bindings (merged over the current ones, each checked),
 * new input values (the whole form again; password inputs left out keep their value), then
 * disable/enable. Checked against the integration's own flow version. An integration an
 * administrator disabled cannot be re-enabled from the iframe (409).
 */
export async function updateEmbedIntegration(
  ctx: AppContext,
  p: EndUserPrincipal,
  id: string,
  body: UpdateBody,
  requestId: string,
): Promise<EmbedIntegration> {
  return inTransaction(ctx, async (txCtx) => {
    const before = await findUsable(txCtx, p, id);
    const def = await definitionOfVersion(txCtx, before.flow_id, before.flow_version);
    const now = nowIso(txCtx);
    const currentBindings = (await listBindings(txCtx.db, [id])).get(id) ?? {};
    const enabling = body.status === 'enabled' && before.status !== 'enabled';
    const changed: string[] = [];
    const issues: FieldIssue[] = [];
    let bindings: Record<string, string> | undefined;
    if (body.bindings !== undefined || enabling) {
      const bound = await checkBindings(txCtx, p, def, body.bindings ?? {}, currentBindings);
      issues.push(...bound.issues);
      bindings = bound.bindings;
    }
    let inputs: CheckedInputs | undefined;
    if (body.inputs !== undefined) {
      const stored = openSecretInputs(txCtx, id, (await findSealedSecretInputs(txCtx.db, [id])).get(id));
      const checked = inputIssues(def.inputs, body.inputs, { where: 'body.inputs', storedSecrets: stored });
      issues.push(...checked.issues);
      inputs = checked.checked;
    }
    if (issues.length > 0) throw invalidFields(issues);
    if (enabling && before.disabled_by === 'admin') {
      throw new AppError('forbidden', 'An administrator disabled this integration; only an administrator can enable it again');
    }
    if (body.bindings !== undefined && bindings && !sameBindings(bindings, currentBindings)) {
      await replaceBindings(txCtx.db, id, bindings);
      changed.push('bindings');
    }
    if (inputs) {
      await updateIntegrationInputs(txCtx.db, id, JSON.stringify(inputs.plain), sealSecretInputs(txCtx, id, inputs.secret), now);
      changed.push('inputs');
    }
    if (changed.length > 0) {
      await touchIntegration(txCtx.db, id, now);
      await recordAudit(txCtx, p, {
        action: 'integration.updated',
        objectType: 'integration',
        objectId: id,
        configId: p.configId,
        requestId,
        details: {
          flowId: before.flow_id,
          changed,
          ...(changed.includes('bindings') ? { bindings } : {}),
          ...(inputs ? { inputKeys: Object.keys(inputs.plain).sort() } : {}),
        },
      });
      await enqueueIntegrationEvent(txCtx, 'integration.updated', id);
    }
    if (body.status !== undefined && body.status !== before.status) {
      await setIntegrationStatus(txCtx.db, id, body.status, 'user', now);
      if (enabling) await armTrigger(txCtx, id, def);
      await recordAudit(txCtx, p, {
        action: enabling ? 'integration.enabled' : 'integration.disabled',
        objectType: 'integration',
        objectId: id,
        configId: p.configId,
        requestId,
        details: { flowId: before.flow_id, previousStatus: before.status, previousDisabledBy: before.disabled_by },
      });
      await enqueueIntegrationEvent(txCtx, enabling ? 'integration.enabled' : 'integration.disabled', id);
    }
    return toEmbedIntegration(txCtx, p, await findUsable(txCtx, p, id));
  });
}

/** `DELETE /embed/api/integrations/{id}`: bindings and runs go with it. */
export async function deleteEmbedIntegration(ctx: AppContext, p: EndUserPrincipal, id: string, requestId: string): Promise<void> {
  await inTransaction(ctx, async (txCtx) => {
    const row = await findUsable(txCtx, p, id);
    await enqueueIntegrationEvent(txCtx, 'integration.deleted', id);
    await deleteIntegrationRow(txCtx.db, id);
    await recordAudit(txCtx, p, {
      action: 'integration.deleted',
      objectType: 'integration',
      objectId: id,
      configId: p.configId,
      requestId,
      details: { flowId: row.flow_id, sharingLevel: row.sharing_level, ownerEndUserId: row.owner_end_user_id, status: row.status },
    });
  });
}

/** The end-user log records of a run; records that do not have the expected shape are left out (and logged). */
export function runLogs(row: RunSummaryRow, log: Logger): z.infer<typeof logEntrySchema>[] {
  let raw: unknown;
  try {
    raw = JSON.parse(row.logs);
  } catch {
    raw = null;
  }
  if (!Array.isArray(raw)) {
    log.warn('run logs are not a list', { runId: row.id });
    return [];
  }
  const out: z.infer<typeof logEntrySchema>[] = [];
  let dropped = 0;
  for (const entry of raw) {
    const parsed = logEntrySchema.safeParse(entry);
    if (parsed.success) out.push(parsed.data);
    else dropped++;
  }
  if (dropped > 0) log.warn('run log records left out', { runId: row.id, dropped });
  return out;
}

/** Milliseconds from start to finish, null until the run finished. */
export function runDurationMs(r: { started_at: string | null; finished_at: string | null }): number | null {
  if (r.started_at === null || r.finished_at === null) return null;
  return Math.max(0, Date.parse(r.finished_at) - Date.parse(r.started_at));
}

/** `GET /embed/api/integrations/{id}/runs`: newest first; never trigger payloads or step details. */
export async function listEmbedRuns(ctx: AppContext, p: EndUserPrincipal, id: string, query: PageQuery, log: Logger) {
  await findUsable(ctx, p, id);
  const rows = await listRunSummaries(ctx.db, id, afterCursor(query.cursor, 'r.created_at', 'r.id'), query.limit + 1);
  return toPage(
    rows,
    query.limit,
    (r) => ({ t: r.created_at, id: r.id }),
    (r) => ({
      id: r.id,
      trigger: r.trigger,
      status: r.status,
      createdAt: r.created_at,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
      durationMs: runDurationMs(r),
      attempt: r.attempt,
      errorCode: r.error_code,
      error: r.error,
      logs: runLogs(r, log),
    }),
  );
}

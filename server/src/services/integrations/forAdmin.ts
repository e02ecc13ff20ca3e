import type { Integration, integrationListQuerySchema } from '@patchbay/shared';
import { z } from 'zod';
import { assertObjectPermission, integrationVisible } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { enqueueIntegrationEvent } from '../../callbacks/outbox.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { afterCursor, toPage } from '../../db/keyset.ts';
import { findFlowVersion } from '../../db/repos/flows.ts';
import {
  findIntegration,
  type IntegrationRow,
  isIntegrationVisible,
  listBindings,
  listIntegrations,
  setIntegrationStatus,
} from '../../db/repos/integrations.ts';
import { AppError, notFound } from '../../errors.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { definitionOfVersion } from '../flows/forEmbed.ts';
import { armTrigger } from './enabling.ts';
import { rotateWebhookToken, webhookUrlsOf } from './webhooks.ts';

const inputsSchema = z.record(z.string(), z.unknown());
const latestRunStatusSchema = z.enum(['queued', 'running', 'success', 'error']);
// Only what is needed to find password inputs; the flow area owns the full definition schema.
const definitionInputsSchema = z
  .object({
    inputs: z.array(z.object({ key: z.string(), type: z.string() }).loose()).optional(),
    trigger: z.object({ type: z.string() }).loose().optional(),
  })
  .loose();

/** What the answers need of a flow version: its password inputs' keys and whether it is triggered by webhook. */
interface VersionFacts {
  readonly passwordKeys: Set<string>;
  readonly webhook: boolean;
}

/** Facts of each (flow, version): password inputs are never answered even if stored in the clear by mistake. */
async function versionFacts(ctx: AppContext, rows: readonly IntegrationRow[]): Promise<Map<string, VersionFacts>> {
  const out = new Map<string, VersionFacts>();
  for (const row of rows) {
    const key = `${row.flow_id}@${row.flow_version}`;
    if (out.has(key)) continue;
    const def = await findFlowVersion(ctx.db, row.flow_id, row.flow_version);
    const parsed = def ? definitionInputsSchema.safeParse(JSON.parse(def.definition)) : undefined;
    out.set(key, {
      passwordKeys: new Set((parsed?.success ? (parsed.data.inputs ?? []) : []).filter((i) => i.type === 'password').map((i) => i.key)),
      webhook: parsed?.success === true && parsed.data.trigger?.type === 'webhook',
    });
  }
  return out;
}

async function toIntegrations(ctx: AppContext, rows: readonly IntegrationRow[]): Promise<Map<string, Integration>> {
  const bindings = await listBindings(
    ctx.db,
    rows.map((r) => r.id),
  );
  const facts = await versionFacts(ctx, rows);
  const factsOf = (row: IntegrationRow) => facts.get(`${row.flow_id}@${row.flow_version}`);
  const webhookUrls = await webhookUrlsOf(
    ctx,
    rows.filter((r) => factsOf(r)?.webhook).map((r) => r.id),
  );
  const out = new Map<string, Integration>();
  for (const row of rows) {
    const inputs = inputsSchema.parse(JSON.parse(row.inputs));
    for (const key of factsOf(row)?.passwordKeys ?? []) delete inputs[key];
    out.set(row.id, {
      id: row.id,
      flowId: row.flow_id,
      flowVersion: row.flow_version,
      configId: row.config_id,
      userId: row.owner_user_id,
      accountId: row.account_id,
      sharingLevel: row.sharing_level,
      status: row.status,
      disabledBy: row.disabled_by,
      bindings: bindings.get(row.id) ?? {},
      inputs,
      webhookUrl: webhookUrls.get(row.id) ?? null,
      nextRunAt: row.next_run_at,
      latestRun:
        row.latest_run_id && row.latest_run_at
          ? { id: row.latest_run_id, status: latestRunStatusSchema.parse(row.latest_run_status), at: row.latest_run_at }
          : null,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    });
  }
  return out;
}

/** The vendor API's integration list: filters, cursor pagination, and a member's view permission. */
export async function listIntegrationsFor(ctx: AppContext, p: AdminPrincipal, query: z.infer<typeof integrationListQuerySchema>) {
  const rows = await listIntegrations(
    ctx.db,
    query,
    integrationVisible(p, 'view', 'i.config_id', 'i.flow_id'),
    afterCursor(query.cursor, 'i.created_at', 'i.id'),
    query.limit + 1,
  );
  const items = await toIntegrations(ctx, rows.slice(0, query.limit));
  return toPage(
    rows,
    query.limit,
    (r) => ({ t: r.created_at, id: r.id }),
    (r) => items.get(r.id) as Integration,
  );
}

async function findVisible(ctx: AppContext, p: AdminPrincipal, id: string): Promise<IntegrationRow> {
  const row = await findIntegration(ctx.db, id, integrationVisible(p, 'view', 'i.config_id', 'i.flow_id'));
  if (!row) throw notFound('Integration', id);
  return row;
}

/** One integration; one the caller may not view is `404`. */
export async function getIntegrationFor(ctx: AppContext, p: AdminPrincipal, id: string): Promise<Integration> {
  const row = await findVisible(ctx, p, id);
  return (await toIntegrations(ctx, [row])).get(row.id) as Integration;
}

/**
 * An admin disables or enables an integration (needs `manage` on its group). Disabling records
 * `disabledBy: 'admin'` (also over an end user's disable, so the end user cannot undo it); asking for
 * the status it already has otherwise changes nothing and writes no audit event.
 */
export async function setIntegrationEnabledByAdmin(
  ctx: AppContext,
  p: AdminPrincipal,
  id: string,
  enabled: boolean,
  requestId: string,
): Promise<Integration> {
  const row = await inTransaction(ctx, async (txCtx) => {
    const before = await findVisible(txCtx, p, id);
    await assertObjectPermission(
      p,
      'manage',
      (perm) => isIntegrationVisible(txCtx.db, id, integrationVisible(p, perm, 'i.config_id', 'i.flow_id')),
      () => notFound('Integration', id),
    );
    const status = enabled ? 'enabled' : 'disabled';
    // A repeat is a no-op, except that an admin's disable takes over one the end user made.
    if (before.status === status && (enabled || before.disabled_by === 'admin')) return before;
    await setIntegrationStatus(txCtx.db, id, status, 'admin', nowIso(txCtx));
    if (enabled) await armTrigger(txCtx, id, await definitionOfVersion(txCtx, before.flow_id, before.flow_version));
    await recordAudit(txCtx, p, {
      action: enabled ? 'integration.enabled' : 'integration.disabled',
      objectType: 'integration',
      objectId: id,
      configId: before.config_id,
      requestId,
      details: { flowId: before.flow_id, previousStatus: before.status, previousDisabledBy: before.disabled_by },
    });
    await enqueueIntegrationEvent(txCtx, enabled ? 'integration.enabled' : 'integration.disabled', id);
    return findVisible(txCtx, p, id);
  });
  return (await toIntegrations(ctx, [row])).get(row.id) as Integration;
}

/**
 * `POST /api/v1/integrations/{id}/rotate-webhook`: a new inbound URL for an integration of a webhook
 * flow (needs `manage` on its group: the sender must be told the new URL); the old URL answers 404
 * from this moment. An integration whose flow version has no webhook trigger answers 409 `conflict`.
 */
export async function rotateWebhookFor(ctx: AppContext, p: AdminPrincipal, id: string, requestId: string): Promise<{ webhookUrl: string }> {
  return inTransaction(ctx, async (txCtx) => {
    const before = await findVisible(txCtx, p, id);
    await assertObjectPermission(
      p,
      'manage',
      (perm) => isIntegrationVisible(txCtx.db, id, integrationVisible(p, perm, 'i.config_id', 'i.flow_id')),
      () => notFound('Integration', id),
    );
    const def = await definitionOfVersion(txCtx, before.flow_id, before.flow_version);
    if (def.trigger.type !== 'webhook') {
      throw new AppError('conflict', 'This integration is not triggered by webhook, so it has no webhook URL');
    }
    const webhookUrl = await rotateWebhookToken(txCtx, id);
    await recordAudit(txCtx, p, {
      action: 'integration.webhook_rotated',
      objectType: 'integration',
      objectId: id,
      configId: before.config_id,
      requestId,
      details: { flowId: before.flow_id },
    });
    return { webhookUrl };
  });
}

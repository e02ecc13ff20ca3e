import type { Flow, FlowCreate, FlowDefinition, FlowUpdate, FlowVersion } from '@patchbay/shared';
import {
  assertObjectPermission,
  configVisible,
  flowVisible,
  integrationVisible,
  type Permission,
  requireAdminRole,
} from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { newId } from '../../crypto/tokens.ts';
import { afterCursor, decodeCursor, toPage } from '../../db/keyset.ts';
import { existingConnectorIds } from '../../db/repos/connectors.ts';
import {
  deleteFlow,
  type FlowVersionRow,
  type FlowWithDefinitionRow,
  findFlow,
  findFlowVersion,
  flowReferences,
  flowUsedOutside,
  insertFlow,
  insertFlowVersion,
  isFlowVisible,
  listFlows,
  listFlowVersions,
  moveIntegrationsToVersion,
  setCurrentVersion,
  updateFlowMeta,
  vendorAuthConnectors,
} from '../../db/repos/flows.ts';
import { AppError, invalidFields, notFound } from '../../errors.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { patternIssues } from './inputPatterns.ts';
import { parseTemplates } from './templates.ts';

/** A problem found in a definition, its path relative to the definition. */
interface DefinitionIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Who is acting and under which request, for the audit trail. */
export interface Acting {
  readonly principal: AdminPrincipal;
  readonly requestId: string;
}

/**
 * Checks what the zod schema cannot: slot connectors exist, and a pre-filled auth is a
 * vendor-owned auth (made through the vendor API or from an embed token) of a configuration the
 * caller may `manage` (owners and admins: any), of the slot's connector. Any other auth id is
 * answered exactly as an unknown one, so ids of end users' or other configurations' auths cannot
 * be probed.
 */
async function referenceIssues(ctx: AppContext, p: AdminPrincipal, definition: FlowDefinition): Promise<DefinitionIssue[]> {
  const issues: DefinitionIssue[] = [];
  const connectors = await existingConnectorIds(ctx.db, [...new Set(definition.slots.map((s) => s.connectorId))]);
  const authIds = definition.slots.flatMap((s) => (s.connectorAuthId ? [s.connectorAuthId] : []));
  const auths = await vendorAuthConnectors(ctx.db, [...new Set(authIds)], configVisible(p, 'manage', 'ca.config_id'));
  definition.slots.forEach((slot, i) => {
    if (!connectors.has(slot.connectorId)) {
      issues.push({ path: ['slots', i, 'connectorId'], message: `unknown connector "${slot.connectorId}"` });
    }
    if (slot.connectorAuthId === undefined) return;
    const authConnector = auths.get(slot.connectorAuthId);
    if (authConnector === undefined) {
      issues.push({ path: ['slots', i, 'connectorAuthId'], message: `unknown connector auth "${slot.connectorAuthId}"` });
    } else if (authConnector !== slot.connectorId) {
      issues.push({
        path: ['slots', i, 'connectorAuthId'],
        message: `connector auth "${slot.connectorAuthId}" belongs to connector "${authConnector}", not "${slot.connectorId}"`,
      });
    }
  });
  return issues;
}

/**
 * Validates a parsed definition beyond its schema (connectors, connector auths the caller may
 * pre-fill, Liquid templates, input patterns RE2 can run) and throws `400 validation_failed` naming
 * each field under `where` (`body` or `body.definition`).
 */
export async function assertDefinitionValid(ctx: AppContext, p: AdminPrincipal, definition: FlowDefinition, where: string): Promise<void> {
  const issues = [...(await referenceIssues(ctx, p, definition)), ...parseTemplates(definition), ...patternIssues(definition)];
  if (issues.length === 0) return;
  throw invalidFields(issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message })));
}

function toFlow(row: FlowWithDefinitionRow): Flow {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    icon: row.icon,
    version: row.current_version,
    definition: JSON.parse(row.definition) as unknown,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toVersion(row: FlowVersionRow): FlowVersion {
  return { flowId: row.flow_id, version: row.version, definition: JSON.parse(row.definition) as unknown, createdAt: row.created_at };
}

/**
 * Loads a flow the caller may act on: `404` when it does not exist or the caller may not view it,
 * `403` when a member may view it but lacks `perm`.
 */
async function loadFlow(ctx: AppContext, p: AdminPrincipal, id: string, perm: Permission): Promise<FlowWithDefinitionRow> {
  const row = await findFlow(ctx.db, id);
  const hide = () => notFound('Flow', id);
  if (!row) throw hide();
  await assertObjectPermission(p, perm, (q) => isFlowVisible(ctx.db, id, flowVisible(p, q, 'f.id')), hide);
  return row;
}

/**
 * A flow is global, but what a member may change ends at their configurations: a member may
 * rename a flow or publish a version of it (pushed or not) only while every configuration that
 * offers it, or still has integrations of it, lets them `manage` it there (a group of that
 * configuration offering the flow where they hold `manage`). Otherwise `403 forbidden`, without
 * naming the other configurations; owners and admins are not limited.
 */
async function assertConfinedToMember(ctx: AppContext, p: AdminPrincipal, id: string): Promise<void> {
  if (p.role !== 'member') return;
  if (await flowUsedOutside(ctx.db, id, integrationVisible(p, 'manage', 'u.config_id', 'u.flow_id'))) {
    throw new AppError(
      'forbidden',
      'This flow is also used by embed configurations where you lack the "manage" permission; only owners and admins can change it',
    );
  }
}

function definitionOf(body: FlowCreate): FlowDefinition {
  const { slots, inputs, trigger, steps, retry, endUserLog } = body;
  return { slots, inputs, trigger, steps, ...(retry === undefined ? {} : { retry }), ...(endUserLog === undefined ? {} : { endUserLog }) };
}

/** Creates a flow with version 1 (owners and admins only). */
export async function createFlow(ctx: AppContext, acting: Acting, body: FlowCreate): Promise<Flow> {
  requireAdminRole(acting.principal, 'create flows');
  const definition = definitionOf(body);
  await assertDefinitionValid(ctx, acting.principal, definition, 'body');
  const id = newId('flow');
  const now = nowIso(ctx);
  return inTransaction(ctx, async (txCtx) => {
    await insertFlow(txCtx.db, {
      id,
      name: body.name,
      description: body.description ?? null,
      icon: body.icon ?? null,
      current_version: 1,
      created_at: now,
      updated_at: now,
    });
    await insertFlowVersion(txCtx.db, { flow_id: id, version: 1, definition: JSON.stringify(definition), created_at: now });
    await recordFlowAudit(txCtx, acting, 'flow.created', id, { name: body.name, version: 1 });
    return toFlow((await findFlow(txCtx.db, id)) as FlowWithDefinitionRow);
  });
}

/** One page of the flows the caller may view, newest first. */
export async function listFlowsFor(ctx: AppContext, p: AdminPrincipal, page: { cursor?: string | undefined; limit: number }) {
  const conditions = [flowVisible(p, 'view', 'f.id')];
  const after = afterCursor(page.cursor, 'f.created_at', 'f.id');
  if (after) conditions.push(after);
  const rows = await listFlows(ctx.db, conditions, page.limit);
  return toPage(rows, page.limit, (r) => ({ t: r.created_at, id: r.id }), toFlow);
}

/** One flow the caller may view. */
export async function getFlow(ctx: AppContext, p: AdminPrincipal, id: string): Promise<Flow> {
  return toFlow(await loadFlow(ctx, p, id, 'view'));
}

/** Changes a flow's metadata (members: `manage`, and no configuration outside their reach uses the flow). */
export async function updateFlow(ctx: AppContext, acting: Acting, id: string, patch: FlowUpdate): Promise<Flow> {
  return inTransaction(ctx, async (txCtx) => {
    await loadFlow(txCtx, acting.principal, id, 'manage');
    await assertConfinedToMember(txCtx, acting.principal, id);
    await updateFlowMeta(txCtx.db, id, patch, nowIso(txCtx));
    await recordFlowAudit(txCtx, acting, 'flow.updated', id, { fields: Object.keys(patch) });
    return toFlow((await findFlow(txCtx.db, id)) as FlowWithDefinitionRow);
  });
}

/**
 * Publishes a new version (current + 1; members need `manage`, and no configuration outside their
 * reach may use the flow); with `push`, every integration of the flow moves to it in the same
 * transaction.
 */
export async function createFlowVersion(
  ctx: AppContext,
  acting: Acting,
  id: string,
  body: { definition: FlowDefinition; pushToIntegrations: boolean },
): Promise<FlowVersion & { movedIntegrations: number }> {
  await loadFlow(ctx, acting.principal, id, 'manage');
  await assertConfinedToMember(ctx, acting.principal, id);
  await assertDefinitionValid(ctx, acting.principal, body.definition, 'body.definition');
  return inTransaction(ctx, async (txCtx) => {
    const flow = await loadFlow(txCtx, acting.principal, id, 'manage');
    await assertConfinedToMember(txCtx, acting.principal, id);
    const version = flow.current_version + 1;
    const now = nowIso(txCtx);
    await insertFlowVersion(txCtx.db, { flow_id: id, version, definition: JSON.stringify(body.definition), created_at: now });
    await setCurrentVersion(txCtx.db, id, version, now);
    const movedIntegrations = body.pushToIntegrations ? await moveIntegrationsToVersion(txCtx.db, id, version, now) : 0;
    await recordFlowAudit(txCtx, acting, 'flow.version_created', id, {
      version,
      pushToIntegrations: body.pushToIntegrations,
      movedIntegrations,
    });
    return { ...toVersion((await findFlowVersion(txCtx.db, id, version)) as FlowVersionRow), movedIntegrations };
  });
}

/** One page of a flow's versions, newest first. */
export async function listVersionsFor(
  ctx: AppContext,
  p: AdminPrincipal,
  id: string,
  page: { cursor?: string | undefined; limit: number },
) {
  await loadFlow(ctx, p, id, 'view');
  let before: number | undefined;
  if (page.cursor !== undefined) {
    before = Number(decodeCursor(page.cursor).id);
    if (!Number.isSafeInteger(before) || before < 1) {
      throw new AppError('bad_request', 'The cursor is malformed; pass back `nextCursor` as given', {
        issues: [{ path: 'query.cursor', message: 'malformed cursor' }],
      });
    }
  }
  const rows = await listFlowVersions(ctx.db, id, before, page.limit);
  return toPage(rows, page.limit, (r) => ({ t: r.created_at, id: String(r.version) }), toVersion);
}

/** One version of a flow the caller may view. */
export async function getVersionFor(ctx: AppContext, p: AdminPrincipal, id: string, version: number): Promise<FlowVersion> {
  await loadFlow(ctx, p, id, 'view');
  const row = await findFlowVersion(ctx.db, id, version);
  if (!row) throw notFound(`Version ${version} of flow`, id);
  return toVersion(row);
}

/**
 * Deletes a flow and its versions (owners and admins). A flow used by integrations or offered in
 * configuration groups answers `409 in_use` listing them.
 */
export async function deleteFlowById(ctx: AppContext, acting: Acting, id: string): Promise<void> {
  await inTransaction(ctx, async (txCtx) => {
    const flow = await loadFlow(txCtx, acting.principal, id, 'view');
    requireAdminRole(acting.principal, 'delete flows');
    const refs = await flowReferences(txCtx.db, id);
    if (refs.integrationCount > 0 || refs.groups.length > 0) {
      throw new AppError(
        'in_use',
        `Flow "${id}" is used by ${refs.integrationCount} integration(s) and ${refs.groups.length} configuration group(s); remove them first`,
        refs,
      );
    }
    await deleteFlow(txCtx.db, id);
    await recordFlowAudit(txCtx, acting, 'flow.deleted', id, { name: flow.name, version: flow.current_version });
  });
}

async function recordFlowAudit(
  ctx: AppContext,
  acting: Acting,
  action: string,
  id: string,
  details: Record<string, unknown>,
): Promise<void> {
  await recordAudit(ctx, acting.principal, { action, objectType: 'flow', objectId: id, details, requestId: acting.requestId });
}

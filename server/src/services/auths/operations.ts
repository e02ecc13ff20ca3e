import type { ConnectorAuthReference } from '@patchbay/shared';
import { enqueueConnectorAuthEvent, enqueueIntegrationEvent } from '../../callbacks/outbox.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import {
  authHoldsCredentials,
  type ConnectorAuthRow,
  connectorAuthExists,
  deleteConnectorAuthWithBindings,
  disableAuth,
  enableAuth,
  findSealedCredentials,
  listAuthReferences,
  renameConnectorAuth,
  revokeAuthCredentials,
  setAuthStatus,
} from '../../db/repos/connectorAuths.ts';
import { type ConnectorRow, findConnector } from '../../db/repos/connectors.ts';
import { setIntegrationStatus } from '../../db/repos/integrations.ts';
import { AppError, notFound } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { type Actor, recordAudit } from '../audit/recordAudit.ts';
import { type Credentials, openCredentials, sealCredentials } from '../connectors/credentials.ts';
import { revokeAtProvider } from '../providers/revoke.ts';
import { validateCredentials } from '../providers/validation.ts';
import type { RemoteAccount } from './remoteAccount.ts';
import { writeCredentials } from './store.ts';

/**
 * Operations on one connector auth shared by the end-user API and the vendor API (docs/domain.md):
 * rename, reconnect with new credentials, disable/enable, revoke, delete with references. The
 * caller has already found the row through its own visibility rule (404 otherwise) and checked
 * permissions. Each change writes its audit event in the same transaction; credential values never
 * reach an audit detail, a log line or an answer.
 */

/** Who acts, and how a forced delete marks the integrations it disables. */
export interface OpContext {
  readonly actor: Actor;
  readonly requestId: string | null;
  readonly log: Logger;
  /** `user` for end users, `admin` for the vendor API: recorded as who disabled an auth; only `admin` undoes an admin's disable. */
  readonly disabledBy: 'user' | 'admin';
}

/** The connector of an auth (it exists: connector_auths.connector_id is a restricting foreign key). */
export async function connectorOf(ctx: AppContext, row: Pick<ConnectorAuthRow, 'connector_id'>): Promise<ConnectorRow> {
  const connector = await findConnector(ctx.db, row.connector_id);
  if (!connector) throw new AppError('server_error', 'The connector of this auth is missing');
  return connector;
}

/** Checks credentials with the connector's validation request; wrong ones are `422 unprocessable` with a readable message. */
export async function assertCredentialsValid(
  ctx: AppContext,
  connector: ConnectorRow,
  credentials: Credentials,
): Promise<RemoteAccount | null> {
  const result = await validateCredentials(ctx, connector, credentials);
  if (!result.ok) {
    throw new AppError('unprocessable', result.message, result.status === null ? undefined : { upstreamStatus: result.status });
  }
  return result.account ?? null;
}

/** The stored credentials of an auth, or null when it holds none. */
export async function readCredentials(ctx: AppContext, authId: string): Promise<Credentials | null> {
  const sealed = await findSealedCredentials(ctx.db, authId);
  return sealed ? openCredentials(ctx, authId, sealed) : null;
}

/**
 * The integrations of the auth's own configuration whose slots are bound to it (at most `cap`),
 * with their flows' names. Another configuration's integration is never listed, whatever binds it
 * (flows are shared between configurations; before pre-fills were confined, one could bind another
 * configuration's auth).
 */
export async function findAuthReferences(
  ctx: AppContext,
  row: Pick<ConnectorAuthRow, 'id' | 'config_id'>,
  cap = 100,
): Promise<(ConnectorAuthReference & { status: string })[]> {
  return (await listAuthReferences(ctx.db, row.id, row.config_id, cap)).map((r) => ({
    integrationId: r.integration_id,
    flowId: r.flow_id,
    ...(r.flow_name === null ? {} : { name: r.flow_name }),
    status: r.status,
  }));
}

async function audit(
  ctx: AppContext,
  op: OpContext,
  row: ConnectorAuthRow,
  action: string,
  details: Record<string, unknown> = {},
): Promise<void> {
  await recordAudit(ctx, op.actor, {
    action: `connector_auth.${action}`,
    objectType: 'connector_auth',
    objectId: row.id,
    configId: row.config_id,
    requestId: op.requestId,
    details: { connectorId: row.connector_id, ...details },
  });
  // the vendor's backend hears of every change but the delete (enqueued before the row goes)
  if (action === 'deleted') return;
  if (action === 'reconnected' && row.status === 'needs_reauth') {
    await enqueueConnectorAuthEvent(ctx, 'connectorAuth.recovered', row.id, { change: action });
  } else {
    await enqueueConnectorAuthEvent(ctx, 'connectorAuth.updated', row.id, { change: action });
  }
}

/** Renames an auth (no-op when the name is unchanged). Call inside a transaction. */
export async function renameAuth(ctx: AppContext, op: OpContext, row: ConnectorAuthRow, name: string): Promise<void> {
  if (row.name === name) return;
  await renameConnectorAuth(ctx.db, row.id, name, nowIso(ctx));
  await audit(ctx, op, row, 'renamed', { name, previousName: row.name });
}

/** True when an administrator disabled the auth and `op` is not an administrator: the end user may not undo it. */
function lockedByAdmin(op: Pick<OpContext, 'disabledBy'>, row: Pick<ConnectorAuthRow, 'status' | 'disabled_by'>): boolean {
  return row.status === 'disabled' && row.disabled_by === 'admin' && op.disabledBy !== 'admin';
}

/**
 * Refuses (403 `forbidden`) new credentials for an auth an administrator disabled, when the
 * caller is not an administrator: a reconnect must not bring back what an admin switched off.
 */
export function assertReconnectAllowed(op: Pick<OpContext, 'disabledBy'>, row: Pick<ConnectorAuthRow, 'status' | 'disabled_by'>): void {
  if (lockedByAdmin(op, row)) {
    throw new AppError(
      'forbidden',
      'An administrator disabled this connector auth; it can be reconnected once an administrator enables it again',
    );
  }
}

/**
 * Disables (`disabled`) or enables (`active`) an auth, recording who disabled it
 * (`disabled_by` = the caller's `disabledBy`, cleared on enable). Enabling works only from
 * `disabled`, and an end user cannot enable an auth an administrator disabled (403); a revoked
 * auth cannot be disabled and an auth that needs reauthorization cannot be enabled: both must be
 * reconnected. An enabled auth whose credentials were dropped meanwhile becomes `needs_reauth`.
 * Asking for the current status changes nothing, except that an administrator's disable takes
 * over an end user's. Call inside a transaction.
 */
export async function setAuthEnabled(ctx: AppContext, op: OpContext, row: ConnectorAuthRow, enabled: boolean): Promise<void> {
  const previous = { previousStatus: row.status, previousDisabledBy: row.disabled_by };
  const now = nowIso(ctx);
  if (enabled) {
    if (row.status === 'active') return;
    if (row.status !== 'disabled') {
      throw new AppError('conflict', `This connector auth is ${row.status}, not disabled; reconnect it instead`);
    }
    if (lockedByAdmin(op, row)) {
      throw new AppError('forbidden', 'An administrator disabled this connector auth; only an administrator can enable it again');
    }
    const next = (await authHoldsCredentials(ctx.db, row.id)) ? 'active' : 'needs_reauth';
    await enableAuth(ctx.db, row.id, next, now);
    await audit(ctx, op, row, 'enabled', { ...previous, ...(next === 'needs_reauth' ? { status: next } : {}) });
    return;
  }
  if (row.status === 'disabled' && (op.disabledBy !== 'admin' || row.disabled_by === 'admin')) return;
  if (row.status === 'revoked') {
    throw new AppError('conflict', 'This connector auth is revoked; reconnect it or delete it');
  }
  await disableAuth(ctx.db, row.id, op.disabledBy, now);
  await audit(ctx, op, row, 'disabled', previous);
}

/**
 * Stores new credentials in an existing auth (reconnect: same id, version + 1). A disabled auth
 * stays disabled (and keeps who disabled it); any other becomes `active`. An end user cannot
 * reconnect an auth an administrator disabled (403). Call inside a transaction.
 */
export async function reconnectAuth(
  ctx: AppContext,
  op: OpContext,
  row: ConnectorAuthRow,
  credentials: Credentials,
  opts: { scopes?: readonly string[]; expiresAt?: string | null; refreshed?: boolean } = {},
): Promise<void> {
  assertReconnectAllowed(op, row);
  await writeCredentials(ctx, row.id, credentials, opts);
  if (row.status === 'disabled') await setAuthStatus(ctx.db, row.id, 'disabled', nowIso(ctx));
  await audit(ctx, op, row, 'reconnected', { previousStatus: row.status, type: credentials.type });
}

/**
 * Revokes an auth: the tokens are dropped (the sealed credentials become `{type:'none'}`), the
 * status becomes `revoked`, then the provider's revoke URL is called when the connector has one
 * (best effort, after the commit). Revoking a revoked auth changes nothing.
 */
export async function revokeAuth(ctx: AppContext, op: OpContext, row: ConnectorAuthRow): Promise<void> {
  if (row.status === 'revoked') return;
  const previous = await readCredentials(ctx, row.id);
  const sealed = sealCredentials(ctx, row.id, { type: 'none' });
  await inTransaction(ctx, async (txCtx) => {
    await revokeAuthCredentials(txCtx.db, row.id, sealed, nowIso(txCtx));
    await audit(txCtx, op, row, 'revoked', { previousStatus: row.status });
  });
  if (previous) await revokeAtProvider(ctx, await connectorOf(ctx, row), previous, op.log);
}

/**
 * Deletes an auth. When integrations of its configuration are bound to it: `409 in_use` with
 * `details.references: [{integrationId, flowId, name}]`, unless `force`, which first disables
 * those integrations (audited, `disabledBy` per the caller) and removes their bindings to it.
 * Another configuration's integrations are neither listed nor disabled.
 * Tokens of an OAuth2 auth are then revoked at the provider, best effort.
 */
export async function deleteAuth(ctx: AppContext, op: OpContext, row: ConnectorAuthRow, force: boolean): Promise<void> {
  const previous = await readCredentials(ctx, row.id);
  await inTransaction(ctx, async (txCtx) => {
    if (!(await connectorAuthExists(txCtx.db, row.id))) throw notFound('Connector auth', row.id);
    const refs = await findAuthReferences(txCtx, row, 10_000);
    if (refs.length > 0 && !force) {
      throw new AppError('in_use', 'This connector auth is used by integrations; disable or change them first, or delete with force=true', {
        references: refs.slice(0, 100).map(({ status: _s, ...ref }) => ref),
      });
    }
    const now = nowIso(txCtx);
    let disabled = 0;
    for (const ref of refs) {
      if (ref.status === 'enabled') {
        disabled += 1;
        await setIntegrationStatus(txCtx.db, ref.integrationId, 'disabled', op.disabledBy, now);
        await recordAudit(txCtx, op.actor, {
          action: 'integration.disabled',
          objectType: 'integration',
          objectId: ref.integrationId,
          configId: row.config_id,
          requestId: op.requestId,
          details: { flowId: ref.flowId, reason: 'connector_auth_deleted', connectorAuthId: row.id },
        });
        await enqueueIntegrationEvent(txCtx, 'integration.disabled', ref.integrationId);
      }
    }
    // every binding goes (the foreign key requires it), but only this configuration's integrations
    // were listed and disabled: another configuration's binding to it was never legitimate
    await enqueueConnectorAuthEvent(txCtx, 'connectorAuth.deleted', row.id);
    await deleteConnectorAuthWithBindings(txCtx.db, row.id);
    await audit(txCtx, op, row, 'deleted', { name: row.name, forced: refs.length > 0, disabledIntegrations: disabled });
  });
  if (previous && row.status !== 'revoked') await revokeAtProvider(ctx, await connectorOf(ctx, row), previous, op.log);
}

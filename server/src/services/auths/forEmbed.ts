import type {
  EmbedConnectorAuth,
  EmbedConnectorAuthCreate,
  EmbedConnectorAuthUpdate,
  embedConnectorAuthListQuerySchema,
} from '@patchbay/shared';
import { z } from 'zod';
import { authUsableBy } from '../../auth/endUserScope.ts';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import { type AppContext, inTransaction } from '../../context.ts';
import { afterCursor, toPage } from '../../db/keyset.ts';
import { type ConnectorAuthRow, findConnectorAuth, listConnectorAuths, setRemoteAccount } from '../../db/repos/connectorAuths.ts';
import { findEndUser } from '../../db/repos/endUsers.ts';
import { AppError, notFound } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { credentialsFromForm } from '../connectors/credentialForms.ts';
import { findConnectableConnector } from '../connectors/forEmbed.ts';
import { storeEndUserConnection } from './connectEndUser.ts';
import {
  assertCredentialsValid,
  assertReconnectAllowed,
  connectorOf,
  deleteAuth,
  type OpContext,
  reconnectAuth,
  renameAuth,
  setAuthEnabled,
} from './operations.ts';
import type { RemoteAccount } from './remoteAccount.ts';

/**
 * The end user's connector auth operations (`/embed/api/connector-auths`). Identity comes only
 * from the session principal; every auth outside {@link authUsableBy} answers 404.
 */

const scopesSchema = z.array(z.string());

/** An auth as the end user sees it: metadata only, and whether the caller created it. */
export function toEmbedConnectorAuth(row: ConnectorAuthRow, p: EndUserPrincipal): EmbedConnectorAuth {
  return {
    id: row.id,
    connectorId: row.connector_id,
    name: row.name,
    sharingLevel: row.sharing_level,
    proprietary: row.proprietary === 1,
    status: row.status,
    disabledBy: row.disabled_by,
    scopes: scopesSchema.parse(JSON.parse(row.scopes)),
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsedAt: row.last_used_at,
    lastError: row.last_error,
    ownedByMe: row.owner_end_user_id === p.endUserId,
    remoteAccount: row.remote_account_label,
    createdByName: row.proprietary === 1 ? null : (row.created_by_name ?? row.owner_user_id),
  };
}

function opOf(p: EndUserPrincipal, requestId: string, log: Logger): OpContext {
  return { actor: p, requestId, log, disabledBy: 'user' };
}

/** The auth if this end user may use it; 404 otherwise (never 403, so ids cannot be probed). */
async function findUsable(ctx: AppContext, p: EndUserPrincipal, id: string): Promise<ConnectorAuthRow> {
  const row = await findConnectorAuth(ctx.db, id, authUsableBy(p));
  if (!row) throw notFound('Connector auth', id);
  return row;
}

/** A proprietary auth follows the embed token; the iframe cannot change it. */
function assertChangeable(row: ConnectorAuthRow): void {
  if (row.proprietary === 1) {
    throw new AppError('conflict', 'This connector auth comes from the host application (embed token) and is managed there');
  }
}

/** `GET /embed/api/connector-auths`: the auths this end user may use, newest first. */
export async function listEmbedConnectorAuths(
  ctx: AppContext,
  p: EndUserPrincipal,
  query: z.infer<typeof embedConnectorAuthListQuerySchema>,
) {
  const rows = await listConnectorAuths(
    ctx.db,
    { connectorId: query.connectorId, status: query.status },
    authUsableBy(p),
    afterCursor(query.cursor, 'ca.created_at', 'ca.id'),
    query.limit + 1,
  );
  return toPage(
    rows,
    query.limit,
    (r) => ({ t: r.created_at, id: r.id }),
    (r) => toEmbedConnectorAuth(r, p),
  );
}

/**
 * `POST /embed/api/connector-auths`: basic/api_key credentials typed into the iframe. They are
 * checked with the connector's validation request before anything is stored. When that answer
 * names the remote account (`validation.accountField`) and the end user already has a connection
 * of it, that one is updated (the twin rule, connectEndUser.ts); otherwise the auth is owned per
 * the configuration's sharing level and named after the account, else after the connector, the
 * date and the end user's initials.
 */
export async function createEmbedConnectorAuth(
  ctx: AppContext,
  p: EndUserPrincipal,
  body: EmbedConnectorAuthCreate,
  requestId: string,
): Promise<EmbedConnectorAuth> {
  const connector = await findConnectableConnector(ctx, p.configId, body.connectorId);
  if (!connector) throw notFound('Connector', body.connectorId);
  const credentials = credentialsFromForm(connector, body.values);
  const remoteAccount = await assertCredentialsValid(ctx, connector, credentials);
  const endUser = await findEndUser(ctx.db, p.endUserId);
  const { id } = await storeEndUserConnection(
    ctx,
    { principal: p, name: endUser?.name ?? null, language: endUser?.language ?? null },
    { connector, credentials, remoteAccount, name: body.name, requestId },
  );
  return toEmbedConnectorAuth(await findUsable(ctx, p, id), p);
}

/**
 * `PATCH /embed/api/connector-auths/{id}`: new basic/api_key credentials (checked first; same
 * id), then disable/enable, then rename — all in one transaction once the check has passed. An
 * auth an administrator disabled can be neither enabled nor reconnected here (403).
 */
export async function updateEmbedConnectorAuth(
  ctx: AppContext,
  p: EndUserPrincipal,
  id: string,
  body: EmbedConnectorAuthUpdate,
  requestId: string,
  log: Logger,
): Promise<EmbedConnectorAuth> {
  const before = await findUsable(ctx, p, id);
  assertChangeable(before);
  const op = opOf(p, requestId, log);
  let credentials: ReturnType<typeof credentialsFromForm> | undefined;
  let remoteAccount: RemoteAccount | null = null;
  if (body.values !== undefined) {
    // Refused before the credentials are tried against the service (and again in the transaction).
    assertReconnectAllowed(op, before);
    const connector = await connectorOf(ctx, before);
    credentials = credentialsFromForm(connector, body.values);
    remoteAccount = await assertCredentialsValid(ctx, connector, credentials);
  }
  return inTransaction(ctx, async (txCtx) => {
    // Re-read: the auth may have changed or vanished while the credentials were being checked.
    let row = await findUsable(txCtx, p, id);
    if (credentials) {
      await reconnectAuth(txCtx, op, row, credentials);
      if (remoteAccount) await setRemoteAccount(txCtx.db, row.id, remoteAccount);
      row = await findUsable(txCtx, p, id);
    }
    if (body.status !== undefined) {
      await setAuthEnabled(txCtx, op, row, body.status === 'active');
      row = await findUsable(txCtx, p, id);
    }
    if (body.name !== undefined) {
      await renameAuth(txCtx, op, row, body.name);
      row = await findUsable(txCtx, p, id);
    }
    return toEmbedConnectorAuth(row, p);
  });
}

/** `DELETE /embed/api/connector-auths/{id}`: 409 with the references unless `force`. */
export async function deleteEmbedConnectorAuth(
  ctx: AppContext,
  p: EndUserPrincipal,
  id: string,
  force: boolean,
  requestId: string,
  log: Logger,
): Promise<void> {
  const row = await findUsable(ctx, p, id);
  assertChangeable(row);
  await deleteAuth(ctx, opOf(p, requestId, log), row, force);
}

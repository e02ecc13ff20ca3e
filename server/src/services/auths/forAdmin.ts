import type { ConnectorAuth, ConnectorAuthCreate, connectorAuthListQuerySchema } from '@patchbay/shared';
import { z } from 'zod';
import { assertObjectPermission, configVisible } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { newId } from '../../crypto/tokens.ts';
import { afterCursor, toPage } from '../../db/keyset.ts';
import { type ConnectorAuthRow, findConnectorAuth, isConnectorAuthVisible, listConnectorAuths } from '../../db/repos/connectorAuths.ts';
import { type ConnectorRow, findConnector } from '../../db/repos/connectors.ts';
import { embedConfigVisible, findEmbedConfig } from '../../db/repos/embedConfigs.ts';
import { findEndUserByIdentity, upsertEndUser } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { invalidFields, notFound } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import type { Credentials } from '../connectors/credentials.ts';
import { connectorDefinition } from '../connectors/definition.ts';
import { assertCredentialsValid, deleteAuth, type OpContext, revokeAuth, setAuthEnabled } from './operations.ts';
import { defaultAuthName, initialsOf, insertConnectorAuth } from './store.ts';

const scopesSchema = z.array(z.string());

/** A connector auth row as answered: metadata only (the row type carries no credential column). */
export function toConnectorAuth(row: ConnectorAuthRow): ConnectorAuth {
  return {
    id: row.id,
    connectorId: row.connector_id,
    name: row.name,
    userId: row.owner_user_id,
    accountId: row.account_id,
    configId: row.config_id,
    sharingLevel: row.sharing_level,
    proprietary: row.proprietary === 1,
    status: row.status,
    disabledBy: row.disabled_by,
    scopes: scopesSchema.parse(JSON.parse(row.scopes)),
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastUsedAt: row.last_used_at,
    lastRefreshedAt: row.last_refreshed_at,
    lastError: row.last_error,
  };
}

/** The vendor API's connector auth list: filters, cursor pagination, and a member's view permission on the configuration. */
export async function listConnectorAuthsFor(ctx: AppContext, p: AdminPrincipal, query: z.infer<typeof connectorAuthListQuerySchema>) {
  const rows = await listConnectorAuths(
    ctx.db,
    query,
    configVisible(p, 'view', 'ca.config_id'),
    afterCursor(query.cursor, 'ca.created_at', 'ca.id'),
    query.limit + 1,
  );
  return toPage(rows, query.limit, (r) => ({ t: r.created_at, id: r.id }), toConnectorAuth);
}

/** One connector auth; one the caller may not view is `404`. */
export async function getConnectorAuthFor(ctx: AppContext, p: AdminPrincipal, id: string): Promise<ConnectorAuth> {
  const row = await findConnectorAuth(ctx.db, id, configVisible(p, 'view', 'ca.config_id'));
  if (!row) throw notFound('Connector auth', id);
  return toConnectorAuth(row);
}

/** A connector auth the caller may change: 404 when it may not even view it, 403 without `manage`. */
async function findManageable(ctx: AppContext, p: AdminPrincipal, id: string): Promise<ConnectorAuthRow> {
  const row = await findConnectorAuth(ctx.db, id, configVisible(p, 'view', 'ca.config_id'));
  if (!row) throw notFound('Connector auth', id);
  await assertObjectPermission(
    p,
    'manage',
    (perm) => isConnectorAuthVisible(ctx.db, id, configVisible(p, perm, 'ca.config_id')),
    () => notFound('Connector auth', id),
  );
  return row;
}

async function reread(ctx: AppContext, id: string): Promise<ConnectorAuth> {
  const row = await findConnectorAuth(ctx.db, id, sql`1 = 1`);
  if (!row) throw notFound('Connector auth', id);
  return toConnectorAuth(row);
}

function opOf(p: AdminPrincipal, requestId: string, log: Logger): OpContext {
  return { actor: p, requestId, log, disabledBy: 'admin' };
}

const CREDENTIAL_TYPE_OF: Partial<Record<ConnectorRow['auth_type'], Credentials['type']>> = {
  oauth2: 'oauth2',
  oauth1: 'oauth1',
  basic: 'basic',
  api_key: 'api_key',
};

/** Imported credentials in the stored shape, checked against the connector's auth type. */
function importedCredentials(connector: ConnectorRow, input: ConnectorAuthCreate['credentials']): Credentials {
  const expected = CREDENTIAL_TYPE_OF[connector.auth_type];
  if (expected === undefined) {
    throw invalidFields([
      { path: 'body.connectorId', message: `connector "${connector.id}" (${connector.auth_type}) needs no credentials` },
    ]);
  }
  if (input.type !== expected) {
    throw invalidFields([{ path: 'body.credentials.type', message: `connector "${connector.id}" takes ${expected} credentials` }]);
  }
  switch (input.type) {
    case 'oauth2':
      return {
        type: 'oauth2',
        accessToken: input.accessToken,
        refreshToken: input.refreshToken ?? null,
        tokenType: input.tokenType ?? 'Bearer',
        expiresAt: input.expiresAt ?? null,
        // No issuedAt: when the vendor's token was issued is unknown, so it gets the full refresh margin.
        scope: input.scope ?? null,
      };
    case 'oauth1':
      return { type: 'oauth1', token: input.token, tokenSecret: input.tokenSecret };
    case 'basic':
      return { type: 'basic', username: input.username, password: input.password, fields: input.fields ?? {} };
    case 'api_key':
      return { type: 'api_key', apiKey: input.apiKey, fields: input.fields ?? {} };
  }
}

/** Granted scopes of an imported OAuth2 token, split by the connector's delimiter (or white space). */
function scopesOf(connector: ConnectorRow, credentials: Credentials): string[] {
  if (credentials.type !== 'oauth2' || !credentials.scope) return [];
  const delimiter = connectorDefinition(connector).oauth2?.scopeDelimiter ?? ' ';
  return credentials.scope
    .split(delimiter.trim() === '' ? /\s+/ : delimiter)
    .map((x) => x.trim())
    .filter(Boolean);
}

/**
 * `POST /api/v1/connector-auths`: creates (imports) a connector auth for an end user, who is
 * created when unknown (the same identity as a session exchange: configuration, account, user).
 * Owner/admin, or a member with `manage` on a group of the configuration. The credentials are
 * checked with the connector's validation request unless `validate` is false.
 */
export async function createConnectorAuthFor(
  ctx: AppContext,
  p: AdminPrincipal,
  body: ConnectorAuthCreate,
  requestId: string,
): Promise<ConnectorAuth> {
  const config = await findEmbedConfig(ctx.db, body.configId);
  if (!config || !(await embedConfigVisible(ctx.db, body.configId, configVisible(p, 'view', 'c.id')))) {
    throw notFound('Embed configuration', body.configId);
  }
  await assertObjectPermission(
    p,
    'manage',
    (perm) => embedConfigVisible(ctx.db, body.configId, configVisible(p, perm, 'c.id')),
    () => notFound('Embed configuration', body.configId),
  );
  const connector = await findConnector(ctx.db, body.connectorId);
  if (!connector) throw invalidFields([{ path: 'body.connectorId', message: `unknown connector "${body.connectorId}"` }]);
  if (connector.id === config.proprietary_connector_id) {
    throw invalidFields([
      { path: 'body.connectorId', message: "is this configuration's proprietary connector: its credentials arrive in the embed token" },
    ]);
  }
  const credentials = importedCredentials(connector, body.credentials);
  if (body.validate) await assertCredentialsValid(ctx, connector, credentials);
  const now = nowIso(ctx);
  const id = await inTransaction(ctx, async (txCtx) => {
    let endUser = await findEndUserByIdentity(txCtx.db, config.id, body.accountId, body.userId);
    if (!endUser) {
      endUser = (
        await upsertEndUser(txCtx.db, {
          id: newId('eu'),
          config_id: config.id,
          account_id: body.accountId,
          user_id: body.userId,
          name: null,
          email: null,
          language: null,
          account_name: null,
          seen_at: now,
        })
      ).row;
      await recordAudit(txCtx, p, {
        action: 'end_user.created',
        objectType: 'end_user',
        objectId: endUser.id,
        configId: config.id,
        requestId,
        details: { via: 'connector_auth_import' },
      });
    }
    return insertConnectorAuth(txCtx, p, {
      owner: { configId: config.id, sharingLevel: config.sharing_level, ownerEndUserId: endUser.id, accountId: endUser.account_id },
      connectorId: connector.id,
      name: body.name ?? defaultAuthName(connector.name, now, initialsOf(endUser.name, endUser.user_id)),
      credentials,
      scopes: scopesOf(connector, credentials),
      expiresAt: credentials.type === 'oauth2' ? credentials.expiresAt : null,
      createdVia: 'vendor_api',
      requestId,
    });
  });
  return reread(ctx, id);
}

/** `POST /api/v1/connector-auths/{id}/revoke`: drops the tokens (status `revoked`) and calls the provider's revoke URL, best effort. */
export async function revokeConnectorAuthFor(
  ctx: AppContext,
  p: AdminPrincipal,
  id: string,
  requestId: string,
  log: Logger,
): Promise<ConnectorAuth> {
  const row = await findManageable(ctx, p, id);
  await revokeAuth(ctx, opOf(p, requestId, log), row);
  return reread(ctx, id);
}

/** `POST /api/v1/connector-auths/{id}/disable` and `/enable`. */
export async function setConnectorAuthEnabledFor(
  ctx: AppContext,
  p: AdminPrincipal,
  id: string,
  enabled: boolean,
  requestId: string,
  log: Logger,
): Promise<ConnectorAuth> {
  return inTransaction(ctx, async (txCtx) => {
    const row = await findManageable(txCtx, p, id);
    await setAuthEnabled(txCtx, opOf(p, requestId, log), row, enabled);
    return reread(txCtx, id);
  });
}

/** `DELETE /api/v1/connector-auths/{id}`: 409 with the references unless `force`, which disables those integrations first. */
export async function deleteConnectorAuthFor(
  ctx: AppContext,
  p: AdminPrincipal,
  id: string,
  force: boolean,
  requestId: string,
  log: Logger,
): Promise<void> {
  const row = await findManageable(ctx, p, id);
  await deleteAuth(ctx, opOf(p, requestId, log), row, force);
}

import type { ConnectorAuth, connectorAuthListQuerySchema } from '@patchbay/shared';
import { z } from 'zod';
import { configVisible } from '../auth/permissions.ts';
import type { AdminPrincipal } from '../auth/principal.ts';
import type { AppContext } from '../context.ts';
import { type ConnectorAuthRow, findConnectorAuth, listConnectorAuths } from '../db/repos/connectorAuths.ts';
import { notFound } from '../http/errors.ts';
import { afterCursor, toPage } from '../http/pagination.ts';

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
export function listConnectorAuthsFor(ctx: AppContext, p: AdminPrincipal, query: z.infer<typeof connectorAuthListQuerySchema>) {
  const rows = listConnectorAuths(
    ctx.db,
    query,
    configVisible(p, 'view', 'ca.config_id'),
    afterCursor(query.cursor, 'ca.created_at', 'ca.id'),
    query.limit + 1,
  );
  return toPage(rows, query.limit, (r) => ({ t: r.created_at, id: r.id }), toConnectorAuth);
}

/** One connector auth; one the caller may not view is `404`. */
export function getConnectorAuthFor(ctx: AppContext, p: AdminPrincipal, id: string): ConnectorAuth {
  const row = findConnectorAuth(ctx.db, id, configVisible(p, 'view', 'ca.config_id'));
  if (!row) throw notFound('Connector auth', id);
  return toConnectorAuth(row);
}

/**
 * Connect tickets (docs/connecting.md): a single-use, ten-minute permission to run one OAuth popup
 * flow, bound to the session's end user and configuration, the connector, and (for a reconnect) the
 * auth being replaced. The ticket id is the only thing in the popup URL.
 */
import type { ConnectErrorCode, ConnectTicket, ConnectTicketCreate, ConnectTicketStatus } from '@patchbay/shared';
import { authUsableBy } from '../auth/endUserScope.ts';
import type { EndUserPrincipal } from '../auth/principal.ts';
import { type AppContext, inTransaction, nowIso } from '../context.ts';
import { newId } from '../crypto/tokens.ts';
import { findConnectorAuth } from '../db/repos/connectorAuths.ts';
import {
  type ConnectTicketRow,
  deleteExpiredConnectTickets,
  findConnectTicket,
  finishConnectTicket,
  insertConnectTicket,
} from '../db/repos/connectTickets.ts';
import { findEmbedConfig } from '../db/repos/embedConfigs.ts';
import { findEndUser } from '../db/repos/endUsers.ts';
import { invalidFields, notFound } from '../errors.ts';
import { recordAudit } from '../services/audit/recordAudit.ts';
import { assertReconnectAllowed } from '../services/auths/operations.ts';
import { findConnectableConnector } from '../services/connectors/forEmbed.ts';
import { grantProviderFor } from './grantAdapter.ts';

/** How long a ticket may wait for its popup. */
export const TICKET_TTL_SECONDS = 600;
/** Finished and expired tickets are kept this long for polling, then deleted. */
const TICKET_RETENTION_SECONDS = 86_400;

/** The popup URL of a ticket. */
export function connectStartUrl(ctx: AppContext, ticketId: string): string {
  return `${ctx.config.publicUrl}/oauth/start?ticket=${encodeURIComponent(ticketId)}`;
}

/**
 * Creates a ticket for an OAuth (authorization code) connector. Unknown connectors, and auths
 * the caller may not use or that belong to another connector, answer 404; an auth an
 * administrator disabled cannot be reconnected (403).
 */
export async function createConnectTicket(
  ctx: AppContext,
  p: EndUserPrincipal,
  input: ConnectTicketCreate,
  requestId: string,
): Promise<ConnectTicket> {
  // Only connectors this configuration offers (its flows' slots), as GET /embed/api/connectors lists them.
  const connector = await findConnectableConnector(ctx, p.configId, input.connectorId);
  if (!connector) throw notFound('Connector', input.connectorId);
  const provider = grantProviderFor(ctx, connector);
  if (!provider.ok) {
    const why =
      provider.reason === 'not_oauth'
        ? `connector "${connector.id}" uses ${connector.auth_type}: post its credentials to /embed/api/connector-auths instead`
        : provider.reason === 'not_authorization_code'
          ? `connector "${connector.id}" uses the client_credentials grant: there is no account to connect`
          : `connector "${connector.id}" is not fully configured for a popup connect (${provider.reason})`;
    throw invalidFields([{ path: 'body.connectorId', message: why }]);
  }
  if (input.connectorAuthId !== undefined) {
    const auth = await findConnectorAuth(ctx.db, input.connectorAuthId, authUsableBy(p));
    if (!auth || auth.connector_id !== connector.id || auth.proprietary === 1) throw notFound('Connector auth', input.connectorAuthId);
    assertReconnectAllowed({ disabledBy: 'user' }, auth);
  }
  const id = newId('ct');
  const now = nowIso(ctx);
  const expiresAt = new Date(ctx.clock.now() + TICKET_TTL_SECONDS * 1000).toISOString();
  await inTransaction(ctx, async (txCtx) => {
    await deleteExpiredConnectTickets(txCtx.db, new Date(txCtx.clock.now() - TICKET_RETENTION_SECONDS * 1000).toISOString());
    await insertConnectTicket(txCtx.db, {
      id,
      config_id: p.configId,
      end_user_id: p.endUserId,
      connector_id: connector.id,
      connector_auth_id: input.connectorAuthId ?? null,
      status: 'pending',
      result_connector_auth_id: null,
      error: null,
      started_at: null,
      created_at: now,
      expires_at: expiresAt,
      finished_at: null,
    });
    await recordAudit(txCtx, p, {
      action: 'connect_ticket.created',
      objectType: 'connect_ticket',
      objectId: id,
      configId: p.configId,
      requestId,
      details: { connectorId: connector.id, connectorAuthId: input.connectorAuthId ?? null },
    });
  });
  return { id, url: connectStartUrl(ctx, id), expiresAt };
}

/** The outcome of a ticket as its own end user sees it; anyone else gets 404. */
export async function connectTicketStatus(ctx: AppContext, p: EndUserPrincipal, id: string): Promise<ConnectTicketStatus> {
  const t = await findConnectTicket(ctx.db, id);
  if (!t || t.end_user_id !== p.endUserId || t.config_id !== p.configId) throw notFound('Connect ticket', id);
  return ticketStatusOf(ctx, t);
}

/** A ticket row as a status answer; a pending ticket past its time reads as `expired`. */
export function ticketStatusOf(ctx: AppContext, t: ConnectTicketRow): ConnectTicketStatus {
  if (t.status === 'success' && t.result_connector_auth_id) return { status: 'success', connectorAuthId: t.result_connector_auth_id };
  if (t.status === 'error') return { status: 'error', error: (t.error as ConnectErrorCode | null) ?? 'server_error' };
  if (t.status === 'pending' && t.expires_at <= nowIso(ctx)) return { status: 'error', error: 'expired' };
  return { status: 'pending' };
}

/** Who a ticket acts for, rebuilt from the database (the popup carries no session). */
export async function ticketPrincipal(
  ctx: AppContext,
  t: ConnectTicketRow,
): Promise<(EndUserPrincipal & { name: string | null; language: string | null }) | null> {
  const user = await findEndUser(ctx.db, t.end_user_id);
  const config = await findEmbedConfig(ctx.db, t.config_id);
  if (!user || !config || user.config_id !== t.config_id || config.enabled !== 1) return null;
  return {
    kind: 'end_user',
    endUserId: user.id,
    configId: config.id,
    embedUserId: user.user_id,
    embedAccountId: user.account_id,
    sharingLevel: config.sharing_level,
    sessionExpiresAt: t.expires_at,
    name: user.name,
    language: user.language,
  };
}

/** Ends a ticket with an error code, audited; a ticket that already ended is left alone. */
export async function failConnectTicket(ctx: AppContext, t: ConnectTicketRow, code: ConnectErrorCode, requestId: string): Promise<void> {
  await inTransaction(ctx, async (txCtx) => {
    if (!(await finishConnectTicket(txCtx.db, t.id, { status: 'error', connectorAuthId: null, error: code, now: nowIso(txCtx) }))) return;
    await recordAudit(
      txCtx,
      { kind: 'system' },
      {
        action: 'connect_ticket.failed',
        objectType: 'connect_ticket',
        objectId: t.id,
        configId: t.config_id,
        requestId,
        details: { connectorId: t.connector_id, error: code },
      },
    );
  });
}

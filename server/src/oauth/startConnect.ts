/**
 * `GET /oauth/start?ticket=…`: spends the ticket (single use), builds the provider from our
 * database, runs grant's first leg, keeps the flow state server-side bound to this browser's
 * cookie (browserBinding.ts), and redirects the popup.
 */
import crypto from 'node:crypto';
import { connectTicketIdSchema } from '@patchbay/shared';
import { consentMissing } from '../auth/consentGate.ts';
import { authUsableBy } from '../auth/endUserScope.ts';
import { type AppContext, inTransaction, nowIso } from '../context.ts';
import { findConnectorAuth } from '../db/repos/connectorAuths.ts';
import { findConnector } from '../db/repos/connectors.ts';
import { findConnectTicket, markConnectTicketStarted } from '../db/repos/connectTickets.ts';
import { rebindPendingOAuthFlows } from '../db/repos/oauthFlows.ts';
import type { Logger } from '../log.ts';
import { type BindingCookie, bindingHash, newBinding } from './browserBinding.ts';
import { CONNECT_ERROR_MESSAGES, type ConnectPage } from './connectPage.ts';
import { failConnectTicket, ticketPrincipal } from './connectTickets.ts';
import { grantConnect, grantProviderFor } from './grantAdapter.ts';
import { FLOW_TTL_SECONDS, saveOAuthFlow } from './oauthFlows.ts';

/** What an OAuth page handler answers: a redirect to the provider, or a page; either may set or clear the binding cookie. */
export type OAuthPageOutcome =
  | { kind: 'redirect'; location: string; cookie?: BindingCookie }
  | { kind: 'page'; status: number; page: ConnectPage; cookie?: BindingCookie };

function invalid(message: string): OAuthPageOutcome {
  return { kind: 'page', status: 400, page: { title: 'This link cannot be used', message } };
}

/**
 * Runs the start page for a ticket id taken from the query string (anything else there is
 * ignored). `browserCookie` is the binding cookie the browser sent, if any (see browserBinding.ts).
 */
export async function startConnect(
  ctx: AppContext,
  ticketParam: unknown,
  opts: { requestId: string; log: Logger; browserCookie: string | null },
): Promise<OAuthPageOutcome> {
  const parsed = connectTicketIdSchema.safeParse(ticketParam);
  if (!parsed.success) return invalid('The connect link is missing or malformed. Please start again from the app.');
  const ticket = await findConnectTicket(ctx.db, parsed.data);
  if (!ticket) return invalid('The connect link is not valid. Please start again from the app.');
  if (!(await markConnectTicketStarted(ctx.db, ticket.id, nowIso(ctx)))) {
    if (ticket.status === 'pending' && ticket.started_at === null) await failConnectTicket(ctx, ticket, 'expired', opts.requestId);
    // No ticket id at info level: the id is what the popup URL carries.
    opts.log.info('oauth start refused', { connectorId: ticket.connector_id, reason: ticket.started_at === null ? 'expired' : 'used' });
    return invalid('This connect link has already been used or has expired. Please start again from the app.');
  }

  const fail = async (
    code: 'unsupported' | 'auth_unavailable' | 'consent_required' | 'provider_error' | 'server_error',
    status: number,
    reason: string,
  ) => {
    await failConnectTicket(ctx, ticket, code, opts.requestId);
    opts.log.warn('oauth start failed', { ticketId: ticket.id, connectorId: ticket.connector_id, reason });
    const page: ConnectPage = {
      title: 'Could not connect',
      message: CONNECT_ERROR_MESSAGES[code],
      result: { source: 'patchbay', type: 'connect.result', ticketId: ticket.id, status: 'error', connectorAuthId: null, error: code },
    };
    return { kind: 'page', status, page } as const;
  };

  const principal = await ticketPrincipal(ctx, ticket);
  if (!principal) return fail('server_error', 400, 'ticket owner or configuration gone');
  // Belt and braces: tickets are only issued with consent, but consent can be asked for (or gone) since.
  if (await consentMissing(ctx.db, principal.endUserId)) return fail('consent_required', 403, 'consent not given');
  const connector = await findConnector(ctx.db, ticket.connector_id);
  if (!connector) return fail('unsupported', 400, 'connector gone');
  if (ticket.connector_auth_id !== null) {
    const auth = await findConnectorAuth(ctx.db, ticket.connector_auth_id, authUsableBy(principal));
    if (!auth || auth.connector_id !== connector.id) return fail('auth_unavailable', 400, 'reconnected auth gone');
  }
  const state = crypto.randomBytes(32).toString('base64url');
  const provider = grantProviderFor(ctx, connector, { state });
  if (!provider.ok) return fail('unsupported', 400, provider.reason);

  let step: Awaited<ReturnType<typeof grantConnect>>;
  try {
    step = await grantConnect(provider);
  } catch (err) {
    opts.log.error('oauth start crashed', { ticketId: ticket.id, err });
    return await fail('server_error', 500, 'grant threw');
  }
  if (!step.ok) return fail('provider_error', 502, step.error);

  const lookupKey = step.session.protocol === 'oauth2' ? step.session.state : step.session.requestToken;
  const binding = newBinding();
  await inTransaction(ctx, async (txCtx) => {
    await saveOAuthFlow(txCtx, {
      ticketId: ticket.id,
      connectorId: connector.id,
      lookupKey,
      session: step.session,
      expiresAt: new Date(txCtx.clock.now() + FLOW_TTL_SECONDS * 1000).toISOString(),
      bindingHash: binding.hash,
    });
    // A fresh value on every start; this browser's other pending popups follow it.
    if (opts.browserCookie !== null) await rebindPendingOAuthFlows(txCtx.db, bindingHash(opts.browserCookie), binding.hash, nowIso(txCtx));
  });
  opts.log.info('oauth start', { connectorId: connector.id, protocol: provider.protocol });
  return { kind: 'redirect', location: step.location, cookie: { set: binding.value } };
}

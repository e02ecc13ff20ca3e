/**
 * `GET /oauth/callback/{connectorId}`: finds the flow by its state (or OAuth1 request token),
 * refuses anything unknown, replayed, expired or meant for another connector, consumes the flow,
 * requires the browser-binding cookie `/oauth/start` set (else the ticket fails), exchanges the code (exchangeCode.ts, through egress) or the OAuth1 verifier, and stores the
 * credentials sealed (new auth or reconnect).
 */
import type { ConnectErrorCode, ConnectResultMessage } from '@patchbay/shared';
import { z } from 'zod';
import { authUsableBy } from '../auth/endUserScope.ts';
import { type AppContext, inTransaction, nowIso } from '../context.ts';
import { safeEqual } from '../crypto/tokens.ts';
import { findConnectorAuth, setRemoteAccount } from '../db/repos/connectorAuths.ts';
import { findConnector } from '../db/repos/connectors.ts';
import { type ConnectTicketRow, findConnectTicket, finishConnectTicket } from '../db/repos/connectTickets.ts';
import { hasPendingOAuthFlows } from '../db/repos/oauthFlows.ts';
import type { Logger } from '../log.ts';
import { storeEndUserConnection } from '../services/auths/connectEndUser.ts';
import { reconnectAuth } from '../services/auths/operations.ts';
import type { RemoteAccount } from '../services/auths/remoteAccount.ts';
import { connectorDefinition } from '../services/connectors/definition.ts';
import { validateCredentials } from '../services/providers/validation.ts';
import { bindingHash, bindingMatches } from './browserBinding.ts';
import { CONNECT_ERROR_MESSAGES } from './connectPage.ts';
import { failConnectTicket, ticketPrincipal } from './connectTickets.ts';
import { exchangeCode } from './exchangeCode.ts';
import { grantProviderFor, oauth1Access } from './grantAdapter.ts';
import { forgetOAuthFlow, takeOAuthFlow } from './oauthFlows.ts';
import type { OAuthPageOutcome } from './startConnect.ts';
import { type ParsedTokens, parseOAuth1Tokens } from './tokenResponse.ts';

const param = z.string().min(1).max(4096).optional();

/**
 * The callback parameters we read; everything else in the query is ignored. A repeated
 * parameter (an array) fails the parse.
 */
const callbackQuerySchema = z.object({
  code: param,
  state: param,
  error: z.string().max(256).optional(),
  error_description: z.string().max(4096).optional(),
  oauth_token: param,
  oauth_verifier: param,
});

function page(status: number, title: string, message: string): OAuthPageOutcome {
  return { kind: 'page', status, page: { title, message } };
}

function result(ticketId: string, outcome: { connectorAuthId: string } | { error: ConnectErrorCode }): ConnectResultMessage {
  return 'connectorAuthId' in outcome
    ? { source: 'patchbay', type: 'connect.result', ticketId, status: 'success', connectorAuthId: outcome.connectorAuthId, error: null }
    : { source: 'patchbay', type: 'connect.result', ticketId, status: 'error', connectorAuthId: null, error: outcome.error };
}

/** Runs the callback of one connector; `browserCookie` is the binding cookie the browser sent, if any. */
export async function completeConnect(
  ctx: AppContext,
  connectorId: string,
  rawQuery: unknown,
  opts: { requestId: string; log: Logger; browserCookie: string | null },
): Promise<OAuthPageOutcome> {
  const connector = await findConnector(ctx.db, connectorId);
  if (!connector || (connector.auth_type !== 'oauth2' && connector.auth_type !== 'oauth1')) {
    return page(404, 'Unknown connector', 'This callback address does not belong to any connector.');
  }
  const q = callbackQuerySchema.safeParse(rawQuery);
  if (!q.success) return page(400, 'Invalid callback', 'The provider sent back parameters we cannot read. Please start again.');
  const query = q.data;
  const lookupKey = connector.auth_type === 'oauth2' ? query.state : query.oauth_token;
  if (!lookupKey) return page(400, 'Invalid callback', 'The callback carries no state. Please start again from the app.');

  const taken = await takeOAuthFlow(ctx, lookupKey, connector.id);
  if (!taken.ok) {
    opts.log.warn('oauth callback refused', { connectorId: connector.id, reason: taken.reason });
    return page(400, 'Invalid callback', 'This sign-in response is not valid, was already used, or has expired. Please start again.');
  }
  const { flow } = taken;
  try {
    const ticket = await findConnectTicket(ctx.db, flow.row.ticket_id);
    if (ticket?.status !== 'pending') {
      opts.log.warn('oauth callback refused', { connectorId: connector.id, reason: 'ticket not pending' });
      return page(400, 'Invalid callback', 'This connection attempt has already ended. Please start again.');
    }
    // O-15: the callback must come back to the browser that started the flow.
    if (!bindingMatches(opts.browserCookie, flow.row.browser_binding_hash)) {
      await failConnectTicket(ctx, ticket, 'browser_mismatch', opts.requestId);
      opts.log.warn('oauth callback refused', { connectorId: connector.id, reason: 'browser binding cookie missing or different' });
      return {
        kind: 'page',
        status: 400,
        page: {
          title: 'Could not connect',
          message: CONNECT_ERROR_MESSAGES.browser_mismatch,
          result: result(ticket.id, { error: 'browser_mismatch' }),
        },
      };
    }
    const outcome = await finish(ctx, connector.id, ticket, flow, query, opts);
    // Used: the cookie goes, unless another popup of this browser still waits for its callback.
    const stillNeeded = await hasPendingOAuthFlows(ctx.db, bindingHash(opts.browserCookie as string), nowIso(ctx));
    return stillNeeded ? outcome : { ...outcome, cookie: { clear: true } };
  } finally {
    await forgetOAuthFlow(ctx, flow.row.id);
  }
}

async function finish(
  ctx: AppContext,
  connectorId: string,
  ticket: ConnectTicketRow,
  flow: Extract<Awaited<ReturnType<typeof takeOAuthFlow>>, { ok: true }>['flow'],
  query: z.infer<typeof callbackQuerySchema>,
  opts: { requestId: string; log: Logger },
): Promise<OAuthPageOutcome> {
  const fail = async (code: ConnectErrorCode, status: number, reason: string, detail?: string | null): Promise<OAuthPageOutcome> => {
    await failConnectTicket(ctx, ticket, code, opts.requestId);
    opts.log.warn('oauth connect failed', { ticketId: ticket.id, connectorId, error: code, reason });
    return {
      kind: 'page',
      status,
      page: {
        title: 'Could not connect',
        message: CONNECT_ERROR_MESSAGES[code],
        detail: detail ?? null,
        result: result(ticket.id, { error: code }),
      },
    };
  };

  if (query.error !== undefined) {
    const code: ConnectErrorCode = query.error === 'access_denied' ? 'access_denied' : 'provider_error';
    return fail(code, 200, 'provider error', query.error_description ?? null);
  }
  const connector = await findConnector(ctx.db, connectorId);
  const principal = await ticketPrincipal(ctx, ticket);
  if (!connector || !principal) return fail('server_error', 400, 'connector, owner or configuration gone');
  const provider = grantProviderFor(ctx, connector);
  if (!provider.ok || provider.protocol !== flow.session.protocol) return fail('unsupported', 400, 'connector changed');

  let tokens: ParsedTokens;
  if (flow.session.protocol === 'oauth2') {
    if (!query.code || !query.state) return fail('provider_error', 400, 'no code');
    const exchanged = await exchangeCode(ctx, connector, flow.session, query.code);
    if (!exchanged.ok) return fail(exchanged.code, 502, exchanged.reason, exchanged.detail);
    tokens = exchanged.tokens;
  } else {
    // RFC 5849 §2.2: the token must be the one we obtained, and the verifier is required.
    if (provider.protocol !== 'oauth1') return fail('unsupported', 400, 'connector changed');
    if (!query.oauth_token || !safeEqual(query.oauth_token, flow.session.requestToken))
      return fail('provider_error', 400, 'token mismatch');
    if (!query.oauth_verifier) return fail('provider_error', 400, 'no verifier');
    let access: Awaited<ReturnType<typeof oauth1Access>>;
    try {
      access = await oauth1Access(provider, flow.session, query.oauth_verifier);
    } catch (err) {
      opts.log.error('oauth exchange crashed', { ticketId: ticket.id, err });
      return await fail('server_error', 500, 'oauth1 exchange threw');
    }
    if (!access.ok) return fail('exchange_failed', 502, access.error);
    const parsed = parseOAuth1Tokens(access.raw);
    if (!parsed) return fail('invalid_response', 502, 'token response did not parse');
    tokens = parsed;
  }

  // Whose account it is: the connector's validation answer when it names a field, else the ID token.
  let account = tokens.account;
  if (connectorDefinition(connector).validation?.accountField) {
    const checked = await validateCredentials(ctx, connector, tokens.credentials);
    if (checked.ok && checked.account) account = checked.account;
  }
  const stored = await store(ctx, ticket, principal, connector, tokens, account, opts.requestId);
  if (!stored.ok) return fail(stored.error, 400, 'store refused');
  opts.log.info('oauth connected', {
    connectorId,
    connectorAuthId: stored.id,
    reconnect: ticket.connector_auth_id !== null,
  });
  return {
    kind: 'page',
    status: 200,
    page: {
      title: 'Connected',
      message: `Your ${connector.name} account is connected.`,
      result: result(ticket.id, { connectorAuthId: stored.id }),
    },
  };
}

/**
 * Stores the credentials and ends the ticket in one transaction: a reconnect rewrites the same
 * auth (re-checked: still the caller's, same connector, not disabled by an administrator; a
 * disabled auth stays disabled); otherwise the twin rule of {@link storeEndUserConnection}: the
 * end user's connection of the same remote account is updated, else a new auth is owned per the
 * configuration's sharing level.
 */
async function store(
  ctx: AppContext,
  ticket: ConnectTicketRow,
  principal: NonNullable<Awaited<ReturnType<typeof ticketPrincipal>>>,
  connector: NonNullable<Awaited<ReturnType<typeof findConnector>>>,
  tokens: ParsedTokens,
  account: RemoteAccount | null,
  requestId: string,
): Promise<{ ok: true; id: string } | { ok: false; error: ConnectErrorCode }> {
  return inTransaction(ctx, async (txCtx) => {
    let id: string;
    if (ticket.connector_auth_id !== null) {
      const auth = await findConnectorAuth(txCtx.db, ticket.connector_auth_id, authUsableBy(principal));
      if (!auth || auth.connector_id !== connector.id) return { ok: false, error: 'auth_unavailable' } as const;
      // An administrator may have disabled it while the popup was open; a user's own disable stays.
      const op = { actor: principal, requestId, log: txCtx.log, disabledBy: 'user' } as const;
      if (auth.status === 'disabled' && auth.disabled_by === 'admin') return { ok: false, error: 'auth_unavailable' } as const;
      await reconnectAuth(txCtx, op, auth, tokens.credentials, { scopes: tokens.scopes, expiresAt: tokens.expiresAt, refreshed: true });
      if (account) await setRemoteAccount(txCtx.db, auth.id, account);
      id = auth.id;
    } else {
      ({ id } = await storeEndUserConnection(
        txCtx,
        { principal, name: principal.name, language: principal.language },
        {
          connector,
          credentials: tokens.credentials,
          scopes: tokens.scopes,
          expiresAt: tokens.expiresAt,
          remoteAccount: account,
          requestId,
        },
      ));
    }
    if (!(await finishConnectTicket(txCtx.db, ticket.id, { status: 'success', connectorAuthId: id, error: null, now: nowIso(txCtx) }))) {
      throw new Error('connect ticket ended concurrently');
    }
    return { ok: true, id } as const;
  });
}

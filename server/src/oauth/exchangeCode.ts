/**
 * The second leg of an OAuth2 connect flow (RFC 6749 §4.1.3): the authorization code and the PKCE
 * verifier kept server-side since the redirect out are exchanged at the connector's token URL by
 * the same token endpoint client as refresh — through egress, so the answer is capped, the whole
 * exchange has a total timeout, IP-literal hosts are address-checked like names, and redirects are
 * never followed (SECURITY.md, S-08).
 */
import type { ConnectErrorCode } from '@patchbay/shared';
import type { AppContext } from '../context.ts';
import type { ConnectorRow } from '../db/repos/connectors.ts';
import { connectorDefinition, connectorRedirectUri } from '../services/connectors/definition.ts';
import type { EgressErrorCode } from '../services/egress/egress.ts';
import { requestToken, tokenClientFor } from '../services/providers/tokenEndpoint.ts';
import type { GrantSession } from './grantAdapter.ts';
import { oauth2Tokens, type ParsedTokens } from './tokenResponse.ts';

/** The exchange's outcome: what to store, or a connect error with a log-safe reason and a line for the page. */
export type CodeExchange =
  | { ok: true; tokens: ParsedTokens }
  | { ok: false; code: ConnectErrorCode; reason: string; detail: string | null };

/** What the popup page adds when the token endpoint was not reached; fixed texts, no host names. */
const NOT_REACHED: Record<EgressErrorCode, { code: ConnectErrorCode; detail: string }> = {
  too_large: { code: 'invalid_response', detail: 'The provider’s answer was too large.' },
  timeout: { code: 'exchange_failed', detail: 'The provider did not answer in time.' },
  blocked_address: { code: 'exchange_failed', detail: 'The provider’s token address is not allowed.' },
  bad_url: { code: 'exchange_failed', detail: 'The provider’s token address is not allowed.' },
  network: { code: 'exchange_failed', detail: 'The provider could not be reached.' },
};

/** Exchanges `code` for tokens of `connector`; never throws for provider or network trouble. */
export async function exchangeCode(
  ctx: AppContext,
  connector: ConnectorRow,
  session: Extract<GrantSession, { protocol: 'oauth2' }>,
  code: string,
): Promise<CodeExchange> {
  const client = tokenClientFor(ctx, connector);
  const redirectUri = connectorRedirectUri(ctx, connector);
  if (!client || !redirectUri) return { ok: false, code: 'unsupported', reason: 'no token URL', detail: null };
  const issuedAt = ctx.clock.now();
  const outcome = await requestToken(ctx, client, {
    grantType: 'authorization_code',
    code,
    redirectUri,
    codeVerifier: session.codeVerifier,
  });
  if (outcome.kind === 'ok') {
    return { ok: true, tokens: oauth2Tokens(outcome.tokens, issuedAt, connectorDefinition(connector).oauth2?.scopes ?? []) };
  }
  const notReached = outcome.kind === 'invalid_grant' || outcome.egress === undefined ? null : NOT_REACHED[outcome.egress];
  if (notReached) return { ok: false, code: notReached.code, reason: outcome.error, detail: notReached.detail };
  const malformed = outcome.kind === 'rejected' && outcome.malformed === true;
  return { ok: false, code: malformed ? 'invalid_response' : 'exchange_failed', reason: outcome.error, detail: null };
}

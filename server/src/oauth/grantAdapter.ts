/**
 * The one module that touches grant. We use grant's core (`grant/lib/grant`) for OAuth2's first
 * leg only — the authorize URL with its provider quirks, state and the PKCE pair — without any of
 * its framework middleware: no cookie session, no `dynamic` overrides, no HTTP parameters reaching
 * its configuration. Every provider setting is built here from our database, per request. grant
 * makes no HTTP call: the code exchange goes through our token endpoint client
 * (exchangeCode.ts → services/tokenEndpoint.ts, bounded by egress), because grant's buffers the
 * answer whole, has only an idle timeout and never checks IP-literal hosts. OAuth1 goes through
 * oauth1Client.ts (grant's OAuth1 signer is broken for providers on explicit ports), also via egress.
 */

import { createRequire } from 'node:module';
import { z } from 'zod';
import type { AppContext } from '../context.ts';
import type { ConnectorRow } from '../db/repos/connectors.ts';
import { connectorClientSecret, connectorDefinition, connectorRedirectUri } from '../services/connectors/definition.ts';
import { egressFetch } from '../services/egress/egress.ts';
import { fetchAccessToken, fetchRequestToken, type OAuth1Config, oauth1AuthorizeUrl } from './oauth1Client.ts';

const require = createRequire(import.meta.url);

interface GrantInput {
  method: 'GET';
  params: { provider: string };
  query: Record<string, string>;
  body: Record<string, never>;
  state: Record<string, never>;
  session: Record<string, unknown>;
}
interface GrantOutput {
  location?: string;
  session: Record<string, unknown>;
  state: { response?: unknown };
}
type GrantCore = (options: { config: Record<string, unknown> }) => (input: GrantInput) => Promise<GrantOutput>;

const grantCore = require('grant/lib/grant') as GrantCore;

/** Authorize parameters grant sets itself; a connector's extra params never override them. */
const PROTECTED_PARAMS = new Set([
  'client_id',
  'response_type',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'oauth_token',
  'oauth_callback',
]);

/** What grant keeps between the redirect out and the callback; sealed in `oauth_flows.session_enc`. */
export const grantSessionSchema = z.union([
  z.strictObject({
    protocol: z.literal('oauth2'),
    provider: z.string().min(1),
    state: z.string().min(32),
    codeVerifier: z.string().min(43).nullable(),
  }),
  z.strictObject({
    protocol: z.literal('oauth1'),
    provider: z.string().min(1),
    requestToken: z.string().min(1),
    requestTokenSecret: z.string(),
  }),
]);
/** The parsed flow session. */
export type GrantSession = z.infer<typeof grantSessionSchema>;

/** Why a connector cannot start a popup flow. */
export type UnsupportedReason = 'not_oauth' | 'not_authorization_code' | 'incomplete';

/** A connector turned into one provider configuration (grant's for OAuth2, ours for OAuth1), or why it cannot be. */
export type GrantProvider =
  | { ok: true; name: string; protocol: 'oauth2'; config: Record<string, unknown> }
  | { ok: true; name: string; protocol: 'oauth1'; oauth1: OAuth1Config }
  | { ok: false; reason: UnsupportedReason };
type Ready = Extract<GrantProvider, { ok: true }>;
type Ready2 = Extract<GrantProvider, { protocol: 'oauth2' }>;

/**
 * Builds the provider for a connector from our database only: URLs, client credentials, scopes,
 * PKCE and the per-connector redirect URI. OAuth2's authorize leg runs through grant: catalogue
 * connectors under their grant key (grant applies that provider's quirks), custom ones under a
 * name grant knows nothing about; never `dynamic`; transport `state` so results come back as
 * values, not redirects; no token URL and no client secret (grant never calls the provider).
 * OAuth1 runs through {@link fetchRequestToken}/{@link fetchAccessToken} (see oauth1Client.ts).
 */
export function grantProviderFor(ctx: AppContext, row: ConnectorRow, opts: { state?: string } = {}): GrantProvider {
  const def = connectorDefinition(row);
  const name = row.catalog_key ?? 'patchbay_custom';
  const redirectUri = connectorRedirectUri(ctx, row);
  if (row.auth_type === 'oauth2' && def.oauth2) {
    const o = def.oauth2;
    if (o.grantType !== 'authorization_code') return { ok: false, reason: 'not_authorization_code' };
    if (!o.authorizeUrl || !o.tokenUrl || !redirectUri) return { ok: false, reason: 'incomplete' };
    const config: Record<string, unknown> = {
      oauth: 2,
      authorize_url: o.authorizeUrl,
      key: o.clientId,
      scope: o.scopes,
      scope_delimiter: o.scopeDelimiter,
      redirect_uri: redirectUri,
      pkce: o.pkce,
      transport: 'state',
      custom_params: extraParams(o.authorizeParams),
      ...(opts.state === undefined ? {} : { state: opts.state }),
    };
    return { ok: true, name, protocol: 'oauth2', config };
  }
  if (row.auth_type === 'oauth1' && def.oauth1) {
    const o = def.oauth1;
    const secret = connectorClientSecret(ctx, row);
    if (!o.requestTokenUrl || !o.authorizeUrl || !o.accessTokenUrl || !redirectUri || secret === null) {
      return { ok: false, reason: 'incomplete' };
    }
    const oauth1: OAuth1Config = {
      requestTokenUrl: o.requestTokenUrl,
      authorizeUrl: o.authorizeUrl,
      accessTokenUrl: o.accessTokenUrl,
      consumerKey: o.consumerKey,
      consumerSecret: secret,
      signatureMethod: o.signatureMethod,
      redirectUri,
      authorizeParams: {},
      post: (url, headers) => postThroughEgress(ctx, url, headers),
    };
    return { ok: true, name, protocol: 'oauth1', oauth1 };
  }
  return { ok: false, reason: row.auth_type === 'oauth1' || row.auth_type === 'oauth2' ? 'incomplete' : 'not_oauth' };
}

function extraParams(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !PROTECTED_PARAMS.has(k.toLowerCase())));
}

function run(provider: Ready2, input: Omit<GrantInput, 'method' | 'body' | 'state'>) {
  const pipe = grantCore({ config: { [provider.name]: provider.config } });
  // `state: {}` and no request query: grant's dynamic overrides never see anything from HTTP.
  return pipe({ method: 'GET', body: {}, state: {}, ...input });
}

/** The redirect out: where to send the popup, and what to keep server-side; or the provider's error. */
export type ConnectStep = { ok: true; location: string; session: GrantSession } | { ok: false; error: string };

/**
 * First leg. OAuth2: the authorize URL (with our state and an S256 challenge) and the verifier.
 * OAuth1: fetches a request token (RFC 5849 §2.1, `oauth_callback_confirmed` required) and
 * answers the authorize URL and the request token with its secret.
 */
export async function grantConnect(provider: Ready): Promise<ConnectStep> {
  if (provider.protocol === 'oauth2') {
    const out = await run(provider, { params: { provider: provider.name }, query: {}, session: {} });
    if (typeof out.location !== 'string' || !out.location) return { ok: false, error: errorCodeOf(out.state.response) };
    const s = out.session;
    const state = provider.config.state;
    if (typeof state !== 'string' || s.state !== state) return { ok: false, error: 'state_missing' };
    const verifier = typeof s.code_verifier === 'string' ? s.code_verifier : null;
    if (provider.config.pkce === true && verifier === null) return { ok: false, error: 'pkce_missing' };
    return {
      ok: true,
      location: out.location,
      session: { protocol: 'oauth2', provider: provider.name, state, codeVerifier: verifier },
    };
  }
  const answer = await fetchRequestToken(provider.oauth1);
  if (!answer.ok) return answer;
  const request = requestTokenSchema.safeParse(answer.params);
  if (!request.success) return { ok: false, error: 'invalid_request_token' };
  if (request.data.oauth_callback_confirmed !== 'true') return { ok: false, error: 'callback_not_confirmed' };
  return {
    ok: true,
    location: oauth1AuthorizeUrl(provider.oauth1, request.data.oauth_token),
    session: {
      protocol: 'oauth1',
      provider: provider.name,
      requestToken: request.data.oauth_token,
      requestTokenSecret: request.data.oauth_token_secret,
    },
  };
}

const requestTokenSchema = z.object({
  oauth_token: z.string().min(1).max(1024),
  oauth_token_secret: z.string().max(1024),
  oauth_callback_confirmed: z.string().optional(),
});

/** OAuth1's second leg: the provider's token parameters, or an error code (no provider text). */
export type AccessStep = { ok: true; raw: Record<string, string> } | { ok: false; error: string };

/**
 * OAuth1's second leg (RFC 5849 §2.3): exchanges the verified request token and its verifier at
 * the access-token URL. The caller has checked `oauth_token` against the stored flow.
 */
export async function oauth1Access(
  provider: Extract<GrantProvider, { protocol: 'oauth1' }>,
  session: Extract<GrantSession, { protocol: 'oauth1' }>,
  verifier: string,
): Promise<AccessStep> {
  const answer = await fetchAccessToken(provider.oauth1, { token: session.requestToken, secret: session.requestTokenSecret }, verifier);
  return answer.ok ? { ok: true, raw: answer.params } : answer;
}

/**
 * A short, log-safe code for what grant answered: the RFC 6749 `error` code when
 * it looks like one, otherwise a generic label. Provider text (descriptions) never passes.
 */
function errorCodeOf(response: unknown): string {
  const error = (response as { error?: unknown } | undefined)?.error;
  const code = typeof error === 'object' && error !== null ? (error as { error?: unknown }).error : error;
  if (typeof code === 'string' && /^[a-z_]{1,64}$/.test(code)) return code;
  return 'provider_error';
}

/** OAuth1's signed POSTs go through egress like every other outbound call (no internal addresses, no redirects). */
async function postThroughEgress(ctx: AppContext, url: string, headers: Record<string, string>) {
  const res = await egressFetch(ctx, { url: new URL(url), method: 'POST', headers, timeoutMs: 10_000, maxBytes: 64 * 1024 });
  return { status: res.status, contentType: res.headers['content-type'] ?? '', text: res.body.toString('utf8') };
}

import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { ConnectorRow } from '../../db/repos/connectors.ts';
import { connectorClientSecret, connectorDefinition } from '../connectors/definition.ts';
import { EgressError, type EgressErrorCode, egressFetch } from '../egress/egress.ts';

/*
 * The one OAuth2 token-endpoint client: the authorization-code exchange of a connect flow, refresh
 * and client credentials all go through here, so every token answer is read through egress (internal
 * addresses refused, IP literals included; no redirects followed; at most
 * {@link TOKEN_RESPONSE_MAX_BYTES}; {@link TOKEN_REQUEST_TIMEOUT_MS} for the whole exchange) and
 * parsed by one schema.
 */

/** How long one token request may take, from connecting to the last byte of the answer. */
export const TOKEN_REQUEST_TIMEOUT_MS = 15_000;
/** The largest token endpoint answer read. */
export const TOKEN_RESPONSE_MAX_BYTES = 64 * 1024;

/** The OAuth client talking to a token endpoint. */
export interface TokenClient {
  readonly tokenUrl: string;
  readonly clientId: string;
  /** Null for a public client: only `client_id` is sent. */
  readonly clientSecret: string | null;
  /** RFC 6749 §2.3.1: the credentials in the form (the default) or in an HTTP Basic header. */
  readonly authMethod: 'client_secret_post' | 'client_secret_basic';
}

/** What is asked of the token endpoint. */
export type TokenGrant =
  | { readonly grantType: 'refresh_token'; readonly refreshToken: string }
  | { readonly grantType: 'client_credentials'; readonly scope?: string | undefined }
  | {
      readonly grantType: 'authorization_code';
      readonly code: string;
      readonly redirectUri: string;
      /** The PKCE verifier kept server-side since the redirect out (RFC 7636 §4.5), or null without PKCE. */
      readonly codeVerifier: string | null;
    };

/**
 * Catalogue providers (by grant key) whose token endpoint takes the client credentials only in a
 * Basic header; the same list grant applies to its own exchange.
 */
const BASIC_AUTH_PROVIDERS = /^(autodesk|ebay|fitbit|homeaway|hootsuite|notion|reddit|trustpilot|twitter)$/;

/** The token client of an OAuth2 connector, or null when it has no token URL. */
export function tokenClientFor(ctx: AppContext, row: ConnectorRow): TokenClient | null {
  const oauth2 = connectorDefinition(row).oauth2;
  if (!oauth2?.tokenUrl) return null;
  return {
    tokenUrl: oauth2.tokenUrl,
    clientId: oauth2.clientId,
    clientSecret: connectorClientSecret(ctx, row),
    authMethod: row.catalog_key !== null && BASIC_AUTH_PROVIDERS.test(row.catalog_key) ? 'client_secret_basic' : 'client_secret_post',
  };
}

/** A successful token answer (RFC 6749 §5.1), parsed strictly. */
export interface TokenSet {
  readonly accessToken: string;
  /** Null when the provider did not send one (keep the old one, or none for client credentials). */
  readonly refreshToken: string | null;
  /** Always `Bearer`: other token types are refused. */
  readonly tokenType: 'Bearer';
  /** Seconds until the access token expires, or null when the provider did not say (or said 0). */
  readonly expiresIn: number | null;
  /** The granted scope, or null when the provider did not say (it is then unchanged). */
  readonly scope: string | null;
  /** The OpenID Connect ID token when the provider sent one (read for the remote account only, never stored). */
  readonly idToken?: string | null;
}

/**
 * The classified outcome of a token request. Only `invalid_grant` means the grant is dead;
 * `transient` (5xx, 429, 408, network error, timeout, an answer over the cap) must never mark an
 * auth broken; `rejected` is any other refusal, a malformed answer, or a URL egress refuses.
 * `error` is short and secret-free (safe to store); `egress` says why the endpoint was not reached,
 * `malformed` that it answered 2xx with something that is no token response.
 */
export type TokenOutcome =
  | { readonly kind: 'ok'; readonly tokens: TokenSet }
  | { readonly kind: 'invalid_grant'; readonly error: string }
  | { readonly kind: 'transient'; readonly error: string; readonly egress?: EgressErrorCode }
  | { readonly kind: 'rejected'; readonly error: string; readonly egress?: EgressErrorCode; readonly malformed?: true };

/** Token lifetimes up to ten years, as a number or a numeric string; 0 means the provider did not say. */
const expiresInSchema = z
  .union([
    z.number(),
    z
      .string()
      .regex(/^\d{1,10}$/)
      .transform(Number),
  ])
  .pipe(
    z
      .number()
      .int()
      .nonnegative()
      .max(10 * 365 * 86_400),
  )
  .nullable()
  .optional();

const tokenValue = z.string().min(1).max(16_384);

/**
 * The one OAuth2 token response schema (RFC 6749 §5.1), for the code exchange, refresh and client
 * credentials alike. Only bearer tokens (what credential injection sends); unknown members
 * are ignored; `id_token` is kept aside for the remote account.
 */
const tokenResponseSchema = z.object({
  access_token: tokenValue,
  token_type: z
    .string()
    .regex(/^bearer$/i, 'only bearer tokens are supported')
    .optional(),
  expires_in: expiresInSchema,
  refresh_token: tokenValue.nullable().optional(),
  scope: z.string().max(4096).nullable().optional(),
  id_token: z.string().max(16_384).nullable().optional().catch(null),
});

/** An error answer (RFC 6749 §5.2). */
const tokenErrorSchema = z.object({ error: z.string().min(1).max(200) });

/** JSON, or (as some providers answer, whatever their `Content-Type`) a form-encoded body. */
function parseBody(body: Buffer, contentType: string): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    if (/json/i.test(contentType) || !text.includes('=')) return undefined;
    return Object.fromEntries(new URLSearchParams(text));
  }
}

/** Keeps an error code printable and short: provider text goes into `last_error`. */
function safeCode(code: string): string {
  return code.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64) || 'unknown';
}

/** Classifies a token endpoint answer. Exported for the table test of statuses → outcomes. */
export function classifyTokenResponse(status: number, body: Buffer, contentType = 'application/json'): TokenOutcome {
  const json = parseBody(body, contentType);
  const code = tokenErrorSchema.safeParse(json);
  const named = code.success ? ` (${safeCode(code.data.error)})` : '';
  if (status >= 200 && status < 300) {
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      return { kind: 'rejected', error: `Token endpoint answered HTTP ${status} with a malformed token response${named}`, malformed: true };
    }
    const t = parsed.data;
    return {
      kind: 'ok',
      tokens: {
        accessToken: t.access_token,
        refreshToken: t.refresh_token ?? null,
        tokenType: 'Bearer',
        expiresIn: t.expires_in ? t.expires_in : null,
        scope: t.scope ?? null,
        ...(t.id_token ? { idToken: t.id_token } : {}),
      },
    };
  }
  const error = `Token endpoint answered HTTP ${status}${named}`;
  if (status >= 500 || status === 429 || status === 408) return { kind: 'transient', error };
  if ((status === 400 || status === 401) && code.success && code.data.error === 'invalid_grant') return { kind: 'invalid_grant', error };
  return { kind: 'rejected', error };
}

/** RFC 6749 §2.3.1: client id and secret form-encoded, then joined for the Basic header. */
function basicAuth(client: TokenClient): string {
  const enc = (v: string) => encodeURIComponent(v).replace(/%20/g, '+');
  return `Basic ${Buffer.from(`${enc(client.clientId)}:${enc(client.clientSecret ?? '')}`).toString('base64')}`;
}

function formOf(client: TokenClient, grant: TokenGrant): URLSearchParams {
  const form = new URLSearchParams({ grant_type: grant.grantType });
  if (grant.grantType === 'refresh_token') form.set('refresh_token', grant.refreshToken);
  else if (grant.grantType === 'authorization_code') {
    form.set('code', grant.code);
    form.set('redirect_uri', grant.redirectUri);
    if (grant.codeVerifier !== null) form.set('code_verifier', grant.codeVerifier);
  } else if (grant.scope) form.set('scope', grant.scope);
  if (client.authMethod === 'client_secret_post' || client.clientSecret === null) {
    form.set('client_id', client.clientId);
    if (client.clientSecret !== null) form.set('client_secret', client.clientSecret);
  }
  return form;
}

/**
 * Asks a token endpoint for tokens (form-encoded POST) through the egress policy, and classifies
 * the answer. Never throws for provider or network trouble; secrets never appear in the outcome.
 */
export async function requestToken(ctx: AppContext, client: TokenClient, grant: TokenGrant): Promise<TokenOutcome> {
  let url: URL;
  try {
    url = new URL(client.tokenUrl);
  } catch {
    return { kind: 'rejected', error: 'The connector token URL is not a valid URL' };
  }
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (client.authMethod === 'client_secret_basic' && client.clientSecret !== null) headers.authorization = basicAuth(client);
  try {
    const res = await egressFetch(ctx, {
      url,
      method: 'POST',
      headers,
      body: formOf(client, grant).toString(),
      timeoutMs: TOKEN_REQUEST_TIMEOUT_MS,
      maxBytes: TOKEN_RESPONSE_MAX_BYTES,
    });
    return classifyTokenResponse(res.status, res.body, res.headers['content-type'] ?? '');
  } catch (err) {
    if (!(err instanceof EgressError)) throw err;
    // A refused address or URL is a configuration problem, not an outage: still never fatal to the auth.
    const kind = err.code === 'blocked_address' || err.code === 'bad_url' ? 'rejected' : 'transient';
    return { kind, error: `Token endpoint not reached: ${err.message}`.slice(0, 300), egress: err.code };
  }
}

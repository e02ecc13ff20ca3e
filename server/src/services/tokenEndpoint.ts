import { z } from 'zod';
import type { AppContext } from '../context.ts';
import { EgressError, egressFetch } from './egress.ts';

/** How long one token request may take before it counts as a transient failure. */
export const TOKEN_REQUEST_TIMEOUT_MS = 15_000;
/** The largest token endpoint answer read. */
export const TOKEN_RESPONSE_MAX_BYTES = 64 * 1024;

/** The OAuth client talking to a token endpoint (client_secret_post). */
export interface TokenClient {
  readonly tokenUrl: string;
  readonly clientId: string;
  /** Null for a public client: only `client_id` is sent. */
  readonly clientSecret: string | null;
}

/** What is asked of the token endpoint. */
export type TokenGrant =
  | { readonly grantType: 'refresh_token'; readonly refreshToken: string }
  | { readonly grantType: 'client_credentials'; readonly scope?: string | undefined };

/** A successful token answer (RFC 6749 §5.1), parsed strictly. */
export interface TokenSet {
  readonly accessToken: string;
  /** Null when the provider did not send one (keep the old one, or none for client credentials). */
  readonly refreshToken: string | null;
  readonly tokenType: string;
  /** Seconds until the access token expires, or null when the provider did not say. */
  readonly expiresIn: number | null;
  /** The granted scope, or null when the provider did not say (it is then unchanged). */
  readonly scope: string | null;
}

/**
 * The classified outcome of a token request. Only `invalid_grant` means the grant is dead;
 * `transient` (5xx, 429, 408, network error, timeout) must never mark an auth broken; `rejected`
 * is any other refusal or a malformed answer. `error` is short and secret-free (safe to store).
 */
export type TokenOutcome =
  | { readonly kind: 'ok'; readonly tokens: TokenSet }
  | { readonly kind: 'invalid_grant'; readonly error: string }
  | { readonly kind: 'transient'; readonly error: string }
  | { readonly kind: 'rejected'; readonly error: string };

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

/** A successful token answer; unknown members (id_token, …) are ignored. */
const tokenResponseSchema = z.object({
  access_token: z.string().min(1).max(16_384),
  token_type: z.string().min(1).max(64).optional(),
  expires_in: expiresInSchema,
  refresh_token: z.string().min(1).max(16_384).nullable().optional(),
  scope: z.string().max(4096).nullable().optional(),
});

/** An error answer (RFC 6749 §5.2). */
const tokenErrorSchema = z.object({ error: z.string().min(1).max(200) });

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** Keeps an error code printable and short: provider text goes into `last_error`. */
function safeCode(code: string): string {
  return code.replace(/[^A-Za-z0-9_.-]/g, '').slice(0, 64) || 'unknown';
}

/** Classifies a token endpoint answer. Exported for the table test of statuses → outcomes. */
export function classifyTokenResponse(status: number, body: Buffer): TokenOutcome {
  const json = parseJson(body);
  if (status >= 200 && status < 300) {
    const parsed = tokenResponseSchema.safeParse(json);
    if (!parsed.success) return { kind: 'rejected', error: `Token endpoint answered HTTP ${status} with a malformed token response` };
    const t = parsed.data;
    return {
      kind: 'ok',
      tokens: {
        accessToken: t.access_token,
        refreshToken: t.refresh_token ?? null,
        tokenType: t.token_type ?? 'Bearer',
        expiresIn: t.expires_in ?? null,
        scope: t.scope ?? null,
      },
    };
  }
  const code = tokenErrorSchema.safeParse(json);
  const named = code.success ? ` (${safeCode(code.data.error)})` : '';
  const error = `Token endpoint answered HTTP ${status}${named}`;
  if (status >= 500 || status === 429 || status === 408) return { kind: 'transient', error };
  if ((status === 400 || status === 401) && code.success && code.data.error === 'invalid_grant') return { kind: 'invalid_grant', error };
  return { kind: 'rejected', error };
}

/**
 * Asks a token endpoint for tokens (form-encoded POST, client_secret_post) through the egress
 * policy, and classifies the answer. Never throws for provider or network trouble; secrets
 * never appear in the outcome.
 */
export async function requestToken(ctx: AppContext, client: TokenClient, grant: TokenGrant): Promise<TokenOutcome> {
  const form = new URLSearchParams({ grant_type: grant.grantType });
  if (grant.grantType === 'refresh_token') form.set('refresh_token', grant.refreshToken);
  else if (grant.scope) form.set('scope', grant.scope);
  form.set('client_id', client.clientId);
  if (client.clientSecret !== null) form.set('client_secret', client.clientSecret);
  let url: URL;
  try {
    url = new URL(client.tokenUrl);
  } catch {
    return { kind: 'rejected', error: 'The connector token URL is not a valid URL' };
  }
  try {
    const res = await egressFetch(ctx, {
      url,
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
      timeoutMs: TOKEN_REQUEST_TIMEOUT_MS,
      maxBytes: TOKEN_RESPONSE_MAX_BYTES,
    });
    return classifyTokenResponse(res.status, res.body);
  } catch (err) {
    if (!(err instanceof EgressError)) throw err;
    // A refused address or URL is a configuration problem, not an outage: still never fatal to the auth.
    const kind = err.code === 'blocked_address' || err.code === 'bad_url' ? 'rejected' : 'transient';
    return { kind, error: `Token endpoint not reached: ${err.message}`.slice(0, 300) };
  }
}

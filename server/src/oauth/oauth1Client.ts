/**
 * The two signed legs of OAuth 1.0a (RFC 5849 §2.1, §2.3), signed with the `oauth-1.0a` library.
 * grant's own OAuth1 client (request-oauth) builds the signature base URL as
 * `${protocol}//${hostname}${path}:${port}` — the port after the path — so every provider on an
 * explicit port gets a wrong signature, and it only signs HMAC-SHA1; hence this module.
 */
import crypto from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { NetworkInTransactionError } from '../db/driver.ts';

/** A connector's OAuth1 endpoints and consumer credentials. */
export interface OAuth1Config {
  readonly requestTokenUrl: string;
  readonly authorizeUrl: string;
  readonly accessTokenUrl: string;
  readonly consumerKey: string;
  readonly consumerSecret: string;
  readonly signatureMethod: 'HMAC-SHA1' | 'HMAC-SHA256' | 'PLAINTEXT';
  readonly redirectUri: string;
  readonly authorizeParams: Readonly<Record<string, string>>;
  /** Sends one signed POST (through egress in production); throws on network failure or timeout. */
  readonly post: (url: string, headers: Record<string, string>) => Promise<{ status: number; contentType: string; text: string }>;
}

/** A provider answer: its parsed parameters, or a log-safe error code. */
export type OAuth1Answer = { ok: true; params: Record<string, string> } | { ok: false; error: string };

const MAX_BODY = 64 * 1024;

function signer(cfg: OAuth1Config): OAuth {
  return new OAuth({
    consumer: { key: cfg.consumerKey, secret: cfg.consumerSecret },
    signature_method: cfg.signatureMethod,
    hash_function: (base, key) =>
      cfg.signatureMethod === 'PLAINTEXT'
        ? key
        : crypto
            .createHmac(cfg.signatureMethod === 'HMAC-SHA256' ? 'sha256' : 'sha1', key)
            .update(base)
            .digest('base64'),
  });
}

/** POSTs a signed request with the OAuth parameters in the `Authorization` header; parses a form (or JSON) answer. */
async function signedPost(
  cfg: OAuth1Config,
  url: string,
  extra: Record<string, string>,
  token?: { key: string; secret: string },
): Promise<OAuth1Answer> {
  const oauth = signer(cfg);
  const data: Record<string, string> = {
    oauth_consumer_key: cfg.consumerKey,
    oauth_nonce: crypto.randomBytes(16).toString('hex'),
    oauth_signature_method: cfg.signatureMethod,
    oauth_timestamp: String(Math.floor(Date.now() / 1000)),
    oauth_version: '1.0',
    ...(token ? { oauth_token: token.key } : {}),
    ...extra,
  };
  const signature = oauth.getSignature({ url, method: 'POST', data: {} }, token?.secret ?? '', data as unknown as OAuth.Data);
  const header = oauth.toHeader({ ...data, oauth_signature: signature } as unknown as OAuth.Authorization);
  let res: { status: number; contentType: string; text: string };
  try {
    res = await cfg.post(url, { authorization: header.Authorization, accept: 'application/x-www-form-urlencoded, application/json' });
  } catch (err) {
    if (err instanceof NetworkInTransactionError) throw err;
    return { ok: false, error: (err as { code?: string }).code === 'timeout' ? 'timeout' : 'network_error' };
  }
  const text = res.text.slice(0, MAX_BODY);
  if (res.status < 200 || res.status >= 300) return { ok: false, error: `http_${res.status}` };
  let params: Record<string, string>;
  if (/json/i.test(res.contentType)) {
    try {
      const json = JSON.parse(text) as unknown;
      if (!json || typeof json !== 'object') return { ok: false, error: 'invalid_response' };
      params = Object.fromEntries(Object.entries(json).filter((e): e is [string, string] => typeof e[1] === 'string'));
    } catch {
      return { ok: false, error: 'invalid_response' };
    }
  } else {
    params = Object.fromEntries(new URLSearchParams(text));
  }
  return { ok: true, params };
}

/** RFC 5849 §2.1: a temporary (request) token for our callback URI. */
export function fetchRequestToken(cfg: OAuth1Config): Promise<OAuth1Answer> {
  return signedPost(cfg, cfg.requestTokenUrl, { oauth_callback: cfg.redirectUri });
}

/** RFC 5849 §2.2: where to send the user, with the request token and the connector's extra parameters. */
export function oauth1AuthorizeUrl(cfg: OAuth1Config, requestToken: string): string {
  const url = new URL(cfg.authorizeUrl);
  for (const [k, v] of Object.entries(cfg.authorizeParams)) url.searchParams.set(k, v);
  url.searchParams.set('oauth_token', requestToken);
  return url.toString();
}

/** RFC 5849 §2.3: exchanges the authorized request token and its verifier for token credentials. */
export function fetchAccessToken(cfg: OAuth1Config, request: { token: string; secret: string }, verifier: string): Promise<OAuth1Answer> {
  return signedPost(cfg, cfg.accessTokenUrl, { oauth_verifier: verifier }, { key: request.token, secret: request.secret });
}

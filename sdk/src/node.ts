/**
 * `@patchbay/sdk/node`: what a vendor backend needs. No dependencies beyond Node's own crypto.
 *
 * ```ts
 * import { signEmbedToken, verifyCallback } from '@patchbay/sdk/node';
 * const token = signEmbedToken({ configId: 'cfg_…', secret: process.env.PATCHBAY_SECRET!, kid: 'key_…',
 *   user: { id: 'u-42', name: 'Ada Lovelace' }, account: { id: 'acme' } });
 * ```
 */
import crypto from 'node:crypto';

/** What {@link signEmbedToken} needs. */
export interface SignEmbedTokenOptions {
  /** The embed configuration id (`cfg_…`); becomes `aud`. */
  configId: string;
  /** The configuration's HS256 secret value as shown once by Patchbay, or a PEM private key for RS256/ES256. */
  secret: string | crypto.KeyObject;
  /** The key id shown beside the secret; selects the key when a configuration has several. */
  kid?: string;
  /** The end user. */
  user: { id: string; name?: string; email?: string; language?: string };
  /** The end user's account (company). */
  account: { id: string; name?: string };
  /** Optional JSON handed to the user's flows (at most 4 KB). */
  state?: unknown;
  /** Credentials of the configuration's proprietary connector, if it has one. */
  clientAuthentication?: Record<string, string | number | boolean>;
  /** Lifetime in seconds; at most 3600. Default 600. */
  expiresIn?: number;
  /** Add a random `jti` so the token can be exchanged only once. Default true. */
  singleUse?: boolean;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function algorithmOf(key: string | crypto.KeyObject): { alg: 'HS256' | 'RS256' | 'ES256'; key: crypto.KeyObject | Buffer } {
  if (typeof key === 'string' && !key.includes('-----BEGIN')) return { alg: 'HS256', key: Buffer.from(key, 'utf8') };
  const keyObject = typeof key === 'string' ? crypto.createPrivateKey(key) : key;
  if (keyObject.type !== 'private') throw new TypeError('signEmbedToken needs a private key (or the HS256 secret)');
  if (keyObject.asymmetricKeyType === 'rsa') return { alg: 'RS256', key: keyObject };
  if (keyObject.asymmetricKeyType === 'ec' && keyObject.asymmetricKeyDetails?.namedCurve === 'prime256v1')
    return { alg: 'ES256', key: keyObject };
  throw new TypeError('Unsupported key: use the HS256 secret, an RSA key (RS256) or a P-256 key (ES256)');
}

/** Signs an embed token (docs/embed-token.md) for one end user. Call it on your backend, never in the browser. */
export function signEmbedToken(opts: SignEmbedTokenOptions): string {
  const expiresIn = opts.expiresIn ?? 600;
  if (!Number.isInteger(expiresIn) || expiresIn < 1 || expiresIn > 3600) throw new RangeError('expiresIn must be 1…3600 seconds');
  const { alg, key } = algorithmOf(opts.secret);
  const iat = Math.floor(Date.now() / 1000);
  const header = { alg, typ: 'JWT', ...(opts.kid ? { kid: opts.kid } : {}) };
  const claims: Record<string, unknown> = {
    aud: opts.configId,
    embed_user_id: opts.user.id,
    embed_account_id: opts.account.id,
    iat,
    exp: iat + expiresIn,
  };
  if (opts.user.name !== undefined) claims.embed_user_name = opts.user.name;
  if (opts.user.email !== undefined) claims.embed_user_email = opts.user.email;
  if (opts.user.language !== undefined) claims.embed_user_language = opts.user.language;
  if (opts.account.name !== undefined) claims.embed_account_name = opts.account.name;
  if (opts.state !== undefined) claims.embed_state = opts.state;
  if (opts.clientAuthentication !== undefined) claims.client_authentication = opts.clientAuthentication;
  if (opts.singleUse !== false) claims.jti = crypto.randomUUID();
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  let signature: Buffer;
  if (alg === 'HS256')
    signature = crypto
      .createHmac('sha256', key as Buffer)
      .update(input)
      .digest();
  else if (alg === 'RS256') signature = crypto.sign('sha256', Buffer.from(input), key as crypto.KeyObject);
  else signature = crypto.sign('sha256', Buffer.from(input), { key: key as crypto.KeyObject, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

/** Why a callback was refused. */
export class CallbackVerificationError extends Error {}

/** Largest accepted clock difference for callback timestamps, in seconds. */
export const CALLBACK_TOLERANCE_S = 300;

/**
 * Verifies a Patchbay callback (Standard Webhooks: `webhook-id`, `webhook-timestamp`,
 * `webhook-signature: v1,<base64 HMAC-SHA256>`) over the RAW body, and answers the parsed event.
 * `secret` is the configuration's callback secret (`whsec_…`). Throws {@link CallbackVerificationError}.
 */
export function verifyCallback(
  rawBody: string | Buffer,
  headers: Record<string, string | string[] | undefined> | Headers,
  secret: string,
  now: number = Date.now(),
): unknown {
  const get = (name: string): string | undefined => {
    if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
    const record = headers as Record<string, string | string[] | undefined>;
    const value = record[name] ?? record[name.toLowerCase()];
    return Array.isArray(value) ? value[0] : value;
  };
  const id = get('webhook-id');
  const timestamp = get('webhook-timestamp');
  const signatures = get('webhook-signature');
  if (!id || !timestamp || !signatures) throw new CallbackVerificationError('missing webhook-id, webhook-timestamp or webhook-signature');
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now / 1000 - Number(timestamp)) > CALLBACK_TOLERANCE_S) {
    throw new CallbackVerificationError('timestamp outside the tolerance');
  }
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice(6) : secret, 'base64');
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const expected = crypto.createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  const match = signatures.split(' ').some((entry) => {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || !value) return false;
    const given = Buffer.from(value, 'base64');
    return given.length === expected.length && crypto.timingSafeEqual(given, expected);
  });
  if (!match) throw new CallbackVerificationError('no matching signature');
  return JSON.parse(body);
}

/**
 * `@patchbay/sdk/node`: what a vendor backend needs. No dependencies beyond Node's own crypto.
 *
 * ```ts
 * import { signEmbedToken, verifyCallback } from '@patchbay/sdk/node';
 * const token = signEmbedToken({ configId: 'cfg_…', secret: process.env.PATCHBAY_SECRET!, kid: 'key_…',
 *   user: { id: 'u-42', name: 'Ada Lovelace' }, account: { id: 'acme' } });
 * const event = verifyCallback(req.body, req.headers, process.env.PATCHBAY_CALLBACK_SECRET!); // raw body
 * ```
 */
import * as crypto from 'node:crypto';

export {
  CALLBACK_TOLERANCE_S,
  type CallbackEvent,
  type CallbackEventData,
  type CallbackEventType,
  type CallbackHeaders,
  type CallbackSignatureHeaders,
  CallbackVerificationError,
  type CallbackVerificationErrorCode,
  type SignCallbackOptions,
  signCallback,
  type VerifyCallbackOptions,
  verifyCallback,
} from './callbacks.ts';

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

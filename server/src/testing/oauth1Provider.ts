/**
 * A local OAuth 1.0a provider (RFC 5849) for tests and the demo: request token (with
 * `oauth_callback_confirmed=true`), an authorize page that sends the user back with
 * `oauth_token` + `oauth_verifier`, and an access-token endpoint. Every signed request is checked
 * by recomputing its HMAC-SHA1 signature with the maintained `oauth-1.0a` library.
 */
import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request } from 'express';
import OAuth from 'oauth-1.0a';

/** Counts of calls by endpoint, and of refused signatures. */
export interface OAuth1Calls {
  requestToken: number;
  authorize: number;
  accessToken: number;
  badSignature: number;
}

/** A running OAuth1 provider. */
export interface TestOAuth1Provider {
  readonly url: string;
  readonly requestTokenUrl: string;
  readonly authorizeUrl: string;
  readonly accessTokenUrl: string;
  readonly consumerKey: string;
  readonly consumerSecret: string;
  readonly calls: OAuth1Calls;
  /** Access tokens issued so far, with their secrets (for canary checks). */
  readonly issued: { token: string; secret: string }[];
  /** When false, the request-token answer leaves out `oauth_callback_confirmed` (RFC 5849 §2.1 violation). */
  confirmCallback: boolean;
  /** The secret of an issued access token, or undefined. */
  accessTokenSecret(token: string): string | undefined;
  /** Checks a request signed with consumer + access token (for a protected API). */
  verify(req: Request): boolean;
  close(): Promise<void>;
}

/** The `oauth_*` parameters of an `Authorization: OAuth …` header, decoded. */
export function parseOAuthHeader(header: string | undefined): Record<string, string> | null {
  if (!header?.startsWith('OAuth ')) return null;
  const out: Record<string, string> = {};
  for (const part of header.slice(6).split(',')) {
    const m = /^\s*([A-Za-z0-9_]+)="([^"]*)"\s*$/.exec(part);
    if (!m) return null;
    out[m[1] as string] = decodeURIComponent(m[2] as string);
  }
  return out;
}

function formParams(req: Request): Record<string, string> {
  const body = req.body as Record<string, unknown> | undefined;
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(Object.entries(body).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

/**
 * Verifies an RFC 5849 HMAC-SHA1 signature: rebuilds the base string from the method, the URL as
 * received, the query, the form body and the `oauth_*` parameters, signs it with the consumer
 * secret and `tokenSecret`, and compares in constant time. Answers the header parameters when valid.
 */
export function verifyOAuth1Signature(
  req: Request,
  consumer: { key: string; secret: string },
  tokenSecret: (token: string | undefined) => string | undefined,
): Record<string, string> | null {
  const params = parseOAuthHeader(req.get('authorization'));
  if (!params || params.oauth_consumer_key !== consumer.key || params.oauth_signature_method !== 'HMAC-SHA1') return null;
  const secret = tokenSecret(params.oauth_token);
  if (secret === undefined) return null;
  const timestamp = Number(params.oauth_timestamp);
  if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 300 || !params.oauth_nonce) return null;
  const { oauth_signature: signature, realm: _realm, ...signed } = params;
  if (!signature) return null;
  const oauth = new OAuth({
    consumer,
    signature_method: 'HMAC-SHA1',
    hash_function: (base, key) => crypto.createHmac('sha1', key).update(base).digest('base64'),
  });
  const url = `${req.protocol}://${req.get('host')}${req.originalUrl}`;
  const expected = oauth.getSignature({ url, method: req.method, data: formParams(req) }, secret, signed as unknown as OAuth.Data);

  const a = Buffer.from(expected);
  const b = Buffer.from(signature);
  return a.length === b.length && crypto.timingSafeEqual(a, b) ? params : null;
}

/** Starts the provider on loopback. */
export async function startOAuth1Provider(opts: { consumerKey?: string; consumerSecret?: string } = {}): Promise<TestOAuth1Provider> {
  const consumer = { key: opts.consumerKey ?? 'patchbay-oauth1', secret: opts.consumerSecret ?? 'oauth1-consumer-secret-0123456789' };
  const requestTokens = new Map<string, { secret: string; callback: string; verifier: string | null }>();
  const accessTokens = new Map<string, string>();
  const usedNonces = new Set<string>();
  const calls: OAuth1Calls = { requestToken: 0, authorize: 0, accessToken: 0, badSignature: 0 };
  const issued: { token: string; secret: string }[] = [];
  const state = { confirmCallback: true };
  const random = (prefix: string) => `${prefix}${crypto.randomBytes(16).toString('hex')}`;

  const app = express();
  app.use(express.urlencoded({ extended: false }));
  const checked = (req: Request, tokenSecret: (token: string | undefined) => string | undefined) => {
    const params = verifyOAuth1Signature(req, consumer, tokenSecret);
    if (!params || usedNonces.has(`${params.oauth_nonce}:${params.oauth_timestamp}`)) {
      calls.badSignature += 1;
      return null;
    }
    usedNonces.add(`${params.oauth_nonce}:${params.oauth_timestamp}`);
    return params;
  };

  app.post('/oauth/request_token', (req, res) => {
    calls.requestToken += 1;
    const params = checked(req, (token) => (token === undefined ? '' : undefined));
    if (!params?.oauth_callback) {
      res.status(401).type('text/plain').send('oauth_problem=signature_invalid');
      return;
    }
    const token = random('rt_');
    const secret = random('rts_');
    requestTokens.set(token, { secret, callback: params.oauth_callback, verifier: null });
    const body = new URLSearchParams({ oauth_token: token, oauth_token_secret: secret });
    if (state.confirmCallback) body.set('oauth_callback_confirmed', 'true');
    res.type('application/x-www-form-urlencoded').send(body.toString());
  });

  app.get('/oauth/authorize', (req, res) => {
    calls.authorize += 1;
    const token = typeof req.query.oauth_token === 'string' ? req.query.oauth_token : '';
    const pending = requestTokens.get(token);
    if (!pending) {
      res.status(400).type('text/plain').send('unknown request token');
      return;
    }
    pending.verifier = random('v_');
    const back = new URL(pending.callback);
    back.searchParams.set('oauth_token', token);
    back.searchParams.set('oauth_verifier', pending.verifier);
    res.redirect(302, back.toString());
  });

  app.post('/oauth/access_token', (req, res) => {
    calls.accessToken += 1;
    const params = checked(req, (token) => (token === undefined ? undefined : requestTokens.get(token)?.secret));
    const pending = params?.oauth_token ? requestTokens.get(params.oauth_token) : undefined;
    if (!params || !pending?.verifier || params.oauth_verifier !== pending.verifier) {
      res.status(401).type('text/plain').send('oauth_problem=token_rejected');
      return;
    }
    requestTokens.delete(params.oauth_token as string);
    const token = random('at_');
    const secret = random('ats_');
    accessTokens.set(token, secret);
    issued.push({ token, secret });
    res.type('application/x-www-form-urlencoded').send(new URLSearchParams({ oauth_token: token, oauth_token_secret: secret }).toString());
  });

  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requestTokenUrl: `${url}/oauth/request_token`,
    authorizeUrl: `${url}/oauth/authorize`,
    accessTokenUrl: `${url}/oauth/access_token`,
    consumerKey: consumer.key,
    consumerSecret: consumer.secret,
    calls,
    issued,
    get confirmCallback() {
      return state.confirmCallback;
    },
    set confirmCallback(v) {
      state.confirmCallback = v;
    },
    accessTokenSecret: (token) => accessTokens.get(token),
    verify: (req) => checked(req, (token) => (token === undefined ? undefined : accessTokens.get(token))) !== null,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

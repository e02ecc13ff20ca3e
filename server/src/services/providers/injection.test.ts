import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import type { ConnectorRow } from '../../db/repos/connectors.ts';
import { startUpstream, type TestUpstream } from '../../testing/upstream.ts';
import type { Credentials } from '../connectors/credentials.ts';
import type { ConnectorDefinition } from '../connectors/definition.ts';
import { egressFetch } from '../egress/egress.ts';
import { applyCredentials, type InjectableConnector, InjectionError, type OutgoingRequest } from './injection.ts';

const ctx = {
  config: loadConfig({ PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'), PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true' }),
};

function connector(
  authType: ConnectorRow['auth_type'],
  def: Partial<ConnectorDefinition> = {},
  clientSecret: string | null = null,
): InjectableConnector {
  const definition: ConnectorDefinition = { oauth2: null, oauth1: null, apiKey: null, fields: [], validation: null, ...def };
  const row: ConnectorRow = {
    id: `c-${authType}`,
    name: authType,
    auth_type: authType,
    catalog_key: null,
    base_url: upstream.url,
    icon_url: null,
    definition: JSON.stringify(definition),
    client_secret_enc: null,
    created_at: '2026-01-01T00:00:00.000Z',
    updated_at: '2026-01-01T00:00:00.000Z',
  };
  return { row, definition, clientSecret };
}

let upstream: TestUpstream;
beforeAll(async () => {
  upstream = await startUpstream();
});
afterAll(() => upstream.close());

/** Injects, sends through egress to the echoing upstream, answers what it received. */
async function send(c: InjectableConnector, credentials: Credentials, init: Partial<OutgoingRequest> & { path?: string } = {}) {
  const req: OutgoingRequest = {
    url: new URL(`${upstream.url}${init.path ?? '/echo'}`),
    method: init.method ?? 'GET',
    headers: { ...init.headers },
    body: init.body,
  };
  applyCredentials(c, credentials, req);
  const res = await egressFetch(ctx, {
    url: req.url,
    method: req.method,
    headers: req.headers,
    ...(req.body === undefined ? {} : { body: req.body }),
  });
  return JSON.parse(res.body.toString()) as { method: string; url: string; headers: Record<string, string>; body: string };
}

const encode = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);

/** An independent RFC 5849 §3.4 check of an OAuth1 Authorization header (not using the signing library). */
function verifyOAuth1(
  seen: { method: string; url: string; headers: Record<string, string>; body: string },
  consumerSecret: string,
  tokenSecret: string,
  alg: 'sha1' | 'sha256',
) {
  const header = seen.headers.authorization ?? '';
  expect(header.startsWith('OAuth ')).toBe(true);
  const params = new Map<string, string>();
  for (const part of header.slice(6).split(/,\s*/)) {
    const m = /^([^=]+)="([^"]*)"$/.exec(part);
    if (m) params.set(decodeURIComponent(m[1] as string), decodeURIComponent(m[2] as string));
  }
  const signature = params.get('oauth_signature');
  params.delete('oauth_signature');
  params.delete('realm');
  const url = new URL(seen.url, upstream.url);
  const all: [string, string][] = [...params.entries(), ...url.searchParams.entries()];
  if ((seen.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded'))
    all.push(...new URLSearchParams(seen.body).entries());
  const normalized = all
    .map(([k, v]) => [encode(k), encode(v)] as const)
    .sort((a, b) => (a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
  const baseUri = `${url.protocol}//${url.host}${url.pathname}`;
  const base = `${seen.method}&${encode(baseUri)}&${encode(normalized)}`;
  const expected = crypto
    .createHmac(alg, `${encode(consumerSecret)}&${encode(tokenSecret)}`)
    .update(base)
    .digest('base64');
  expect(signature).toBe(expected);
  return params;
}

describe('applyCredentials', () => {
  it('oauth2: Authorization: Bearer, replacing whatever the caller sent', async () => {
    const seen = await send(
      connector('oauth2'),
      { type: 'oauth2', accessToken: 'AT-123', refreshToken: null, tokenType: 'bearer', expiresAt: null, scope: null },
      { headers: { Authorization: 'Bearer caller-supplied' } },
    );
    expect(seen.headers.authorization).toBe('Bearer AT-123');
  });

  it('basic: Authorization: Basic base64(user:password), UTF-8', async () => {
    const seen = await send(connector('basic'), { type: 'basic', username: 'ada', password: 'p\u00e4ss:word', fields: {} });
    expect(seen.headers.authorization).toBe(`Basic ${Buffer.from('ada:p\u00e4ss:word', 'utf8').toString('base64')}`);
  });

  it('api_key in a header, with a word-like prefix getting its space', async () => {
    const c = connector('api_key', { apiKey: { in: 'header', name: 'X-Api-Key', prefix: 'Token' } });
    const seen = await send(c, { type: 'api_key', apiKey: 'K-1', fields: {} }, { headers: { 'x-api-key': 'caller' } });
    expect(seen.headers['x-api-key']).toBe('Token K-1');
    expect(seen.headers.authorization).toBeUndefined();
    const plain = connector('api_key', { apiKey: { in: 'header', name: 'Authorization', prefix: null } });
    expect((await send(plain, { type: 'api_key', apiKey: 'K-2', fields: {} })).headers.authorization).toBe('K-2');
  });

  it('api_key as a query parameter, replacing a caller value and keeping the other parameters', async () => {
    const c = connector('api_key', { apiKey: { in: 'query', name: 'api_key', prefix: null } });
    const seen = await send(c, { type: 'api_key', apiKey: 'K&3', fields: {} }, { path: '/q?api_key=caller&x=1' });
    const url = new URL(seen.url, upstream.url);
    expect(url.searchParams.getAll('api_key')).toEqual(['K&3']);
    expect(url.searchParams.get('x')).toBe('1');
  });

  it('api_key without a placement is an InjectionError', () => {
    const req = { url: new URL(`${upstream.url}/`), method: 'GET', headers: {} };
    expect(() => applyCredentials(connector('api_key'), { type: 'api_key', apiKey: 'k', fields: {} }, req)).toThrow(InjectionError);
  });

  it('oauth1: an HMAC-SHA1 signature over method, URL, query and form body that an independent verifier accepts', async () => {
    const c = connector(
      'oauth1',
      { oauth1: { requestTokenUrl: '', authorizeUrl: '', accessTokenUrl: '', consumerKey: 'ck', signatureMethod: 'HMAC-SHA1' } },
      'consumer secret!',
    );
    const seen = await send(
      c,
      { type: 'oauth1', token: 'tok', tokenSecret: 'tok secret' },
      {
        method: 'POST',
        path: '/statuses?include=a%20b&x=1',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'status=hello%20world&n=2',
      },
    );
    const params = verifyOAuth1(seen, 'consumer secret!', 'tok secret', 'sha1');
    expect(params.get('oauth_consumer_key')).toBe('ck');
    expect(params.get('oauth_token')).toBe('tok');
    expect(params.get('oauth_signature_method')).toBe('HMAC-SHA1');
  });

  it("oauth1: uses the connector's signature method (HMAC-SHA256)", async () => {
    const c = connector(
      'oauth1',
      { oauth1: { requestTokenUrl: '', authorizeUrl: '', accessTokenUrl: '', consumerKey: 'ck2', signatureMethod: 'HMAC-SHA256' } },
      'cs2',
    );
    const seen = await send(c, { type: 'oauth1', token: 't2', tokenSecret: 'ts2' }, { path: '/me' });
    expect(verifyOAuth1(seen, 'cs2', 'ts2', 'sha256').get('oauth_signature_method')).toBe('HMAC-SHA256');
  });

  it('oauth1 without a consumer secret is an InjectionError', () => {
    const c = connector('oauth1', {
      oauth1: { requestTokenUrl: '', authorizeUrl: '', accessTokenUrl: '', consumerKey: 'ck', signatureMethod: 'HMAC-SHA1' },
    });
    const req = { url: new URL(`${upstream.url}/`), method: 'GET', headers: {} };
    expect(() => applyCredentials(c, { type: 'oauth1', token: 't', tokenSecret: 's' }, req)).toThrow(InjectionError);
  });

  it('answers the secret values it injected, for redacting them from what comes back (S-07)', () => {
    const req = (): OutgoingRequest => ({ url: new URL(`${upstream.url}/`), method: 'GET', headers: {} });
    const oauth2 = { type: 'oauth2', accessToken: 'AT', refreshToken: 'RT', tokenType: 'bearer', expiresAt: null, scope: null } as const;
    expect(applyCredentials(connector('oauth2'), oauth2, req())).toEqual(['AT']);
    expect(applyCredentials(connector('basic'), { type: 'basic', username: 'ada', password: 'pw', fields: {} }, req())).toEqual([
      'pw',
      Buffer.from('ada:pw').toString('base64'),
    ]);
    const key = connector('api_key', { apiKey: { in: 'header', name: 'X-Api-Key', prefix: 'Token' } });
    expect(applyCredentials(key, { type: 'api_key', apiKey: 'K-1', fields: {} }, req())).toEqual(['K-1']);
    const o1 = connector(
      'oauth1',
      { oauth1: { requestTokenUrl: '', authorizeUrl: '', accessTokenUrl: '', consumerKey: 'ck', signatureMethod: 'HMAC-SHA1' } },
      'cs',
    );
    const signed = req();
    const secrets = applyCredentials(o1, { type: 'oauth1', token: 'tok', tokenSecret: 'ts' }, signed);
    const signature = decodeURIComponent(/oauth_signature="([^"]+)"/.exec(signed.headers.authorization ?? '')?.[1] ?? '');
    expect(signature).not.toBe('');
    expect(secrets).toEqual(['tok', signature, 'ts', 'cs']);
    expect(applyCredentials(connector('none'), { type: 'none' }, req())).toEqual([]);
  });

  it('proprietary and none inject nothing', async () => {
    for (const [c, creds] of [
      [connector('none'), { type: 'none' }],
      [connector('api_key'), { type: 'proprietary', values: { apiKey: 'PROP' } }],
    ] as const) {
      const seen = await send(c, creds, { headers: { 'x-trace': 't' } });
      expect(seen.headers.authorization).toBeUndefined();
      expect(JSON.stringify(seen)).not.toContain('PROP');
      expect(seen.headers['x-trace']).toBe('t');
    }
  });
});

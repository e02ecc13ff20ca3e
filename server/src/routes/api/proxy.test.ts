import http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seal } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';
import { type ConnectorRow, insertConnector } from '../../db/repos/connectors.ts';
import { sql } from '../../db/sql.ts';
import type { Credentials } from '../../services/connectors/credentials.ts';
import type { ConnectorDefinition } from '../../services/connectors/definition.ts';
import { setEgressResolver } from '../../services/egress/egress.ts';
import { MAX_RESPONSE_BYTES } from '../../services/proxy/proxy.ts';
import { insertConfig, insertConnectorAuth, insertEndUser, insertGroup } from '../../testing/domainFixtures.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { type ReceivedRequest, startUpstream, type TestUpstream } from '../../testing/upstream.ts';

const CANARY = {
  apiKey: 'CANARY-APIKEY-7f3a91',
  queryKey: 'CANARY-QUERYKEY-22c1',
  access: 'CANARY-ACCESS-5b8e02',
  refresh: 'CANARY-REFRESH-d41f',
  refreshed: 'CANARY-REFRESHED-ACCESS-90aa',
  password: 'CANARY-PASSWORD-13ee',
  tokenSecret: 'CANARY-TOKENSECRET-6d2b',
  consumerSecret: 'CANARY-CONSUMER-88f0',
  clientSecret: 'CANARY-CLIENTSECRET-a1b2',
};

let s: TestServer;
let owner: string;
let upstream: TestUpstream;
let configId: string;
let endUserId: string;
let tokenCalls: ReceivedRequest[] = [];

/** The local "third-party API": echoes, redirects, sets cookies, checks bearer tokens, issues refreshed tokens. */
function upstreamHandler(req: ReceivedRequest, res: http.ServerResponse): void {
  const path = req.url.split('?')[0] ?? '';
  if (path === '/oauth/token') {
    tokenCalls.push(req);
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({ access_token: CANARY.refreshed, refresh_token: `${CANARY.refresh}-2`, token_type: 'Bearer', expires_in: 3600 }),
    );
    return;
  }
  if (path === '/base/protected') {
    const ok = req.headers.authorization === `Bearer ${CANARY.refreshed}`;
    res.statusCode = ok ? 200 : 401;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(ok ? { ok: true } : { error: 'invalid_token' }));
    return;
  }
  if (path === '/base/reflect') {
    // A careless (or hostile) API that echoes what it was sent into its answer's headers.
    const query = new URL(req.url, 'http://upstream.test').searchParams;
    const authorization = String(req.headers.authorization ?? '');
    const key = query.get('key') ?? String(req.headers['x-api-key'] ?? '');
    const basic = authorization.startsWith('Basic ') ? Buffer.from(authorization.slice(6), 'base64').toString('latin1') : '';
    const oauth1 = new Map([...authorization.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], decodeURIComponent(m[2] ?? '')]));
    const secret = key || basic.split(':')[1] || oauth1.get('oauth_signature') || authorization.replace(/^Bearer /, '');
    res.statusCode = 302;
    res.setHeader('location', `https://elsewhere.test/cb?api_key=${key}&token=${encodeURIComponent(authorization)}&x=1`);
    res.setHeader('content-location', `/base/reflect?seen=${encodeURIComponent(encodeURIComponent(secret))}`);
    res.setHeader('refresh', `0; url=https://elsewhere.test/?k=${encodeURIComponent(secret)}`);
    res.setHeader('link', `<https://elsewhere.test/?k=${encodeURIComponent(secret)}>; rel="next"`);
    res.setHeader('x-echo-authorization', authorization);
    res.setHeader('x-echo-url', req.url);
    res.setHeader('x-echo-basic', basic);
    res.setHeader('x-echo-form', new URLSearchParams({ k: secret }).toString());
    res.setHeader('x-echo-lower', encodeURIComponent(secret).toLowerCase());
    res.setHeader('x-echo-decoded', secret);
    res.setHeader('x-echo-oauth-token', oauth1.get('oauth_token') ?? '');
    res.setHeader('x-echo-many', [`a=${secret}`, `b=${secret}`]);
    if (/^[\w-]+$/.test(secret)) res.setHeader(`x-${secret.toLowerCase()}`, 'the secret as a header name');
    res.setHeader('x-upstream', 'kept');
    res.end();
    return;
  }
  if (path === '/base/html') {
    res.setHeader('content-type', 'text/html');
    res.setHeader('set-cookie', ['session=stolen; Path=/', 'other=1']);
    res.setHeader('access-control-allow-origin', '*');
    res.setHeader('access-control-allow-credentials', 'true');
    res.setHeader('x-upstream', 'kept');
    res.setHeader('etag', '"v1"');
    res.end('<script>alert(document.cookie)</script>');
    return;
  }
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: req.body.toString('utf8') }));
}

let n = 0;
async function connector(
  authType: ConnectorRow['auth_type'],
  def: Partial<ConnectorDefinition> = {},
  opts: { baseUrl?: string; secret?: string } = {},
) {
  n += 1;
  const id = `px-${authType.replace('_', '')}-${n}`;
  const definition: ConnectorDefinition = { oauth2: null, oauth1: null, apiKey: null, fields: [], validation: null, ...def };
  const now = new Date(s.clock.now()).toISOString();
  await insertConnector(s.app.ctx.db, {
    id,
    name: id,
    auth_type: authType,
    catalog_key: null,
    base_url: opts.baseUrl ?? `${upstream.url}/base`,
    icon_url: null,
    definition: JSON.stringify(definition),
    client_secret_enc: opts.secret ? seal(s.app.ctx.keyring, secretLocation('connectors', 'client_secret_enc', id), opts.secret) : null,
    created_at: now,
    updated_at: now,
  });
  return id;
}

async function auth(
  connectorId: string,
  credentials: Credentials,
  status: 'active' | 'needs_reauth' | 'revoked' | 'disabled' = 'active',
  cfg = configId,
) {
  return insertConnectorAuth(s.app.ctx, {
    configId: cfg,
    connectorId,
    endUserId: cfg === configId ? endUserId : await insertEndUser(s.app.ctx, cfg),
    status,
    credentials: credentials as Record<string, unknown>,
  });
}

const apiKeyCreds = (apiKey = CANARY.apiKey): Credentials => ({ type: 'api_key', apiKey, fields: {} });

/** A raw HTTP request (fetch would normalise `..` and encoded characters before sending). */
function raw(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: Buffer | string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; text: string }> {
  const url = new URL(s.url);
  return new Promise((resolve, reject) => {
    const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
    const req = http.request(
      { host: url.hostname, port: url.port, method, path, headers: { authorization: `Bearer ${owner}`, ...length, ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let echoAuth: string;
let restoreDns: (() => void) | undefined;
beforeAll(async () => {
  s = await startTestServer();
  owner = await s.adminToken();
  upstream = await startUpstream(upstreamHandler);
  configId = await insertConfig(s.app.ctx);
  endUserId = await insertEndUser(s.app.ctx, configId, { userId: 'u-proxy', accountId: 'acme' });
  echoAuth = await auth(await connector('api_key', { apiKey: { in: 'header', name: 'X-Api-Key', prefix: null } }), apiKeyCreds());
});
afterEach(() => {
  restoreDns?.();
  restoreDns = undefined;
});
afterAll(async () => {
  await upstream.close();
  await s.close();
});

describe('proxy: forwarding', () => {
  it('forwards method, path under baseUrl and query with the key injected, and answers the upstream status and body', async () => {
    const res = await raw('GET', `/api/v1/proxy/${echoAuth}/users/42?include=a%20b&x=1`, { accept: 'application/json' });
    expect(res.status).toBe(200);
    const seen = JSON.parse(res.text);
    expect(seen.method).toBe('GET');
    expect(seen.url).toBe('/base/users/42?include=a%20b&x=1');
    expect(seen.headers['x-api-key']).toBe(CANARY.apiKey);
    expect(seen.headers.accept).toBe('application/json');
    expect(seen.headers.host).toBe(new URL(upstream.url).host);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-security-policy']).toBe("sandbox; default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['cache-control']).toBe('no-store');
  });

  /** Headers a hostile caller would use to reroute, re-method or re-address a call behind the upstream's own proxy. */
  const REWRITE_HEADERS = {
    'x-original-url': '/admin/delete-all',
    'x-rewrite-url': '/admin/delete-all',
    'x-original-uri': '/admin',
    'x-override-url': '/admin',
    'x-http-method-override': 'DELETE',
    'x-http-method': 'DELETE',
    'x-method-override': 'DELETE',
    'x-host': 'evil.test',
    'x-original-host': 'evil.test',
    'x-forwarded-for': '1.2.3.4',
    'x-forwarded-host': 'evil.test',
    'x-forwarded-proto': 'https',
    'x-forwarded-prefix': '/admin',
    'x-real-ip': '127.0.0.1',
    'x-client-ip': '127.0.0.1',
    'x-originating-ip': '127.0.0.1',
    'x-remote-ip': '127.0.0.1',
    'x-remote-addr': '127.0.0.1',
    'true-client-ip': '127.0.0.1',
    'cf-connecting-ip': '127.0.0.1',
    forwarded: 'for=1.2.3.4;host=evil.test',
    via: '1.1 evil',
  };

  it('passes a fixed list of request headers only: no credentials, hop-by-hop, rewrite, override, client-address or undeclared X-* headers', async () => {
    const res = await raw('GET', `/api/v1/proxy/${echoAuth}/h`, {
      ...REWRITE_HEADERS,
      cookie: 'pb_admin=secret',
      'proxy-authorization': 'Basic eA==',
      te: 'trailers',
      accept: 'application/json',
      'accept-language': 'de',
      'if-none-match': '"abc"',
      'idempotency-key': 'order-17',
      'user-agent': 'vendor-backend/1.0',
      'x-trace-id': 't-1',
      'x-api-key': 'caller-tries-to-override',
      origin: 'https://evil.test',
      referer: 'https://evil.test/x',
    });
    expect(res.status).toBe(200);
    const h = JSON.parse(res.text).headers as Record<string, string>;
    expect(JSON.stringify(h)).not.toContain(owner);
    expect(h).toEqual({
      host: new URL(upstream.url).host,
      connection: expect.any(String),
      accept: 'application/json',
      'accept-language': 'de',
      'if-none-match': '"abc"',
      'idempotency-key': 'order-17',
      'user-agent': 'vendor-backend/1.0',
      'x-api-key': CANARY.apiKey,
    });
    expect(upstream.received.at(-1)?.method).toBe('GET');
  });

  it('passes the headers the connector declares (created through the API), never a rewrite header even if stored as declared', async () => {
    const created = await s.request('POST', '/api/v1/connectors', {
      token: owner,
      body: {
        id: 'px-declared',
        name: 'Declared headers',
        authType: 'api_key',
        baseUrl: `${upstream.url}/base`,
        apiKey: { in: 'header', name: 'X-Api-Key' },
        proxy: { forwardHeaders: ['X-Trace-Id', 'Prefer'] },
      },
    });
    expect(created.status).toBe(201);
    const declared = await auth('px-declared', apiKeyCreds());
    const res = await raw(
      'POST',
      `/api/v1/proxy/${declared}/h`,
      {
        ...REWRITE_HEADERS,
        'content-type': 'text/plain',
        'x-trace-id': 't-2',
        prefer: 'return=minimal',
        'x-other': 'not declared',
      },
      'x',
    );
    const h = JSON.parse(res.text).headers as Record<string, string>;
    expect(h).toEqual({
      host: new URL(upstream.url).host,
      connection: expect.any(String),
      'content-type': 'text/plain',
      'content-length': '1',
      'x-trace-id': 't-2',
      prefer: 'return=minimal',
      'x-api-key': CANARY.apiKey,
    });
    expect(JSON.parse(res.text).method).toBe('POST');
    // a definition written around the API (an old row, a hand edit) still cannot smuggle one through
    const handMade = await auth(
      await connector('api_key', {
        apiKey: { in: 'header', name: 'X-Api-Key', prefix: null },
        proxy: { forwardHeaders: ['x-original-url', 'x-http-method-override', 'x-forwarded-host', 'host', 'x-tenant'] },
      }),
      apiKeyCreds(),
    );
    const seen = JSON.parse((await raw('GET', `/api/v1/proxy/${handMade}/h`, { ...REWRITE_HEADERS, 'x-tenant': 'acme' })).text);
    expect(seen.headers).toEqual({
      host: new URL(upstream.url).host,
      connection: expect.any(String),
      'x-tenant': 'acme',
      'x-api-key': CANARY.apiKey,
    });
    expect(seen.method).toBe('GET');
  });

  it('forwards a request body with its content type', async () => {
    const res = await raw('POST', `/api/v1/proxy/${echoAuth}/contacts`, { 'content-type': 'application/json' }, '{"name":"Ada"}');
    const seen = JSON.parse(res.text);
    expect(seen).toMatchObject({ method: 'POST', url: '/base/contacts', body: '{"name":"Ada"}' });
    expect(seen.headers['content-type']).toBe('application/json');
    expect(seen.headers['content-length']).toBe('14');
  });

  it.each(['PUT', 'PATCH', 'DELETE'])('forwards %s', async (method) => {
    const res = await raw(method, `/api/v1/proxy/${echoAuth}/things/1`, { 'content-type': 'text/plain' }, 'x');
    expect(JSON.parse(res.text)).toMatchObject({ method, url: '/base/things/1' });
  });

  it('refuses a request body over 5 MB with 413 and sends nothing upstream', async () => {
    const before = upstream.received.length;
    const res = await raw(
      'POST',
      `/api/v1/proxy/${echoAuth}/big`,
      { 'content-type': 'application/octet-stream' },
      Buffer.alloc(5 * 1024 * 1024 + 1),
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'body_too_large', message: 'The request body is larger than 5 MB' });
    expect(upstream.received.length).toBe(before);
  });

  it('drops Set-Cookie, Access-Control-* and hop-by-hop headers; HTML is served as an attachment in a sandbox', async () => {
    const res = await raw('GET', `/api/v1/proxy/${echoAuth}/html`);
    expect(res.status).toBe(200);
    expect(res.text).toBe('<script>alert(document.cookie)</script>');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
    expect(res.headers['content-disposition']).toBe('attachment');
    expect(res.headers['content-security-policy']).toBe("sandbox; default-src 'none'; frame-ancestors 'none'");
    expect(res.headers['x-upstream']).toBe('kept');
    expect(res.headers.etag).toBe('"v1"');
  });

  it('updates last_used_at', async () => {
    const a = await auth(await connector('api_key', { apiKey: { in: 'header', name: 'X-Api-Key', prefix: null } }), apiKeyCreds());
    await raw('GET', `/api/v1/proxy/${a}/x`);
    const row = await s.app.ctx.db.get<{ last_used_at: string | null }>(sql`SELECT last_used_at FROM connector_auths WHERE id = ${a}`);
    expect(row?.last_used_at).toBe(new Date(s.clock.now()).toISOString());
  });
});

describe('proxy: credential injection per auth type (the upstream echoes what it got)', () => {
  it('oauth2: Bearer access token', async () => {
    const a = await auth(await connector('oauth2'), {
      type: 'oauth2',
      accessToken: CANARY.access,
      refreshToken: null,
      tokenType: 'Bearer',
      expiresAt: null,
      scope: null,
    });
    const seen = JSON.parse((await raw('GET', `/api/v1/proxy/${a}/me`)).text);
    expect(seen.headers.authorization).toBe(`Bearer ${CANARY.access}`);
  });

  it('basic: Authorization: Basic', async () => {
    const a = await auth(await connector('basic'), { type: 'basic', username: 'ada', password: CANARY.password, fields: {} });
    const seen = JSON.parse((await raw('GET', `/api/v1/proxy/${a}/me`)).text);
    expect(seen.headers.authorization).toBe(`Basic ${Buffer.from(`ada:${CANARY.password}`).toString('base64')}`);
  });

  it('api_key as a query parameter', async () => {
    const a = await auth(await connector('api_key', { apiKey: { in: 'query', name: 'key', prefix: null } }), apiKeyCreds(CANARY.queryKey));
    const seen = JSON.parse((await raw('GET', `/api/v1/proxy/${a}/search?q=1&key=mine`)).text);
    const url = new URL(seen.url, upstream.url);
    expect(url.pathname).toBe('/base/search');
    expect(url.searchParams.getAll('key')).toEqual([CANARY.queryKey]);
    expect(url.searchParams.get('q')).toBe('1');
  });

  it('oauth1: a signed OAuth Authorization header', async () => {
    const a = await auth(
      await connector(
        'oauth1',
        { oauth1: { requestTokenUrl: '', authorizeUrl: '', accessTokenUrl: '', consumerKey: 'ck-1', signatureMethod: 'HMAC-SHA1' } },
        { secret: CANARY.consumerSecret },
      ),
      { type: 'oauth1', token: 'tok-1', tokenSecret: CANARY.tokenSecret },
    );
    const seen = JSON.parse((await raw('GET', `/api/v1/proxy/${a}/me`)).text);
    expect(seen.headers.authorization).toMatch(/^OAuth /);
    expect(seen.headers.authorization).toContain('oauth_consumer_key="ck-1"');
    expect(seen.headers.authorization).toContain('oauth_token="tok-1"');
    expect(seen.headers.authorization).toMatch(/oauth_signature="[^"]+"/);
    expect(seen.headers.authorization).not.toContain(CANARY.tokenSecret);
  });

  it('none: nothing injected', async () => {
    const a = await auth(await connector('none'), { type: 'none' });
    const seen = JSON.parse((await raw('GET', `/api/v1/proxy/${a}/public`)).text);
    expect(seen.headers.authorization).toBeUndefined();
  });
});

describe('proxy: injected credentials never come back in response headers (SECURITY.md, S-07)', () => {
  const ODD_KEY = 'CANARY-Key+/=&?é ü%2F';
  /** Every form a value could take in a header: as is, percent-encoded (either hex case), form-encoded, encoded twice. */
  const forms = (v: string) => {
    const once = encodeURIComponent(v);
    return [v, once, once.toLowerCase(), new URLSearchParams({ k: v }).toString().slice(2), encodeURIComponent(once)];
  };
  function expectNoSecret(headers: http.IncomingHttpHeaders, secrets: string[]) {
    const text = JSON.stringify(headers).toLowerCase();
    for (const secret of secrets) for (const f of forms(secret)) expect(text, f).not.toContain(f.toLowerCase());
  }
  /** The headers a reflected secret passes through; Link and Refresh are dropped by the proxy anyway. */
  function reflected(res: { headers: http.IncomingHttpHeaders }) {
    const h = res.headers;
    expect(h.link).toBeUndefined();
    expect(h.refresh).toBeUndefined();
    expect(h['x-upstream']).toBe('kept');
    return h;
  }

  it('api_key in a header: Location, Content-Location and every echoing header come back with [redacted]', async () => {
    const res = await raw('GET', `/api/v1/proxy/${echoAuth}/reflect`);
    expect(res.status).toBe(302);
    const h = reflected(res);
    expect(h.location).toBe('https://elsewhere.test/cb?api_key=[redacted]&token=&x=1');
    expect(h['content-location']).toBe('/base/reflect?seen=[redacted]');
    expect(h['x-echo-decoded']).toBe('[redacted]');
    expect(h['x-echo-form']).toBe('k=[redacted]');
    expect(h['x-echo-lower']).toBe('[redacted]');
    expect(h['x-echo-many']).toBe('a=[redacted], b=[redacted]');
    expect(h[`x-${CANARY.apiKey.toLowerCase()}`]).toBeUndefined();
    expectNoSecret(res.headers, [CANARY.apiKey]);
  });

  it('api_key in the query, with characters that need encoding: every encoded form is redacted too', async () => {
    const a = await auth(await connector('api_key', { apiKey: { in: 'query', name: 'key', prefix: null } }), apiKeyCreds(ODD_KEY));
    const res = await raw('GET', `/api/v1/proxy/${a}/reflect?q=1`);
    expect(res.status).toBe(302);
    const h = reflected(res);
    expect(h['x-echo-url']).toBe('/base/reflect?q=1&key=[redacted]');
    expect(h['x-echo-form']).toBe('k=[redacted]');
    expect(h['x-echo-lower']).toBe('[redacted]');
    expect(h['content-location']).toBe('/base/reflect?seen=[redacted]');
    expectNoSecret(res.headers, [ODD_KEY]);
  });

  it('basic: neither the password nor the base64 user:password comes back', async () => {
    const a = await auth(await connector('basic'), { type: 'basic', username: 'ada', password: CANARY.password, fields: {} });
    const res = await raw('GET', `/api/v1/proxy/${a}/reflect`);
    const h = reflected(res);
    expect(h['x-echo-authorization']).toBe('Basic [redacted]');
    expect(h['x-echo-basic']).toBe('ada:[redacted]');
    expect(h['x-echo-decoded']).toBe('[redacted]');
    expect(h.location).toBe('https://elsewhere.test/cb?api_key=&token=Basic%20[redacted]&x=1');
    expectNoSecret(res.headers, [CANARY.password, Buffer.from(`ada:${CANARY.password}`).toString('base64')]);
  });

  it('oauth2: the access token never comes back', async () => {
    const a = await auth(await connector('oauth2'), {
      type: 'oauth2',
      accessToken: CANARY.access,
      refreshToken: null,
      tokenType: 'Bearer',
      expiresAt: null,
      scope: null,
    });
    const res = await raw('GET', `/api/v1/proxy/${a}/reflect`);
    const h = reflected(res);
    expect(h['x-echo-authorization']).toBe('Bearer [redacted]');
    expect(h.location).toBe('https://elsewhere.test/cb?api_key=&token=Bearer%20[redacted]&x=1');
    expect(h['content-location']).toBe('/base/reflect?seen=[redacted]');
    expectNoSecret(res.headers, [CANARY.access]);
  });

  it('oauth1: the token and the signature never come back; the consumer key and nonce do', async () => {
    const token = 'CANARY-OAUTH1-TOKEN-41c9';
    const a = await auth(
      await connector(
        'oauth1',
        { oauth1: { requestTokenUrl: '', authorizeUrl: '', accessTokenUrl: '', consumerKey: 'ck-1', signatureMethod: 'HMAC-SHA1' } },
        { secret: CANARY.consumerSecret },
      ),
      { type: 'oauth1', token, tokenSecret: CANARY.tokenSecret },
    );
    const res = await raw('GET', `/api/v1/proxy/${a}/reflect`);
    const h = reflected(res);
    const echoed = String(h['x-echo-authorization']);
    expect(echoed).toContain('oauth_consumer_key="ck-1"');
    expect(echoed).toMatch(/oauth_nonce="[^"[]+"/);
    expect(echoed).toContain('oauth_signature="[redacted]"');
    expect(echoed).toContain('oauth_token="[redacted]"');
    expect(h['x-echo-oauth-token']).toBe('[redacted]');
    expect(h['x-echo-decoded']).toBe('[redacted]');
    const signature = upstream.received.at(-1)?.headers.authorization?.match(/oauth_signature="([^"]+)"/)?.[1] ?? '';
    expect(signature).not.toBe('');
    expectNoSecret(res.headers, [token, decodeURIComponent(signature), CANARY.tokenSecret, CANARY.consumerSecret]);
  });

  it('none: nothing to redact, the headers pass as sent', async () => {
    const a = await auth(await connector('none'), { type: 'none' });
    const res = await raw('GET', `/api/v1/proxy/${a}/reflect`);
    expect(res.headers.location).toBe('https://elsewhere.test/cb?api_key=&token=&x=1');
    expect(res.headers['x-echo-url']).toBe('/base/reflect');
  });
});

describe('proxy: OAuth2 refresh', () => {
  async function oauth2Connector() {
    return connector(
      'oauth2',
      {
        oauth2: {
          authorizeUrl: `${upstream.url}/oauth/authorize`,
          tokenUrl: `${upstream.url}/oauth/token`,
          revokeUrl: null,
          clientId: 'client-1',
          scopes: [],
          scopeDelimiter: ' ',
          pkce: true,
          grantType: 'authorization_code',
          authorizeParams: {},
        },
      },
      { secret: CANARY.clientSecret },
    );
  }

  it('on an upstream 401, refreshes once with force and retries once', async () => {
    tokenCalls = [];
    const a = await auth(await oauth2Connector(), {
      type: 'oauth2',
      accessToken: CANARY.access,
      refreshToken: CANARY.refresh,
      tokenType: 'Bearer',
      expiresAt: new Date(s.clock.now() + 3_600_000).toISOString(),
      scope: null,
    });
    const before = upstream.received.filter((r) => r.url === '/base/protected').length;
    const res = await raw('POST', `/api/v1/proxy/${a}/protected`, { 'content-type': 'application/json' }, '{"n":1}');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ ok: true });
    expect(tokenCalls).toHaveLength(1);
    expect(new URLSearchParams(tokenCalls[0]?.body.toString()).get('grant_type')).toBe('refresh_token');
    const calls = upstream.received.filter((r) => r.url === '/base/protected').slice(before);
    expect(calls.map((c) => [c.headers.authorization, c.body.toString()])).toEqual([
      [`Bearer ${CANARY.access}`, '{"n":1}'],
      [`Bearer ${CANARY.refreshed}`, '{"n":1}'],
    ]);
  });

  it('refreshes an expired token before the call', async () => {
    tokenCalls = [];
    const a = await auth(await oauth2Connector(), {
      type: 'oauth2',
      accessToken: CANARY.access,
      refreshToken: CANARY.refresh,
      tokenType: 'Bearer',
      expiresAt: new Date(s.clock.now() - 1000).toISOString(),
      scope: null,
    });
    const res = await raw('GET', `/api/v1/proxy/${a}/protected`);
    expect(res.status).toBe(200);
    expect(tokenCalls).toHaveLength(1);
  });

  it('answers the upstream 401 as is when the token cannot be refreshed', async () => {
    tokenCalls = [];
    const a = await auth(await oauth2Connector(), {
      type: 'oauth2',
      accessToken: CANARY.access,
      refreshToken: null,
      tokenType: 'Bearer',
      expiresAt: null,
      scope: null,
    });
    const res = await raw('GET', `/api/v1/proxy/${a}/protected`);
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toEqual({ error: 'invalid_token' });
    expect(tokenCalls).toHaveLength(0);
  });
});

describe('proxy: path safety (S-01)', () => {
  it.each([
    'https://evil.test/x',
    'http:%2F%2Fevil.test/x',
    '/evil.test/x',
    '..',
    '../x',
    '../../admin/api',
    'a/../../x',
    './x',
    '%2e%2e/x',
    '%2E%2E/secret',
    '.%2e/x',
    '%252e%252e/x',
    '..%2f..%2fx',
    'a%2fb',
    'a%5cb',
    'a\\b',
    '@evil.test/x',
    'user@evil.test',
    '%40evil.test',
    'a%0d%0aX-Injected:%201',
    'a%00',
    '%c0%ae%c0%ae/x',
    '..;/x',
    'a/..;/..;/admin',
    '.;x/y',
    '..;jsessionid=1/admin',
    '..%3B/x',
    '%EF%BC%8E%EF%BC%8E/x',
    '%EF%BC%8E%EF%BC%8E;x/admin',
    '.%EF%BC%8E/x',
    '%2e%EF%BC%8E/x',
    '%25EF%25BC%258E%25EF%25BC%258E/x',
    '%E2%80%A5/x',
  ])('refuses %j with 400 bad_request and calls nothing', async (path) => {
    const before = upstream.received.length;
    const res = await raw('GET', `/api/v1/proxy/${echoAuth}/${path}`);
    expect(res.status).toBe(400);
    const body = JSON.parse(res.text);
    expect(body.error.code).toBe('bad_request');
    expect(typeof body.error.message).toBe('string');
    expect(upstream.received.length).toBe(before);
  });
});

describe('proxy: egress policy', () => {
  it.each([
    ['302 to 127.0.0.1', '/redirect-local'],
    ['302 to the metadata address', '/redirect-meta'],
  ])('answers a %s as it is and does not follow it', async (_name, path) => {
    const internal = await startUpstream();
    const redirector = await startUpstream((req, res) => {
      res.statusCode = 302;
      res.setHeader('location', req.url === '/base/redirect-meta' ? 'http://169.254.169.254/latest/meta-data/' : `${internal.url}/admin`);
      res.end();
    });
    try {
      const a = await auth(
        await connector('api_key', { apiKey: { in: 'header', name: 'X-Api-Key', prefix: null } }, { baseUrl: `${redirector.url}/base` }),
        apiKeyCreds(),
      );
      const res = await raw('GET', `/api/v1/proxy/${a}${path}`);
      expect(res.status).toBe(302);
      expect(res.headers.location).toBe(path === '/redirect-meta' ? 'http://169.254.169.254/latest/meta-data/' : `${internal.url}/admin`);
      expect(internal.received).toHaveLength(0);
    } finally {
      await internal.close();
      await redirector.close();
    }
  });

  it.each(['10.0.0.5', '169.254.169.254', '127.0.0.1', '::1', 'fd00::1'])(
    'refuses a connector host resolving to %s with 502 upstream_error',
    async (address) => {
      restoreDns = setEgressResolver(async () => [{ address, family: address.includes(':') ? 6 : 4 }]);
      const a = await auth(
        await connector(
          'api_key',
          { apiKey: { in: 'header', name: 'X-Api-Key', prefix: null } },
          { baseUrl: 'https://internal.example.test/v1' },
        ),
        apiKeyCreds(),
      );
      const res = await raw('GET', `/api/v1/proxy/${a}/x`);
      expect(res.status).toBe(502);
      expect(JSON.parse(res.text).error).toMatchObject({
        code: 'upstream_error',
        message:
          "The connector's host is not reachable from Patchbay: The host internal.example.test resolves to a private, loopback, link-local or reserved address",
        details: { reason: 'blocked_address' },
      });
    },
  );
});

describe('proxy: streaming and limits', () => {
  it('streams: the first bytes of a slow chunked answer arrive before the upstream finishes', async () => {
    let finish: (() => void) | undefined;
    const slow = await startUpstream((_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.write('first;');
      finish = () => res.end('last');
    });
    try {
      const a = await auth(await connector('none', {}, { baseUrl: slow.url }), { type: 'none' });
      const res = await fetch(`${s.url}/api/v1/proxy/${a}/stream`, { headers: { authorization: `Bearer ${owner}` } });
      expect(res.status).toBe(200);
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const first = await reader.read();
      expect(Buffer.from(first.value ?? []).toString()).toBe('first;');
      expect(finish).toBeDefined();
      finish?.();
      let rest = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        rest += Buffer.from(value).toString();
      }
      expect(rest).toBe('last');
    } finally {
      await slow.close();
    }
  });

  it('answers 502 for a declared oversized answer, before sending anything', async () => {
    const big = await startUpstream((_req, res) => {
      res.setHeader('content-length', String(MAX_RESPONSE_BYTES + 1));
      res.write('x');
    });
    try {
      const a = await auth(await connector('none', {}, { baseUrl: big.url }), { type: 'none' });
      const res = await raw('GET', `/api/v1/proxy/${a}/big`);
      expect(res.status).toBe(502);
      expect(JSON.parse(res.text).error).toMatchObject({ code: 'upstream_error', details: { reason: 'too_large' } });
    } finally {
      await big.close();
    }
  });

  it('cuts an endless chunked answer past 50 MB and closes the upstream connection', async () => {
    let upstreamClosed = false;
    const endless = await startUpstream((_req, res) => {
      const chunk = Buffer.alloc(256 * 1024, 120);
      const pump = () => {
        while (res.write(chunk)) {
          /* fill the buffer */
        }
      };
      res.on('drain', pump);
      res.on('close', () => {
        upstreamClosed = true;
      });
      pump();
    });
    try {
      const a = await auth(await connector('none', {}, { baseUrl: endless.url }), { type: 'none' });
      const res = await fetch(`${s.url}/api/v1/proxy/${a}/endless`, { headers: { authorization: `Bearer ${owner}` } });
      expect(res.status).toBe(200);
      let received = 0;
      const reader = (res.body as ReadableStream<Uint8Array>).getReader();
      const outcome = await (async () => {
        try {
          for (;;) {
            const { value, done } = await reader.read();
            if (done) return 'ended';
            received += value.length;
          }
        } catch {
          return 'cut';
        }
      })();
      expect(outcome).toBe('cut');
      expect(received).toBeLessThanOrEqual(MAX_RESPONSE_BYTES);
      await expect.poll(() => upstreamClosed).toBe(true);
    } finally {
      await endless.close();
    }
  });
});

describe('proxy: who may call it', () => {
  it('404 for an unknown auth, without touching the upstream', async () => {
    const res = await raw('GET', '/api/v1/proxy/ca_doesnotexist00/x');
    expect(res.status).toBe(404);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'not_found', message: 'Connector auth "ca_doesnotexist00" not found' });
  });

  it('401 without a token, 403 without the run scope', async () => {
    const none = await raw('GET', `/api/v1/proxy/${echoAuth}/x`, { authorization: '' });
    expect(none.status).toBe(401);
    const readOnly = await s.adminToken({ scopes: ['read', 'write'] });
    const res = await raw('GET', `/api/v1/proxy/${echoAuth}/x`, { authorization: `Bearer ${readOnly}` });
    expect(res.status).toBe(403);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'insufficient_scope', message: 'This API token lacks the "run" scope' });
  });

  it('members: 404 without view on the configuration, 403 with view but no run, through with run', async () => {
    const cfg = await insertConfig(s.app.ctx);
    const group = await insertGroup(s.app.ctx, cfg);
    const otherGroup = await insertGroup(s.app.ctx, await insertConfig(s.app.ctx));
    const a = await auth(
      await connector('api_key', { apiKey: { in: 'header', name: 'X-Api-Key', prefix: null } }),
      apiKeyCreds(),
      'active',
      cfg,
    );
    const outsider = await s.adminToken({ role: 'member', groups: [{ groupId: otherGroup, view: true, run: true }] });
    const viewer = await s.adminToken({ role: 'member', groups: [{ groupId: group, view: true }] });
    const runner = await s.adminToken({ role: 'member', groups: [{ groupId: group, view: true, run: true }] });
    const before = upstream.received.length;
    const hidden = await raw('GET', `/api/v1/proxy/${a}/x`, { authorization: `Bearer ${outsider}` });
    expect([hidden.status, JSON.parse(hidden.text).error.code]).toEqual([404, 'not_found']);
    const denied = await raw('GET', `/api/v1/proxy/${a}/x`, { authorization: `Bearer ${viewer}` });
    expect([denied.status, JSON.parse(denied.text).error.code]).toEqual([403, 'forbidden']);
    expect(upstream.received.length).toBe(before);
    const allowed = await raw('GET', `/api/v1/proxy/${a}/x`, { authorization: `Bearer ${runner}` });
    expect(allowed.status).toBe(200);
    expect(JSON.parse(allowed.text).url).toBe('/base/x');
  });

  it.each(['needs_reauth', 'revoked', 'disabled'] as const)('422 unprocessable for an auth that is %s', async (status) => {
    const a = await auth(await connector('api_key', { apiKey: { in: 'header', name: 'X-Api-Key', prefix: null } }), apiKeyCreds(), status);
    const res = await raw('GET', `/api/v1/proxy/${a}/x`);
    expect(res.status).toBe(422);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'unprocessable', details: { reason: status } });
  });
});

describe('proxy: canary (C-08)', () => {
  it('no credential value ever reached a log line', () => {
    const logs = s.logs.join('\n');
    expect(logs.length).toBeGreaterThan(0);
    for (const [name, value] of Object.entries(CANARY)) expect(logs.includes(value), name).toBe(false);
    expect(logs).not.toContain('include=a%20b');
  });
});

describe('proxy: client-aborted uploads are logged at info, not as errors', () => {
  it('logs an upload the client abandons mid-stream as an aborted request at info, with no error line, and stays healthy', async () => {
    const before = upstream.received.length;
    const firstLog = s.logs.length;
    const url = new URL(s.url);
    const path = `/api/v1/proxy/${echoAuth}/upload`;
    await new Promise<void>((resolve, reject) => {
      const req = http.request({
        host: url.hostname,
        port: url.port,
        method: 'POST',
        path,
        headers: {
          authorization: `Bearer ${owner}`,
          'content-type': 'application/octet-stream',
          'content-length': String(4 * 1024 * 1024),
        },
      });
      req.on('error', () => resolve());
      req.on('response', () => reject(new Error('the server answered a request whose body never arrived')));
      req.write(Buffer.alloc(256 * 1024, 1), () => {
        // part of the body is on the wire: now the client goes away
        setTimeout(() => req.destroy(), 50);
      });
      req.on('close', () => resolve());
    });
    const lines = () => s.logs.slice(firstLog).map((l) => JSON.parse(l) as Record<string, unknown>);
    await expect.poll(() => lines().some((l) => l.msg === 'request aborted')).toBe(true);
    // whatever else might be logged late has had its chance
    const health = await s.request('GET', '/healthz');
    expect(health.status).toBe(200);
    const mine = lines();
    expect(mine.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
    expect(mine.filter((l) => l.msg === 'request aborted')).toEqual([
      {
        time: expect.any(String),
        level: 'info',
        msg: 'request aborted',
        requestId: expect.any(String),
        method: 'POST',
        path,
        ms: expect.any(Number),
      },
    ]);
    expect(s.logs.slice(firstLog).join('\n')).not.toMatch(/stack|unhandled/i);
    expect(upstream.received.length).toBe(before);
  });

  it('a client that leaves while the upstream is still answering: the upstream call is cut at once, logged as aborted at info', async () => {
    let upstreamClosed = false;
    let answered = false;
    const slow = await startUpstream((_req, res) => {
      res.on('close', () => {
        upstreamClosed = true;
      });
      // headers and a first chunk only after the client has gone, then silence (the idle timeout is 30 s)
      setTimeout(() => {
        answered = true;
        res.setHeader('content-type', 'text/plain');
        res.write('first;');
      }, 400);
    });
    try {
      const a = await auth(await connector('none', {}, { baseUrl: slow.url }), { type: 'none' });
      const firstLog = s.logs.length;
      const url = new URL(s.url);
      await new Promise<void>((resolve) => {
        const req = http.request({
          host: url.hostname,
          port: url.port,
          method: 'POST',
          path: `/api/v1/proxy/${a}/slow`,
          headers: { authorization: `Bearer ${owner}`, 'content-type': 'text/plain' },
        });
        req.on('error', () => resolve());
        req.on('close', () => resolve());
        req.end('hello', () => setTimeout(() => req.destroy(), 100));
      });
      await expect.poll(() => answered, { timeout: 5_000 }).toBe(true);
      await expect.poll(() => upstreamClosed, { timeout: 5_000 }).toBe(true);
      const lines = s.logs.slice(firstLog).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
      expect(lines.filter((l) => l.msg === 'request aborted').map((l) => [l.level, l.path])).toEqual([['info', `/api/v1/proxy/${a}/slow`]]);
      expect((await s.request('GET', '/healthz')).status).toBe(200);
    } finally {
      await slow.close();
    }
  });
});

import crypto from 'node:crypto';
import OAuth from 'oauth-1.0a';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../db/sql.ts';
import { openCredentials } from '../services/connectors/credentials.ts';
import { CookieJar, driveOAuth1Login, driveOAuth2Login, embedSessionToken, rewriteFor } from '../testing/connectFlow.ts';
import { insertFlow, insertGroup } from '../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from '../testing/embedFixtures.ts';
import { sqliteFileBytes, startTestServer, type TestServer } from '../testing/harness.ts';
import { startOAuth1Provider, type TestOAuth1Provider } from '../testing/oauth1Provider.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../testing/oidcProvider.ts';
import { insertionOrder } from '../testing/schemaInfo.ts';
import { TEST_DRIVER } from '../testing/testDatabase.ts';
import { startUpstreamApi, type TestUpstreamApi } from '../testing/upstreamApi.ts';

let s: TestServer;
let op: TestOAuthProvider;
let o1: TestOAuth1Provider;
let upstream: TestUpstreamApi;
let upstream1: TestUpstreamApi;
let fx: EmbedFixture;
let admin: string;
let publicUrl: string;
let rw: { from: string; to: string };
/** Every `/embed/api` answer body and every popup page, for the canary test. */
const seen: string[] = [];

const CSP =
  /^default-src 'none';script-src 'nonce-([A-Za-z0-9+/=]+)';style-src 'nonce-\1';frame-ancestors 'none';base-uri 'none';form-action 'none'$/;

async function embed(method: string, path: string, token: string, body?: unknown) {
  const res = await s.request(method, path, { token, ...(body === undefined ? {} : { body }) });
  seen.push(res.text);
  return res;
}

async function session(claims: Record<string, unknown> = {}): Promise<string> {
  return embedSessionToken(s, fx.token(claims));
}

async function ticket(token: string, body: Record<string, unknown>) {
  const res = await embed('POST', '/embed/api/connect-tickets', token, body);
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string; url: string; expiresAt: string };
}

/** One popup page load; with `jar`, as that browser (its cookies sent, and kept). */
async function page(url: string, jar?: CookieJar): Promise<{ status: number; text: string; headers: Headers }> {
  const target = new URL(url.startsWith(rw.from) ? rw.to + url.slice(rw.from.length) : url);
  const cookie = jar?.header(target);
  const res = await fetch(target, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });
  jar?.store(target, res);
  const text = await res.text();
  seen.push(text);
  return { status: res.status, text, headers: res.headers };
}

async function authCount(): Promise<number> {
  return ((await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM connector_auths`)) as { n: number }).n;
}

async function storedCredentials(id: string) {
  const row = await s.app.ctx.db.get<{ credentials_enc: string; credentials_version: number }>(
    sql`SELECT credentials_enc, credentials_version FROM connector_auths WHERE id = ${id}`,
  );
  if (!row) throw new Error(`no auth ${id}`);
  return { credentials: openCredentials(s.app.ctx, id, row.credentials_enc), version: row.credentials_version };
}

async function introspect(token: string) {
  const res = await fetch(op.introspectionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: op.clientId, client_secret: op.clientSecret }).toString(),
  });
  return (await res.json()) as { active: boolean; client_id?: string };
}

beforeAll(async () => {
  s = await startTestServer();
  publicUrl = s.app.ctx.config.publicUrl;
  rw = rewriteFor(s);
  op = await startOAuthProvider({ redirectUris: [`${publicUrl}/oauth/callback/crm`, `${publicUrl}/oauth/callback/crm2`] });
  o1 = await startOAuth1Provider();
  upstream = await startUpstreamApi({
    kind: 'bearer',
    introspectionUrl: op.introspectionUrl,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
  });
  upstream1 = await startUpstreamApi({ kind: 'oauth1', verify: (req) => o1.verify(req) });
  admin = await s.adminToken();
  const oauth2 = {
    authorizeUrl: op.authorizeUrl,
    tokenUrl: op.tokenUrl,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
    scopes: ['openid', 'profile'],
  };
  for (const body of [
    { id: 'crm', name: 'Demo CRM', authType: 'oauth2', baseUrl: upstream.url, oauth2 },
    { id: 'crm2', name: 'Demo CRM two', authType: 'oauth2', baseUrl: upstream.url, oauth2 },
    {
      id: 'oldcrm',
      name: 'Old CRM',
      authType: 'oauth1',
      baseUrl: upstream1.url,
      oauth1: {
        requestTokenUrl: o1.requestTokenUrl,
        authorizeUrl: o1.authorizeUrl,
        accessTokenUrl: o1.accessTokenUrl,
        consumerKey: o1.consumerKey,
        consumerSecret: o1.consumerSecret,
      },
    },
    { id: 'mailer', name: 'Mailer', authType: 'api_key', baseUrl: upstream.url, apiKey: { in: 'header', name: 'X-Api-Key' } },
  ]) {
    const res = await s.request('POST', '/api/v1/connectors', { token: admin, body });
    expect(res.status, res.text).toBe(201);
  }
  fx = await createEmbedFixture(s.app.ctx);
  // The configuration offers these connectors through a flow's slots, as a real one does.
  const flowId = await insertFlow(s.app.ctx, {
    definition: {
      slots: ['crm', 'crm2', 'oldcrm', 'mailer'].map((connectorId, i) => ({ key: `s${i}`, connectorId, label: connectorId })),
      inputs: [],
      trigger: { type: 'manual' },
      steps: [],
    },
  });
  await insertGroup(s.app.ctx, fx.configId, { flowIds: [flowId] });
}, 30_000);

afterAll(async () => {
  await Promise.all([s?.close(), op?.close(), o1?.close(), upstream?.close(), upstream1?.close()]);
});

describe('connect tickets', () => {
  it('are created for an OAuth connector: a single-use 10-minute ct_ ticket with the start URL', async () => {
    const token = await session();
    const res = await embed('POST', '/embed/api/connect-tickets', token, { connectorId: 'crm' });
    expect(res.status).toBe(201);
    const id = res.body.id as string;
    expect(id).toMatch(/^ct_[a-z0-9]{26}$/);
    expect(res.body).toEqual({
      id,
      url: `${publicUrl}/oauth/start?ticket=${id}`,
      expiresAt: new Date(s.clock.now() + 600_000).toISOString(),
    });
    const status = await embed('GET', `/embed/api/connect-tickets/${id}`, token);
    expect(status.status).toBe(200);
    expect(status.body).toEqual({ status: 'pending' });
  });

  it('answer 404 for an unknown connector, and 400 for a connector without a popup flow', async () => {
    const token = await session();
    const unknown = await embed('POST', '/embed/api/connect-tickets', token, { connectorId: 'nope' });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'not_found', message: 'Connector "nope" not found', requestId: expect.any(String) } });
    const apiKey = await embed('POST', '/embed/api/connect-tickets', token, { connectorId: 'mailer' });
    expect(apiKey.status).toBe(400);
    expect(apiKey.body.error.code).toBe('validation_failed');
    expect(apiKey.body.error.details.issues).toEqual([
      { path: 'body.connectorId', message: expect.stringContaining('uses api_key: post its credentials') },
    ]);
  });

  it('answer 404 for an existing OAuth connector this configuration does not offer', async () => {
    const res = await s.request('POST', '/api/v1/connectors', {
      token: admin,
      body: {
        id: 'stranger',
        name: 'Stranger',
        authType: 'oauth2',
        baseUrl: upstream.url,
        oauth2: { authorizeUrl: op.authorizeUrl, tokenUrl: op.tokenUrl, clientId: op.clientId, clientSecret: op.clientSecret },
      },
    });
    expect(res.status, res.text).toBe(201);
    const refused = await embed('POST', '/embed/api/connect-tickets', await session(), { connectorId: 'stranger' });
    expect(refused.status).toBe(404);
    expect(refused.body.error.message).toBe('Connector "stranger" not found');
  });

  it('need a session, and are visible only to the end user who created them', async () => {
    const none = await s.request('POST', '/embed/api/connect-tickets', { body: { connectorId: 'crm' } });
    expect(none.status).toBe(401);
    const t = await ticket(await session(), { connectorId: 'crm' });
    const other = await session({ embed_user_id: 'user-2' });
    const res = await embed('GET', `/embed/api/connect-tickets/${t.id}`, other);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('for a reconnect need an auth the caller may use (another user’s or an unknown one is 404)', async () => {
    const res = await embed('POST', '/embed/api/connect-tickets', await session(), {
      connectorId: 'crm',
      connectorAuthId: 'ca_0123456789abcdefghjkmnpqrs',
    });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

describe('OAuth2 authorization code + PKCE against oidc-provider', () => {
  let authId: string;

  it('connects from ticket to stored auth, with login and consent really submitted', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'crm' });
    const before = { ...op.tokenCalls };
    const run = await driveOAuth2Login(t.url, { rewrite: rw });
    seen.push(run.text);

    const authorize = new URL(run.authorizeUrl);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(op.authorizeUrl);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${publicUrl}/oauth/callback/crm`);
    expect(authorize.searchParams.get('client_id')).toBe(op.clientId);
    expect(authorize.searchParams.get('scope')).toBe('openid profile');
    expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(run.submitted).toEqual(['login', 'consent']);
    expect(run.visited.filter((u) => u.startsWith(`POST ${op.issuer}/interaction/`))).toHaveLength(2);
    expect(op.tokenCalls.authorization_code ?? 0).toBe((before.authorization_code ?? 0) + 1);

    expect(run.response?.status).toBe(200);
    const status = await embed('GET', `/embed/api/connect-tickets/${t.id}`, token);
    expect(status.body).toEqual({ status: 'success', connectorAuthId: expect.stringMatching(/^ca_/) });
    authId = status.body.connectorAuthId;

    const { credentials, version } = await storedCredentials(authId);
    expect(version).toBe(1);
    if (credentials.type !== 'oauth2') throw new Error('expected oauth2 credentials');
    expect(credentials.refreshToken).toEqual(expect.any(String));
    expect(credentials.tokenType).toBe('Bearer');
    expect(await introspect(credentials.accessToken)).toMatchObject({ active: true, client_id: op.clientId });

    const row = await s.app.ctx.db.get<Record<string, unknown>>(
      sql`SELECT config_id, connector_id, name, sharing_level, status, account_id, owner_end_user_id, scopes, expires_at FROM connector_auths WHERE id = ${authId}`,
    );
    const user = await s.app.ctx.db.get<{ id: string }>(
      sql`SELECT id FROM end_users WHERE config_id = ${fx.configId} AND user_id = 'user-1'`,
    );
    expect(row).toEqual({
      config_id: fx.configId,
      connector_id: 'crm',
      // The ID token names the account signed in at the provider (the default login of driveOAuth2Login).
      name: 'Demo CRM — ada@example.test',
      sharing_level: 'user',
      status: 'active',
      account_id: 'acme',
      owner_end_user_id: user?.id,
      scopes: JSON.stringify(['openid', 'profile']),
      expires_at: new Date(s.clock.now() + 3600_000).toISOString(),
    });
  });

  it('lets the vendor call the upstream through the proxy with the stored token', async () => {
    const res = await s.request('GET', `/api/v1/proxy/${authId}/me`, { token: admin });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ name: 'Demo CRM user', id: 'ada@example.test' });
    expect(upstream.calls.at(-1)).toEqual({ method: 'GET', path: '/me', authorized: true });
  });

  it('reconnects into the same auth id with new credentials', async () => {
    const token = await session();
    const old = (await storedCredentials(authId)).credentials;
    const t = await ticket(token, { connectorId: 'crm', connectorAuthId: authId });
    const run = await driveOAuth2Login(t.url, { rewrite: rw });
    seen.push(run.text);
    expect(run.response?.status).toBe(200);
    const status = await embed('GET', `/embed/api/connect-tickets/${t.id}`, token);
    expect(status.body).toEqual({ status: 'success', connectorAuthId: authId });
    const now = await storedCredentials(authId);
    expect(now.version).toBe(2);
    if (now.credentials.type !== 'oauth2' || old.type !== 'oauth2') throw new Error('expected oauth2');
    expect(now.credentials.accessToken).not.toBe(old.accessToken);
    expect(await authCount()).toBe(1);
    const audit = await s.app.ctx.db.all<{ action: string; actor_type: string }>(
      sql`SELECT action, actor_type FROM audit_events WHERE object_id = ${authId} ORDER BY at, ${insertionOrder(s.app.ctx.db)}`,
    );
    expect(audit).toEqual([
      { action: 'connector_auth.created', actor_type: 'end_user' },
      { action: 'connector_auth.reconnected', actor_type: 'end_user' },
    ]);
    // another end user may not reconnect it
    const other = await embed('POST', '/embed/api/connect-tickets', await session({ embed_user_id: 'user-2' }), {
      connectorId: 'crm',
      connectorAuthId: authId,
    });
    expect(other.status).toBe(404);
    // nor into another connector
    const wrong = await embed('POST', '/embed/api/connect-tickets', token, { connectorId: 'crm2', connectorAuthId: authId });
    expect(wrong.status).toBe(404);
  });

  it('answers the callback page with strict headers and posts to the exact iframe origin only', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'crm', connectorAuthId: authId });
    const run = await driveOAuth2Login(t.url, { rewrite: rw });
    seen.push(run.text);
    const res = run.response as Response;
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('content-security-policy')).toMatch(CSP);
    expect(res.headers.get('cross-origin-opener-policy')).not.toBe('same-origin');
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const nonce = CSP.exec(res.headers.get('content-security-policy') as string)?.[1];
    const message = JSON.stringify({
      source: 'patchbay',
      type: 'connect.result',
      ticketId: t.id,
      status: 'success',
      connectorAuthId: authId,
      error: null,
    });
    expect(run.text).toContain(`<script nonce="${nonce}">`);
    expect(run.text).toContain(`window.opener.postMessage(${message},${JSON.stringify(new URL(publicUrl).origin)})`);
    expect(run.text).toContain("history.replaceState(null,'',location.pathname)");
    expect(run.text).toContain('window.close()');
    expect(run.text).toContain('You can close this window.');
    expect(run.text).not.toMatch(/postMessage\([^)]*['"]\*['"]\)/);
    expect((run.text.match(/<script\b/g) ?? []).length).toBe(1);
  });

  it('makes the start URL single-use and refuses a replayed callback', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'crm', connectorAuthId: authId });
    const run = await driveOAuth2Login(t.url, { rewrite: rw });
    expect(run.response?.status).toBe(200);
    const again = await page(t.url);
    expect(again.status).toBe(400);
    expect(again.text).toContain('already been used or has expired');
    expect(again.headers.get('content-security-policy')).toMatch(CSP);
    const replay = await page(run.callbackUrl);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('Invalid callback');
    expect((await storedCredentials(authId)).version).toBe(4);
  });

  it('ignores authorize_url, access_url, redirect_uri, key and scope passed to /oauth/start', async () => {
    const t = await ticket(await session(), { connectorId: 'crm' });
    const evil = new URLSearchParams({
      ticket: t.id,
      authorize_url: 'https://evil.example/authorize',
      access_url: 'https://evil.example/token',
      redirect_uri: 'https://evil.example/cb',
      key: 'evil-client',
      scope: 'admin',
      callback: 'https://evil.example/',
    });
    const res = await page(`${rw.to}/oauth/start?${evil}`);
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location') as string);
    expect(`${location.origin}${location.pathname}`).toBe(op.authorizeUrl);
    expect(location.searchParams.get('redirect_uri')).toBe(`${publicUrl}/oauth/callback/crm`);
    expect(location.searchParams.get('client_id')).toBe(op.clientId);
    expect(location.searchParams.get('scope')).toBe('openid profile');
    expect(res.headers.get('location')).not.toContain('evil');
  });

  it('refuses a state issued for connector X on connector Y’s callback, without spending it', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'crm' });
    const run = await driveOAuth2Login(t.url, { rewrite: rw, stopAtCallback: true });
    const onY = await page(run.callbackUrl.replace('/oauth/callback/crm?', '/oauth/callback/crm2?'));
    expect(onY.status).toBe(400);
    expect((await embed('GET', `/embed/api/connect-tickets/${t.id}`, token)).body).toEqual({ status: 'pending' });
    // the real callback still works, and extra parameters on it are ignored
    const real = await page(
      `${run.callbackUrl}&access_url=https%3A%2F%2Fevil.example%2Ftoken&redirect_uri=https%3A%2F%2Fevil.example`,
      run.jar,
    );
    expect(real.status).toBe(200);
    expect((await embed('GET', `/embed/api/connect-tickets/${t.id}`, token)).body).toEqual({
      status: 'success',
      connectorAuthId: expect.stringMatching(/^ca_/),
    });
  });

  it('fails a code from flow A delivered with flow B’s state (PKCE verifier mismatch) and stores nothing', async () => {
    const token = await session();
    const a = await driveOAuth2Login((await ticket(token, { connectorId: 'crm' })).url, { rewrite: rw, stopAtCallback: true });
    const tb = await ticket(token, { connectorId: 'crm' });
    const b = await driveOAuth2Login(tb.url, { rewrite: rw, stopAtCallback: true });
    const codeA = new URL(a.callbackUrl).searchParams.get('code') as string;
    const injected = new URL(b.callbackUrl);
    injected.searchParams.set('code', codeA);
    const count = await authCount();
    const res = await page(injected.toString(), b.jar);
    expect(res.status).toBe(502);
    expect(res.text).toContain('did not accept the authorization');
    expect((await embed('GET', `/embed/api/connect-tickets/${tb.id}`, token)).body).toEqual({ status: 'error', error: 'exchange_failed' });
    expect(await authCount()).toBe(count);
  });

  it('refuses a callback with a missing or unknown state, and an unknown connector with 404', async () => {
    const count = await authCount();
    const missing = await page(`${rw.to}/oauth/callback/crm?code=abc`);
    expect(missing.status).toBe(400);
    expect(missing.headers.get('content-security-policy')).toMatch(CSP);
    const unknown = await page(`${rw.to}/oauth/callback/crm?code=abc&state=${crypto.randomBytes(32).toString('base64url')}`);
    expect(unknown.status).toBe(400);
    const repeated = await page(`${rw.to}/oauth/callback/crm?code=abc&state=a&state=b`);
    expect(repeated.status).toBe(400);
    const noConnector = await page(`${rw.to}/oauth/callback/nope?code=abc&state=x`);
    expect(noConnector.status).toBe(404);
    const badTicket = await page(`${rw.to}/oauth/start?ticket=${encodeURIComponent('ct_<script>')}`);
    expect(badTicket.status).toBe(400);
    expect(badTicket.text).not.toContain('<script>');
    expect(await authCount()).toBe(count);
  });

  it('reports a provider error as an error code and renders its description escaped', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'crm' });
    const browser = new CookieJar();
    const start = await page(t.url, browser);
    const state = new URL(start.headers.get('location') as string).searchParams.get('state') as string;
    const res = await page(
      `${rw.to}/oauth/callback/crm?${new URLSearchParams({ state, error: 'access_denied', error_description: '<script>alert(1)</script>' })}`,
      browser,
    );
    expect(res.status).toBe(200);
    expect(res.text).toContain('&#60;script&#62;alert(1)&#60;/script&#62;');
    expect(res.text).not.toContain('<script>alert');
    expect(res.text).toContain('"status":"error","connectorAuthId":null,"error":"access_denied"');
    expect((await embed('GET', `/embed/api/connect-tickets/${t.id}`, token)).body).toEqual({ status: 'error', error: 'access_denied' });
  });
});

describe('OAuth 1.0a against a local provider', () => {
  it('connects with a verified request token, verifier and access token, and keeps the secret server-side', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'oldcrm' });
    const run = await driveOAuth1Login(t.url, { rewrite: rw });
    seen.push(run.text);
    expect(run.response?.status, run.text).toBe(200);
    expect(new URL(run.authorizeUrl).searchParams.get('oauth_token')).toMatch(/^rt_/);
    expect(o1.calls).toEqual({ requestToken: 1, authorize: 1, accessToken: 1, badSignature: 0 });
    const status = await embed('GET', `/embed/api/connect-tickets/${t.id}`, token);
    expect(status.body).toEqual({ status: 'success', connectorAuthId: expect.stringMatching(/^ca_/) });
    const { credentials } = await storedCredentials(status.body.connectorAuthId);
    expect(credentials).toEqual({ type: 'oauth1', token: o1.issued[0]?.token, tokenSecret: o1.issued[0]?.secret });
    // the flow (holding the sealed request-token secret) is gone once used
    expect(await s.app.ctx.db.get(sql`SELECT count(*) AS n FROM oauth_flows WHERE ticket_id = ${t.id}`)).toEqual({ n: 0 });

    // the stored token and secret sign a request the OAuth1-protected upstream accepts
    const signer = new OAuth({
      consumer: { key: o1.consumerKey, secret: o1.consumerSecret },
      signature_method: 'HMAC-SHA1',
      hash_function: (base, key) => crypto.createHmac('sha1', key).update(base).digest('base64'),
    });
    if (credentials.type !== 'oauth1') throw new Error('expected oauth1');
    const url = `${upstream1.url}/me`;
    const header = signer.toHeader(signer.authorize({ url, method: 'GET' }, { key: credentials.token, secret: credentials.tokenSecret }));
    const me = await fetch(url, { headers: { authorization: header.Authorization } });
    expect(me.status).toBe(200);
    const unsigned = await fetch(url);
    expect(unsigned.status).toBe(401);

    // the replayed callback is refused
    const replay = await page(run.callbackUrl);
    expect(replay.status).toBe(400);
  });

  it('refuses a callback whose oauth_verifier is missing, before calling the access-token URL', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'oldcrm' });
    const browser = new CookieJar();
    const start = await page(t.url, browser);
    const requestToken = new URL(start.headers.get('location') as string).searchParams.get('oauth_token') as string;
    const calls = o1.calls.accessToken;
    const res = await page(`${rw.to}/oauth/callback/oldcrm?oauth_token=${requestToken}`, browser);
    expect(res.status).toBe(400);
    expect(o1.calls.accessToken).toBe(calls);
    expect((await embed('GET', `/embed/api/connect-tickets/${t.id}`, token)).body).toEqual({ status: 'error', error: 'provider_error' });
  });

  it('aborts when the provider does not confirm the callback (oauth_callback_confirmed)', async () => {
    o1.confirmCallback = false;
    try {
      const token = await session();
      const t = await ticket(token, { connectorId: 'oldcrm' });
      const res = await page(t.url);
      expect(res.status).toBe(502);
      expect((await embed('GET', `/embed/api/connect-tickets/${t.id}`, token)).body).toEqual({ status: 'error', error: 'provider_error' });
    } finally {
      o1.confirmCallback = true;
    }
  });
});

describe('browser binding (O-15)', () => {
  const COOKIE = /^pb_oauth=([A-Za-z0-9_-]{43}); Path=\/; HttpOnly; SameSite=Lax; Max-Age=600$/;
  const CLEARED = 'pb_oauth=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0';

  it('the start sets an HttpOnly, SameSite=Lax cookie for the flow’s lifetime, kept as a hash; the callback clears it', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'crm' });
    const browser = new CookieJar();
    const start = await page(t.url, browser);
    expect(start.status).toBe(302);
    const setCookie = start.headers.getSetCookie();
    expect(setCookie).toEqual([expect.stringMatching(COOKIE)]);
    const value = COOKIE.exec(setCookie[0] as string)?.[1] as string;
    expect(await s.app.ctx.db.get(sql`SELECT browser_binding_hash FROM oauth_flows WHERE ticket_id = ${t.id}`)).toEqual({
      browser_binding_hash: crypto.createHash('sha256').update(value).digest('hex'),
    });
    const run = await driveOAuth2Login(start.headers.get('location') as string, { rewrite: rw, jar: browser });
    expect(run.response?.status).toBe(200);
    expect(run.response?.headers.getSetCookie()).toEqual([CLEARED]);
    expect((await embed('GET', `/embed/api/connect-tickets/${t.id}`, token)).body).toEqual({
      status: 'success',
      connectorAuthId: expect.stringMatching(/^ca_/),
    });
  });

  it('a leaked start URL completed in another browser fails with a clear page, the ticket ends in browser_mismatch, nothing is exchanged', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'crm' });
    // The victim's popup opens the start URL (its browser gets the cookie) …
    const victim = new CookieJar();
    const start = await page(t.url, victim);
    expect(start.status).toBe(302);
    // … and someone else signs in at the provider and comes back, in a browser of their own.
    const count = await authCount();
    const exchanges = op.tokenCalls.authorization_code ?? 0;
    const attacker = await driveOAuth2Login(start.headers.get('location') as string, { rewrite: rw });
    seen.push(attacker.text);
    expect(attacker.response?.status).toBe(400);
    expect(attacker.text).toContain('<h1>Could not connect</h1>');
    expect(attacker.text).toContain('This sign-in was started in another browser or window.');
    expect(attacker.text).toContain(`"ticketId":"${t.id}","status":"error","connectorAuthId":null,"error":"browser_mismatch"`);
    expect(attacker.response?.headers.getSetCookie()).toEqual([]);
    expect((await embed('GET', `/embed/api/connect-tickets/${t.id}`, token)).body).toEqual({ status: 'error', error: 'browser_mismatch' });
    expect(op.tokenCalls.authorization_code ?? 0).toBe(exchanges);
    expect(await authCount()).toBe(count);
    // The flow is spent: the same callback in the victim's browser is refused too.
    const replay = await page(attacker.callbackUrl, victim);
    expect(replay.status).toBe(400);
    expect(replay.text).toContain('Invalid callback');
  });

  it('a cookie of another flow does not match', async () => {
    const token = await session();
    const victim = await driveOAuth2Login((await ticket(token, { connectorId: 'crm' })).url, { rewrite: rw, stopAtCallback: true });
    const own = new CookieJar();
    await page((await ticket(token, { connectorId: 'crm' })).url, own);
    const res = await page(victim.callbackUrl, own);
    expect(res.status).toBe(400);
    expect(res.text).toContain('This sign-in was started in another browser or window.');
  });

  it('two popups of one browser both finish: the cookie is replaced on each start and pending flows follow it', async () => {
    const token = await session();
    const browser = new CookieJar();
    const t1 = await ticket(token, { connectorId: 'crm' });
    const t2 = await ticket(token, { connectorId: 'crm2' });
    const one = await driveOAuth2Login(t1.url, { rewrite: rw, jar: browser, stopAtCallback: true });
    const first = browser.get(new URL(rw.to), 'pb_oauth');
    const two = await driveOAuth2Login(t2.url, { rewrite: rw, jar: browser, stopAtCallback: true });
    expect(browser.get(new URL(rw.to), 'pb_oauth')).not.toBe(first);
    const done1 = await page(one.callbackUrl, browser);
    expect(done1.status).toBe(200);
    expect(done1.headers.getSetCookie()).toEqual([]); // still needed by the second popup
    const done2 = await page(two.callbackUrl, browser);
    expect(done2.status).toBe(200);
    expect(done2.headers.getSetCookie()).toEqual([CLEARED]);
    for (const t of [t1, t2]) {
      expect((await embed('GET', `/embed/api/connect-tickets/${t.id}`, token)).body).toMatchObject({ status: 'success' });
    }
  });

  it('under an https public URL the cookie is __Host-pb_oauth, Secure', async () => {
    const secure = await startTestServer({ sameDatabaseAs: s, env: { PATCHBAY_PUBLIC_URL: 'https://patchbay.example.test' } });
    try {
      const token = await embedSessionToken(secure, fx.token());
      const t = (await secure.request('POST', '/embed/api/connect-tickets', { token, body: { connectorId: 'crm' } })).body;
      const start = await fetch(`${secure.url}/oauth/start?ticket=${t.id}`, { redirect: 'manual' });
      expect(start.status).toBe(302);
      const [setCookie] = start.headers.getSetCookie();
      expect(setCookie).toMatch(/^__Host-pb_oauth=[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=600; Secure$/);
      const state = new URL(start.headers.get('location') as string).searchParams.get('state') as string;
      const callback = `${secure.url}/oauth/callback/crm?${new URLSearchParams({ state, error: 'access_denied' })}`;
      const done = await fetch(callback, { headers: { cookie: (setCookie as string).split(';')[0] as string } });
      expect(done.status).toBe(200);
      expect(done.headers.getSetCookie()).toEqual(['__Host-pb_oauth=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure']);
      expect((await secure.request('GET', `/embed/api/connect-tickets/${t.id}`, { token })).body).toEqual({
        status: 'error',
        error: 'access_denied',
      });
    } finally {
      await secure.close();
    }
  });

  it('keeps ticket ids out of info-level log lines', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'crm' });
    const run = await driveOAuth2Login(t.url, { rewrite: rw });
    expect(run.response?.status).toBe(200);
    await page(t.url); // refused: already used
    const info = s.logs.filter((l) => (JSON.parse(l) as { level: string }).level === 'info');
    expect(info.some((l) => l.includes('"msg":"oauth connected"'))).toBe(true);
    expect(info.some((l) => l.includes('"msg":"oauth start refused"'))).toBe(true);
    expect(info.filter((l) => l.includes(t.id))).toEqual([]);
  });
});

describe('expiry', () => {
  it('refuses a state older than ten minutes and reports the ticket expired', async () => {
    const token = await session();
    const t = await ticket(token, { connectorId: 'crm' });
    const run = await driveOAuth2Login(t.url, { rewrite: rw, stopAtCallback: true });
    const count = await authCount();
    s.clock.advance(601);
    const res = await page(run.callbackUrl);
    expect(res.status).toBe(400);
    expect(await authCount()).toBe(count);
    const fresh = await session();
    const t2 = await ticket(fresh, { connectorId: 'crm' });
    s.clock.advance(601);
    const late = await page(t2.url);
    expect(late.status).toBe(400);
    const status = await embed('GET', `/embed/api/connect-tickets/${t2.id}`, await session());
    expect(status.body).toEqual({ status: 'error', error: 'expired' });
  });
});

describe('canary', () => {
  it('keeps access and refresh tokens out of every /embed/api answer, popup page, log line and the database bytes', async () => {
    const rows = await s.app.ctx.db.all<{ id: string; credentials_enc: string }>(sql`SELECT id, credentials_enc FROM connector_auths`);
    const secrets: string[] = [];
    for (const r of rows) {
      const c = openCredentials(s.app.ctx, r.id, r.credentials_enc);
      if (c.type === 'oauth2') secrets.push(c.accessToken, ...(c.refreshToken ? [c.refreshToken] : []));
      if (c.type === 'oauth1') secrets.push(c.token, c.tokenSecret);
    }
    expect(secrets.length).toBeGreaterThanOrEqual(6);
    // The file scan is SQLite's: on PostgreSQL the bytes are in the database server's own files.
    const files = TEST_DRIVER === 'sqlite' ? sqliteFileBytes(s, 'PASSIVE') : [];
    if (TEST_DRIVER === 'sqlite') expect(files.length).toBeGreaterThan(0);
    const logs = s.logs.join('\n');
    expect(seen.length).toBeGreaterThan(20);
    for (const secret of secrets) {
      for (const text of seen) expect(text.includes(secret)).toBe(false);
      expect(logs.includes(secret)).toBe(false);
      for (const bytes of files) expect(bytes.includes(Buffer.from(secret))).toBe(false);
    }
    expect(logs).not.toMatch(/code=|oauth_verifier=|access_token/);
  });
});

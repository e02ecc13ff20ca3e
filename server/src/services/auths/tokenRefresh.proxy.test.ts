import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { AppContext } from '../../context.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../../testing/oidcProvider.ts';
import {
  auditActions,
  insertAuthWith,
  insertOAuth2Connector,
  mintTokenSet,
  oauth2Credentials,
  storedAuth,
} from '../../testing/refreshFixtures.ts';
import { startUpstreamApi, type TestUpstreamApi } from '../../testing/upstreamApi.ts';

// Refresh across processes, through the proxy: an upstream that checks every bearer token by introspection at the provider.

let s: TestServer;
let p: TestOAuthProvider;
let upstream: TestUpstreamApi;
let ctx: AppContext;
let connectorId: string;
let token: string;

beforeAll(async () => {
  p = await startOAuthProvider({ redirectUris: ['http://127.0.0.1:1/cb'], rotateRefreshTokens: true });
  upstream = await startUpstreamApi({
    kind: 'bearer',
    introspectionUrl: p.introspectionUrl,
    clientId: p.clientId,
    clientSecret: p.clientSecret,
  });
  s = await startTestServer();
  ctx = s.app.ctx;
  connectorId = await insertOAuth2Connector(ctx, {
    tokenUrl: p.tokenUrl,
    clientId: p.clientId,
    clientSecret: p.clientSecret,
    baseUrl: upstream.url,
  });
  token = await s.adminToken({ scopes: ['read', 'write', 'run'] });
});
afterAll(async () => {
  await s.close();
  await upstream.close();
  await p.close();
});
beforeEach(() => {
  for (const k of Object.keys(p.tokenCalls)) delete p.tokenCalls[k];
  p.failTokenEndpoint = null;
  p.tokenDelayMs = 0;
  upstream.calls.length = 0;
});

it('50 concurrent proxy calls on an expired token → exactly one refresh at the provider and 50 × 200', async () => {
  const minted = await mintTokenSet(p);
  const authId = await insertAuthWith(ctx, connectorId, oauth2Credentials(ctx, minted, -60));
  p.tokenDelayMs = 200;
  const answers = await Promise.all(Array.from({ length: 50 }, () => s.request('GET', `/api/v1/proxy/${authId}/me`, { token })));
  expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
  expect(answers[0]?.body).toEqual({ id: 'user-1', scope: 'openid offline_access', name: 'Demo CRM user' });
  expect(p.tokenCalls).toEqual({ refresh_token: 1 });
  expect(upstream.calls).toHaveLength(50);
  expect(upstream.calls.every((c) => c.authorized)).toBe(true);
  const stored = await storedAuth(ctx, authId);
  expect(stored).toMatchObject({ status: 'active', credentials_version: 2 });
  expect(stored.credentials).not.toMatchObject({ accessToken: minted.accessToken });
  expect((await auditActions(ctx, authId)).map((a) => a.action)).toEqual(['connector_auth.created', 'connector_auth.refreshed']);
});

it('an unexpired token the upstream refuses: one forced refresh, the call retried once → 200', async () => {
  const minted = await mintTokenSet(p);
  const authId = await insertAuthWith(ctx, connectorId, {
    ...oauth2Credentials(ctx, minted, 3600),
    accessToken: 'revoked-or-unknown-token',
  });
  const res = await s.request('GET', `/api/v1/proxy/${authId}/contacts`, { token });
  expect(res.status).toBe(200);
  expect(p.tokenCalls).toEqual({ refresh_token: 1 });
  expect(upstream.calls.map((c) => c.authorized)).toEqual([false, true]);
});

it('token endpoint 500 → 503 through the proxy, auth stays active; invalid_grant → 422 needs_reauth', async () => {
  const minted = await mintTokenSet(p);
  const authId = await insertAuthWith(ctx, connectorId, oauth2Credentials(ctx, minted, -60));
  p.failTokenEndpoint = 500;
  const res = await s.request('GET', `/api/v1/proxy/${authId}/me`, { token });
  expect(res.status).toBe(503);
  expect(res.body.error).toMatchObject({ code: 'unavailable', details: { reason: 'refresh_failed', retryAfterSeconds: 30 } });
  expect((await storedAuth(ctx, authId)).status).toBe('active');
  expect(upstream.calls).toEqual([]);

  const bogus = await insertAuthWith(ctx, connectorId, oauth2Credentials(ctx, { ...minted, refreshToken: 'bogus' }, -60));
  p.failTokenEndpoint = null;
  const dead = await s.request('GET', `/api/v1/proxy/${bogus}/me`, { token });
  expect(dead.status).toBe(422);
  expect(dead.body.error).toMatchObject({ code: 'unprocessable', details: { reason: 'needs_reauth' } });
  expect((await storedAuth(ctx, bogus)).status).toBe('needs_reauth');
});

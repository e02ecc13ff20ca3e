import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import type { AppContext } from '../../context.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../../testing/oidcProvider.ts';
import {
  auditActions,
  insertAuthWith,
  insertOAuth2Connector,
  introspect,
  mintTokenSet,
  oauth2Credentials,
  storedAuth,
} from '../../testing/refreshFixtures.ts';
import { type ServerProcess, startServerProcess } from '../../testing/serverProcess.ts';
import { startUpstreamApi, type TestUpstreamApi } from '../../testing/upstreamApi.ts';

// Refresh across processes: two real Patchbay server processes on one SQLite file, a provider that rotates
// refresh tokens, an upstream that checks every bearer token by introspection at the provider.

let s: TestServer;
let p: TestOAuthProvider;
let upstream: TestUpstreamApi;
let ctx: AppContext;
let connectorId: string;
let worker: ServerProcess | undefined;

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
});
afterEach(async () => {
  await stopWorker();
});
afterAll(async () => {
  await stopWorker();
  await s?.close();
  await upstream?.close();
  await p?.close();
});

/** Kills the second server (if running) and waits until it has exited. */
async function stopWorker(): Promise<void> {
  const child = worker;
  worker = undefined;
  await child?.stop();
}

/** Starts a second Patchbay server process on the test server's database; answers its URL. */
async function startSecondServer(): Promise<string> {
  worker = await startServerProcess(s);
  return worker.url;
}

/** `GET url` with a bearer token; answers the status and parsed body. */
async function get(url: string, token: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(20_000) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

it('two server processes on one database, 25 concurrent proxy calls each on an expired token → exactly one refresh, 50 × 200', {
  timeout: 45_000,
}, async () => {
  const secondUrl = await startSecondServer();
  expect(secondUrl).not.toBe(s.url);
  // One API token in the shared database works on both servers.
  const token = await s.adminToken({ scopes: ['read', 'write', 'run'] });
  for (const url of [s.url, secondUrl]) expect(await get(`${url}/api/v1/connectors`, token)).toMatchObject({ status: 200 });

  const minted = await mintTokenSet(p);
  const authId = await insertAuthWith(ctx, connectorId, oauth2Credentials(ctx, minted, -60));
  for (const k of Object.keys(p.tokenCalls)) delete p.tokenCalls[k];
  upstream.calls.length = 0;
  // Widen the race: whoever takes the lease holds it while the provider thinks.
  p.tokenDelayMs = 400;

  const call = (base: string) => get(`${base}/api/v1/proxy/${authId}/me`, token);
  const answers = await Promise.all(Array.from({ length: 25 }, () => [call(s.url), call(secondUrl)]).flat());

  expect(p.tokenCalls).toEqual({ refresh_token: 1 });
  expect(answers.map((a) => a.status)).toEqual(Array(50).fill(200));
  for (const a of answers) expect(a.body).toEqual({ id: 'user-1', scope: 'openid offline_access', name: 'Demo CRM user' });
  expect(upstream.calls).toHaveLength(50);
  expect(upstream.calls.every((c) => c.authorized)).toBe(true);
  const stored = await storedAuth(ctx, authId);
  expect(stored).toMatchObject({
    status: 'active',
    credentials_version: 2,
    refresh_failures: 0,
    refresh_lease_until: null,
    refresh_lease_owner: null,
  });
  if (stored.credentials.type !== 'oauth2') throw new Error('oauth2 expected');
  expect(stored.credentials.accessToken).not.toBe(minted.accessToken);
  expect(await introspect(p, stored.credentials.refreshToken as string)).toBe(true);
  expect(await introspect(p, minted.refreshToken)).toBe(false);
  expect((await auditActions(ctx, authId)).map((a) => a.action)).toEqual(['connector_auth.created', 'connector_auth.refreshed']);
});

/**
 * Several stateless processes behind one URL (docs/storage.md): two Patchbay server processes
 * (`createApp` as `patchbay serve` builds it, each a child process of its own) on the same database
 * (SQLite file or PostgreSQL), behind a strict round-robin balancer, so consecutive requests of one
 * journey land on different processes. The test's own server only seeds the database. What
 * one process stored — sessions, connect flows with their browser binding, rate-limit counters —
 * the other honours. (Refresh single-flight across two processes: tokenRefresh.twoServers.test.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminUser } from './services/admins/adminUsers.ts';
import { CookieJar, driveOAuth2Login } from './testing/connectFlow.ts';
import { insertFlow, insertGroup } from './testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from './testing/embedFixtures.ts';
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from './testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from './testing/oidcProvider.ts';
import { type RoundRobin, startRoundRobin } from './testing/roundRobin.ts';
import { type ServerProcess, startServerProcess } from './testing/serverProcess.ts';
import { TEST_DRIVER } from './testing/testDatabase.ts';

const LOGIN_LIMIT = 4;
const env = { PATCHBAY_LOGIN_RATE_LIMIT: String(LOGIN_LIMIT), PATCHBAY_LOGIN_IP_RATE_LIMIT: '1000' };

let lb: RoundRobin;
let s: TestServer;
let processes: ServerProcess[] = [];
let op: TestOAuthProvider;
let fx: EmbedFixture;

beforeAll(async () => {
  lb = await startRoundRobin();
  const publicUrl = lb.url;
  s = await startTestServer({ env: { ...env, PATCHBAY_PUBLIC_URL: publicUrl } });
  processes = await Promise.all([1, 2].map(() => startServerProcess(s, { ...env, PATCHBAY_PUBLIC_URL: publicUrl })));
  lb.setBackends(processes.map((p) => p.url));
  op = await startOAuthProvider({ redirectUris: [`${publicUrl}/oauth/callback/crm`] });
  const admin = await s.adminToken();
  const res = await s.request('POST', '/api/v1/connectors', {
    token: admin,
    body: {
      id: 'crm',
      name: 'Demo CRM',
      authType: 'oauth2',
      baseUrl: 'https://api.crm.example.test',
      oauth2: {
        authorizeUrl: op.authorizeUrl,
        tokenUrl: op.tokenUrl,
        clientId: op.clientId,
        clientSecret: op.clientSecret,
        scopes: ['openid'],
      },
    },
  });
  expect(res.status, res.text).toBe(201);
  fx = await createEmbedFixture(s.app.ctx, { consent: { enabled: false } });
  const flowId = await insertFlow(s.app.ctx, { connectorId: 'crm' });
  await insertGroup(s.app.ctx, fx.configId, { flowIds: [flowId] });
  await createAdminUser(
    s.app.ctx,
    { kind: 'system' },
    { email: 'ada@vendor.test', name: 'Ada', role: 'owner', password: TEST_ADMIN_PASSWORD },
  );
}, 60_000);
afterAll(async () => {
  await Promise.all(processes.map((p) => p.stop()));
  await Promise.all([s?.close(), op?.close(), lb?.close()]);
});

/** Calls the balancer with JSON. */
async function call(method: string, path: string, opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${lb.url}${path}`, {
    method,
    headers,
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers, text };
}

/** The backend that served the last request matching `request` (`METHOD /path…`). */
function servedBy(prefix: string): number {
  const hit = lb.served.findLast((r) => r.request.startsWith(prefix));
  if (!hit) throw new Error(`no request ${prefix}`);
  return hit.backend;
}

describe(`two Patchbay processes on one database (${TEST_DRIVER})`, () => {
  it('a session minted by one process is accepted by the other', async () => {
    const session = await call('POST', '/embed/api/session', { body: { token: fx.token() } });
    expect(session.status, session.text).toBe(200);
    const minted = servedBy('POST /embed/api/session');
    const flows = await call('GET', '/embed/api/flows', { token: session.body.sessionToken });
    expect(flows.status, flows.text).toBe(200);
    expect(servedBy('GET /embed/api/flows')).not.toBe(minted);
  });

  it('a connect flow started on one process completes on the other', async () => {
    const session = await call('POST', '/embed/api/session', { body: { token: fx.token({ embed_user_id: 'two-proc-user' }) } });
    const token = session.body.sessionToken as string;
    const ticket = await call('POST', '/embed/api/connect-tickets', { token, body: { connectorId: 'crm' } });
    expect(ticket.status, ticket.text).toBe(201);
    // One browser: its cookies belong to the balancer's host, whichever process set them.
    const run = await driveOAuth2Login(ticket.body.url, { jar: new CookieJar() });
    expect(run.response?.status, run.text).toBe(200);
    expect(servedBy('GET /oauth/callback/crm')).not.toBe(servedBy('GET /oauth/start'));
    let status = await call('GET', `/embed/api/connect-tickets/${ticket.body.id}`, { token });
    // Both processes answer the same ticket status.
    const other = await call('GET', `/embed/api/connect-tickets/${ticket.body.id}`, { token });
    expect(status.body).toEqual(other.body);
    status = other;
    expect(status.body).toEqual({ status: 'success', connectorAuthId: expect.stringMatching(/^ca_/) });
    const auths = await call('GET', '/embed/api/connector-auths', { token });
    expect(auths.body.items.map((a: { id: string }) => a.id)).toContain(status.body.connectorAuthId);
  });

  it('a login rate limit spent across both processes holds on each', async () => {
    const origin = { origin: lb.url };
    for (let i = 0; i < LOGIN_LIMIT; i += 1) {
      const res = await call('POST', '/admin/api/login', { body: { email: 'ada@vendor.test', password: 'wrong' }, headers: origin });
      expect(res.status).toBe(401);
    }
    const backends = new Set(lb.served.filter((r) => r.request === 'POST /admin/api/login').map((r) => r.backend));
    expect(backends.size).toBe(2);
    for (let i = 0; i < 2; i += 1) {
      const res = await call('POST', '/admin/api/login', {
        body: { email: 'ada@vendor.test', password: TEST_ADMIN_PASSWORD },
        headers: origin,
      });
      expect(res.status).toBe(429);
      expect(res.body.error.code).toBe('rate_limited');
    }
  });
});

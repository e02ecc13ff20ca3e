/**
 * A login flood cannot starve the server (SECURITY.md, V-04): scrypt runs on libuv's thread pool, a
 * few at a time; the excess waits briefly and then answers 429 with Retry-After, and outbound calls
 * resolve names without that pool, so the proxy stays fast meanwhile.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertConnector } from '../../db/repos/connectors.ts';
import { createAdminUser } from '../../services/admins/adminUsers.ts';
import { insertConfig, insertConnectorAuth, insertEndUser } from '../../testing/domainFixtures.ts';
import { type ApiResponse, startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from '../../testing/harness.ts';
import { startUpstream, type TestUpstream } from '../../testing/upstream.ts';

const EMAIL = 'ada@vendor.test';
const FLOOD = 60;

let s: TestServer;
let upstream: TestUpstream;
let owner: string;
let authId: string;

beforeAll(async () => {
  // Rate limits out of the way: this file is about the work each attempt costs, not the budgets.
  s = await startTestServer({ env: { PATCHBAY_LOGIN_RATE_LIMIT: '100000', PATCHBAY_LOGIN_IP_RATE_LIMIT: '100000' } });
  await createAdminUser(s.app.ctx, { kind: 'system' }, { email: EMAIL, name: 'Ada', role: 'owner', password: TEST_ADMIN_PASSWORD });
  owner = await s.adminToken();
  upstream = await startUpstream((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"pong":true}');
  });
  const now = new Date(s.clock.now()).toISOString();
  // `localhost`, not 127.0.0.1: the name must be resolved for every call.
  await insertConnector(s.app.ctx.db, {
    id: 'pinger',
    name: 'Pinger',
    auth_type: 'api_key',
    catalog_key: null,
    base_url: `http://localhost:${upstream.port}/base`,
    icon_url: null,
    definition: JSON.stringify({
      oauth2: null,
      oauth1: null,
      apiKey: { in: 'header', name: 'X-Api-Key', prefix: null },
      fields: [],
      validation: null,
    }),
    client_secret_enc: null,
    created_at: now,
    updated_at: now,
  });
  const configId = await insertConfig(s.app.ctx);
  authId = await insertConnectorAuth(s.app.ctx, {
    configId,
    connectorId: 'pinger',
    endUserId: await insertEndUser(s.app.ctx, configId),
    credentials: { type: 'api_key', apiKey: 'k-123', fields: {} },
  });
});
afterAll(async () => {
  await upstream.close();
  await s.close();
});

function login(password: string): Promise<ApiResponse> {
  return s.request('POST', '/admin/api/login', { body: { email: EMAIL, password }, headers: { origin: s.app.ctx.config.publicUrl } });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number; doneAt: number }> {
  const started = performance.now();
  const value = await fn();
  const doneAt = performance.now();
  return { value, ms: doneAt - started, doneAt };
}

describe('login flood', () => {
  it('answers the excess of 60 parallel logins 429 quickly, a real login still succeeds, and proxy calls stay fast', async () => {
    const ping = await s.request('GET', `/api/v1/proxy/${authId}/ping`, { token: owner });
    expect(ping.status, ping.text).toBe(200);

    // One wrong sign-in alone: what a check costs on this machine now (it is slower when the machine is busy).
    const alone = await timed(() => login('wrong password alone'));
    expect(alone.value.status).toBe(401);
    const slack = Math.max(4_000, 8 * alone.ms);

    const started = performance.now();
    const flood = Array.from({ length: FLOOD }, (_, i) => timed(() => login(`wrong password ${i}`)));
    await new Promise((r) => setTimeout(r, 50));

    // Proxy calls during the flood: each resolves `localhost` and connects, without the thread pool.
    const proxied: number[] = [];
    for (let i = 0; i < 5; i++) {
      const call = await timed(() => s.request('GET', `/api/v1/proxy/${authId}/ping`, { token: owner }));
      expect(call.value.status).toBe(200);
      proxied.push(call.ms);
    }

    // A real sign-in during the flood: it may be told to retry, but it gets in soon.
    const real = await timed(async () => {
      for (;;) {
        const res = await login(TEST_ADMIN_PASSWORD);
        if (res.status !== 429) return res;
        await new Promise((r) => setTimeout(r, Number(res.headers.get('retry-after')) * 1000));
      }
    });

    const answers = await Promise.all(flood);
    const limited = answers.filter((a) => a.value.status === 429);
    const refused = answers.filter((a) => a.value.status === 401);
    expect(limited.length + refused.length).toBe(FLOOD);
    expect(limited.length).toBeGreaterThan(0);
    expect(refused.length).toBeGreaterThan(0);
    for (const a of limited) {
      expect(a.value.body).toEqual({
        error: {
          code: 'rate_limited',
          message: 'Too many sign-ins are being checked; retry after the time in Retry-After',
          requestId: expect.any(String),
        },
      });
      expect(a.value.headers.get('retry-after')).toBe('1');
    }
    // Every excess attempt is answered soon after its brief wait (1 s), not at the end of the flood
    // (which is 60 checks, a few at a time: far more than eight checks' time).
    expect(Math.max(...limited.map((a) => a.doneAt - started))).toBeLessThan(1_000 + slack);
    expect(real.value.status, real.value.text).toBe(200);
    expect(real.ms).toBeLessThan(2 * slack + 2_000);
    // Queued behind the flood's scrypt jobs on the thread pool (`dns.lookup`), one took 31 s: most of
    // the 60 checks. Four checks' time (at least 2.5 s) is the bound, so a busy machine does not fail it.
    expect(Math.max(...proxied)).toBeLessThan(Math.max(2_500, 4 * alone.ms));
  }, 90_000);
});

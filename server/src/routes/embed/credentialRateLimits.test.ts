/**
 * Credential validation is no brute-force oracle: creating or reconnecting basic/api_key
 * credentials in the iframe is limited per end user and per configuration; past a budget the answer
 * is 429 `rate_limited` with `Retry-After`, and the service is not asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertFlow, insertGroup } from '../../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from '../../testing/embedFixtures.ts';
import { type ApiResponse, startTestServer, type TestServer } from '../../testing/harness.ts';
import { startUpstream, type TestUpstream } from '../../testing/upstream.ts';

const PASSWORD = 'CANARY-right-password-3e1f';

let s: TestServer;
let upstream: TestUpstream;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    const ok = req.headers.authorization === `Basic ${Buffer.from(`ada:${PASSWORD}`).toString('base64')}`;
    res.statusCode = ok ? 200 : 401;
    res.end();
  });
  s = await startTestServer({
    env: { PATCHBAY_SESSION_RATE_LIMIT: '100000', PATCHBAY_CREDENTIAL_USER_RATE_LIMIT: '3', PATCHBAY_CREDENTIAL_CONFIG_RATE_LIMIT: '5' },
  });
  const owner = await s.adminToken();
  const res = await s.request('POST', '/api/v1/connectors', {
    token: owner,
    body: {
      id: 'crm',
      name: 'Demo CRM',
      authType: 'basic',
      baseUrl: upstream.url,
      validation: { method: 'GET', path: '/me', expectStatus: 200 },
    },
  });
  expect(res.status, res.text).toBe(201);
});
afterAll(async () => {
  await s.close();
  await upstream.close();
});

async function configuration(): Promise<EmbedFixture> {
  const fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'], consent: { enabled: false } });
  const flowId = await insertFlow(s.app.ctx, { name: 'Sync', connectorId: 'crm' });
  await insertGroup(s.app.ctx, fx.configId, { flowIds: [flowId] });
  return fx;
}

async function session(fx: EmbedFixture, user: string): Promise<string> {
  const res = await s.request('POST', '/embed/api/session', { body: { token: fx.token({ embed_user_id: user }) } });
  expect(res.status, res.text).toBe(200);
  return res.body.sessionToken as string;
}

const create = (token: string, password: string) =>
  s.request('POST', '/embed/api/connector-auths', { token, body: { connectorId: 'crm', values: { username: 'ada', password } } });

const validations = () => upstream.received.filter((r) => r.url === '/me').length;

function expectLimited(res: ApiResponse): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status: 429,
    body: {
      error: {
        code: 'rate_limited',
        message: 'Too many credential checks; retry after the time in Retry-After',
        requestId: res.headers.get('x-request-id'),
      },
    },
  });
  const retryAfter = Number(res.headers.get('retry-after'));
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(15 * 60);
}

describe('credential checks in the embed API', () => {
  it('limits each end user and each configuration; the service is not asked past a budget', async () => {
    const fx = await configuration();
    const ada = await session(fx, 'u-ada');
    const before = validations();

    // Ada's budget (3): a right password once, then wrong guesses; the fourth attempt is refused.
    const created = await create(ada, PASSWORD);
    expect(created.status, created.text).toBe(201);
    for (const guess of ['guess-1', 'guess-2']) expect((await create(ada, guess)).status).toBe(422);
    expectLimited(await create(ada, 'guess-3'));
    // Reconnecting with new values draws on the same budget; a rename does not check anything.
    expectLimited(
      await s.request('PATCH', `/embed/api/connector-auths/${created.body.id}`, {
        token: ada,
        body: { values: { username: 'ada', password: 'guess-4' } },
      }),
    );
    const renamed = await s.request('PATCH', `/embed/api/connector-auths/${created.body.id}`, { token: ada, body: { name: 'Work CRM' } });
    expect(renamed.status, renamed.text).toBe(200);
    expect(validations() - before).toBe(3);

    // The configuration's budget (5): Ada used 3; Bob gets two checks, then the configuration is spent.
    const bob = await session(fx, 'u-bob');
    for (const guess of ['guess-5', 'guess-6']) expect((await create(bob, guess)).status).toBe(422);
    expectLimited(await create(bob, PASSWORD));
    expect(validations() - before).toBe(5);

    // Another configuration has its own budget.
    const other = await session(await configuration(), 'u-ada');
    expect((await create(other, PASSWORD)).status).toBe(201);
    expect(validations() - before).toBe(6);
  });
});

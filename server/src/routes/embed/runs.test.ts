/**
 * The end user's side of runs (docs/runs.md): "Run now" queues a `manual` run that a real worker
 * executes against a real loopback upstream with the injected credential; the run's detail shows
 * step statuses and the end-user log, never bodies or credentials; another user's run answers
 * 404; a disabled integration answers 409.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { createLogger } from '../../log.ts';
import { RunWorker } from '../../runs/worker.ts';
import { insertConnector, insertConnectorAuth, insertFlow, insertGroup } from '../../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture } from '../../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';
import { startUpstream, type TestUpstream } from '../../testing/upstream.ts';

const CANARY = 'CANARY-api-key-5511';
let s: TestServer;
let upstream: TestUpstream;
let worker: RunWorker;

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000', PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true' } });
  upstream = await startUpstream((_r, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true }));
  });
  await insertConnector(s.app.ctx, { id: 'crm', name: 'Demo CRM', authType: 'api_key' });
  await s.app.ctx.db.run(sql`UPDATE connectors SET base_url = ${upstream.url} WHERE id = 'crm'`);
  worker = new RunWorker({ app: s.app.ctx, clock: s.app.ctx.clock, log: createLogger('silent') }, { pollMs: 50, scheduleEveryMs: null });
  worker.start();
});
afterAll(async () => {
  await worker.stop(2_000);
  await upstream.close();
  await s.close();
});

async function session(fx: Awaited<ReturnType<typeof createEmbedFixture>>, userId: string): Promise<string> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: userId, embed_account_id: 'acme' }) },
  });
  expect(res.status, res.text).toBe(200);
  await acceptConsent(s, res.body.sessionToken, res.body);
  return res.body.sessionToken as string;
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe(`embed runs on ${TEST_DRIVER}`, () => {
  it('Run now queues a manual run that calls the upstream with the credential; its detail shows steps and the end-user log', async () => {
    const fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'] });
    const flow = await insertFlow(s.app.ctx, {
      name: 'Push',
      definition: {
        slots: [{ key: 'main', connectorId: 'crm', label: 'CRM' }],
        inputs: [],
        trigger: { type: 'manual' },
        steps: [{ id: 'push', type: 'http', slot: 'main', method: 'POST', path: '/contacts', body: { who: '{{ embed.user_id }}' } }],
      },
    });
    await insertGroup(s.app.ctx, fx.configId, { name: 'CRM', flowIds: [flow] });
    const ada = await session(fx, 'ada');
    const bob = await session(fx, 'bob');
    const adaRow = await findEndUserByIdentity(s.app.ctx.db, fx.configId, 'acme', 'ada');
    const auth = await insertConnectorAuth(s.app.ctx, {
      configId: fx.configId,
      connectorId: 'crm',
      endUserId: adaRow?.id ?? null,
      accountId: 'acme',
      credentials: { type: 'api_key', apiKey: CANARY, fields: {} },
    });
    const created = await s.request('POST', '/embed/api/integrations', { token: ada, body: { flowId: flow, bindings: { main: auth } } });
    expect(created.status, created.text).toBe(201);
    const integrationId = created.body.id as string;

    const started = await s.request('POST', `/embed/api/integrations/${integrationId}/runs`, { token: ada });
    expect(started.status, started.text).toBe(202);
    expect(started.body.run).toMatchObject({ trigger: 'manual', status: 'queued', attempt: 1, durationMs: null, errorCode: null });
    const runId = started.body.run.id as string;

    const done = await until(async () => {
      const r = await s.request('GET', `/embed/api/runs/${runId}`, { token: ada });
      expect(r.status, r.text).toBe(200);
      if (r.body.status === 'error') throw new Error(r.text);
      return r.body.status === 'success' ? r : undefined;
    }, 'the run to succeed');
    expect(done.body).toMatchObject({
      id: runId,
      integrationId,
      trigger: 'manual',
      status: 'success',
      steps: [{ id: 'push', status: 'success', attempt: 1, httpStatus: 200, calls: 1, failedCalls: 0, errorCode: null }],
    });
    expect(typeof done.body.durationMs).toBe('number');
    expect(done.text).not.toContain(CANARY);
    expect(done.text).not.toContain('"ok"');
    expect(upstream.received).toHaveLength(1);
    expect(upstream.received[0]?.url).toBe('/contacts');
    expect(JSON.parse(upstream.received[0]?.body.toString('utf8') ?? '{}')).toEqual({ who: 'ada' });
    expect(upstream.received[0]?.headers['idempotency-key']).toBe(`${runId}.push`);
    expect(JSON.stringify(upstream.received[0]?.headers)).toContain(CANARY);

    const list = await s.request('GET', `/embed/api/integrations/${integrationId}/runs`, { token: ada });
    expect(list.body.items.map((r: { id: string; status: string }) => [r.id, r.status])).toEqual([[runId, 'success']]);

    // isolation: bob (same account, user-level sharing) sees neither the run nor the integration
    const other = await s.request('GET', `/embed/api/runs/${runId}`, { token: bob });
    expect([other.status, other.body.error?.code]).toEqual([404, 'not_found']);
    const otherStart = await s.request('POST', `/embed/api/integrations/${integrationId}/runs`, { token: bob });
    expect([otherStart.status, otherStart.body.error?.code]).toEqual([404, 'not_found']);
    const missing = await s.request('GET', '/embed/api/runs/run_doesnotexist', { token: ada });
    expect(missing.status).toBe(404);

    // a disabled integration does not run
    const disabled = await s.request('PATCH', `/embed/api/integrations/${integrationId}`, { token: ada, body: { status: 'disabled' } });
    expect(disabled.status, disabled.text).toBe(200);
    const refused = await s.request('POST', `/embed/api/integrations/${integrationId}/runs`, { token: ada });
    expect([refused.status, refused.body.error?.code]).toEqual([409, 'conflict']);
    expect(await s.app.ctx.db.get(sql`SELECT COUNT(*) AS n FROM runs WHERE integration_id = ${integrationId}`)).toEqual({ n: 1 });
  });
});

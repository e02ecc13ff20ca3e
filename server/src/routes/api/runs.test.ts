/**
 * Runs in the vendor API and its console mirror (docs/runs.md): admin trigger, list with filters
 * and keyset pagination, detail with steps, retry and cancel; a member sees runs of groups it may
 * `view` and needs `run` to start, retry or cancel. No worker runs here, so runs stay queued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { insertConnector, insertConnectorAuth, insertFlow, insertGroup } from '../../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture } from '../../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
  await insertConnector(s.app.ctx, { id: 'crm', name: 'Demo CRM', authType: 'api_key' });
});
afterAll(async () => {
  await s.close();
});

async function integration(): Promise<{ id: string; groupId: string; configId: string }> {
  const fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'] });
  const flow = await insertFlow(s.app.ctx, { name: 'Push', connectorId: 'crm' });
  const groupId = await insertGroup(s.app.ctx, fx.configId, { name: 'CRM', flowIds: [flow] });
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: 'ada', embed_account_id: 'acme' }) },
  });
  await acceptConsent(s, res.body.sessionToken, res.body);
  const eu = await findEndUserByIdentity(s.app.ctx.db, fx.configId, 'acme', 'ada');
  const auth = await insertConnectorAuth(s.app.ctx, {
    configId: fx.configId,
    connectorId: 'crm',
    endUserId: eu?.id ?? null,
    accountId: 'acme',
  });
  const created = await s.request('POST', '/embed/api/integrations', {
    token: res.body.sessionToken,
    body: { flowId: flow, bindings: { main: auth } },
  });
  expect(created.status, created.text).toBe(201);
  return { id: created.body.id as string, groupId: String(groupId), configId: fx.configId };
}

describe(`runs in the vendor API on ${TEST_DRIVER}`, () => {
  it('admin trigger, list with filters and cursor, detail, cancel, retry', async () => {
    const owner = await s.adminToken();
    const { id, configId } = await integration();
    const first = await s.request('POST', `/api/v1/integrations/${id}/runs`, { token: owner, body: { payload: { n: 1 } } });
    expect(first.status, first.text).toBe(202);
    expect(first.body.run).toMatchObject({
      integrationId: id,
      configId,
      userId: 'ada',
      accountId: 'acme',
      trigger: 'admin',
      status: 'queued',
      steps: [],
    });
    expect(first.text).not.toContain('"n":1');
    const runId = first.body.run.id as string;

    const canceled = await s.request('POST', `/api/v1/runs/${runId}/cancel`, { token: owner });
    expect([canceled.status, canceled.body.status, canceled.body.errorCode]).toEqual([200, 'canceled', 'canceled']);
    const again = await s.request('POST', `/api/v1/runs/${runId}/cancel`, { token: owner });
    expect([again.status, again.body.error?.code]).toEqual([409, 'conflict']);

    // the retry is newer than the original (the same instant would order them by their random ids)
    s.clock.advance(1);
    const retried = await s.request('POST', `/api/v1/runs/${runId}/retry`, { token: owner });
    expect(retried.status, retried.text).toBe(202);
    expect(retried.body.run).toMatchObject({ trigger: 'retry', retryOf: runId, status: 'queued' });
    const payload = await s.app.ctx.db.get<{ trigger_payload: string }>(
      sql`SELECT trigger_payload FROM runs WHERE id = ${retried.body.run.id}`,
    );
    expect(JSON.parse(payload?.trigger_payload ?? 'null')).toEqual({ n: 1 });
    const notFinished = await s.request('POST', `/api/v1/runs/${retried.body.run.id}/retry`, { token: owner });
    expect([notFinished.status, notFinished.body.error?.code]).toEqual([409, 'conflict']);

    const page = await s.request('GET', `/api/v1/runs?integrationId=${id}&limit=1`, { token: owner });
    expect(page.body.items.map((r: { id: string }) => r.id)).toEqual([retried.body.run.id]);
    const next = await s.request('GET', `/api/v1/runs?integrationId=${id}&limit=1&cursor=${page.body.nextCursor}`, { token: owner });
    expect([next.body.items.map((r: { id: string }) => r.id), next.body.nextCursor]).toEqual([[runId], null]);
    const byStatus = await s.request('GET', `/api/v1/runs?configId=${configId}&status=canceled&trigger=admin`, { token: owner });
    expect(byStatus.body.items.map((r: { id: string }) => r.id)).toEqual([runId]);
    const detail = await s.request('GET', `/api/v1/runs/${runId}`, { token: owner });
    expect(detail.body).toMatchObject({ id: runId, status: 'canceled', endUserLog: null });

    // bad filters are a clear 400
    const bad = await s.request('GET', '/api/v1/runs?status=weird', { token: owner });
    expect(bad.status).toBe(400);
  });

  it('members: without view 404 and nothing listed; with view but not run 403; with run allowed', async () => {
    const { id, groupId } = await integration();
    const owner = await s.adminToken();
    const run = (await s.request('POST', `/api/v1/integrations/${id}/runs`, { token: owner, body: {} })).body.run.id as string;
    const stranger = await s.adminToken({ role: 'member' });
    const viewer = await s.adminToken({ role: 'member', groups: [{ groupId, view: true }] });
    const runner = await s.adminToken({ role: 'member', groups: [{ groupId, view: true, run: true }] });

    expect((await s.request('GET', `/api/v1/runs?integrationId=${id}`, { token: stranger })).body.items).toEqual([]);
    expect((await s.request('GET', `/api/v1/runs/${run}`, { token: stranger })).status).toBe(404);
    expect((await s.request('POST', `/api/v1/integrations/${id}/runs`, { token: stranger, body: {} })).status).toBe(404);
    expect((await s.request('POST', `/api/v1/runs/${run}/cancel`, { token: stranger })).status).toBe(404);

    expect(
      (await s.request('GET', `/api/v1/runs?integrationId=${id}`, { token: viewer })).body.items.map((r: { id: string }) => r.id),
    ).toEqual([run]);
    expect((await s.request('GET', `/api/v1/runs/${run}`, { token: viewer })).status).toBe(200);
    for (const [method, path] of [
      ['POST', `/api/v1/integrations/${id}/runs`],
      ['POST', `/api/v1/runs/${run}/cancel`],
      ['POST', `/api/v1/runs/${run}/retry`],
    ] as const) {
      const res = await s.request(method, path, { token: viewer, body: {} });
      expect([path, res.status, res.body.error?.code]).toEqual([path, 403, 'forbidden']);
    }
    const canceled = await s.request('POST', `/api/v1/runs/${run}/cancel`, { token: runner });
    expect([canceled.status, canceled.body.status]).toEqual([200, 'canceled']);
    expect((await s.request('POST', `/api/v1/runs/${run}/retry`, { token: runner })).status).toBe(202);
    expect((await s.request('POST', `/api/v1/integrations/${id}/runs`, { token: runner, body: {} })).status).toBe(202);
  });
});

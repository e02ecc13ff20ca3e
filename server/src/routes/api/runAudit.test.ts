/**
 * Starting, retrying and cancelling a run are audited (docs/runs.md): `run.started` for an admin's
 * or an end user's "Run now", `run.retried` for a retry, `run.canceled` for a cancel, each with who
 * did it, the run, its configuration and its integration. A refused request records nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
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

async function integration(): Promise<{ id: string; groupId: string; configId: string; flowId: string; session: string }> {
  const fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'] });
  const flowId = await insertFlow(s.app.ctx, { name: 'Push', connectorId: 'crm' });
  const groupId = await insertGroup(s.app.ctx, fx.configId, { name: 'CRM', flowIds: [flowId] });
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
    body: { flowId, bindings: { main: auth } },
  });
  expect(created.status, created.text).toBe(201);
  return { id: created.body.id as string, groupId: String(groupId), configId: fx.configId, flowId, session: res.body.sessionToken };
}

type Event = {
  action: string;
  actorType: string;
  objectType: string;
  objectId: string;
  configId: string;
  requestId: string;
  details: object;
};

async function runEvents(owner: string, objectId: string): Promise<Event[]> {
  const res = await s.request('GET', `/api/v1/audit-events?objectType=run&objectId=${objectId}`, { token: owner });
  expect(res.status, res.text).toBe(200);
  return res.body.items as Event[];
}

describe(`run audit events on ${TEST_DRIVER}`, () => {
  it('Run now, retry and cancel each write one audit event naming the run, its configuration and integration', async () => {
    const owner = await s.adminToken();
    const { id, configId, flowId, session } = await integration();
    const started = await s.request('POST', `/api/v1/integrations/${id}/runs`, { token: owner, body: { payload: { secret: 'x' } } });
    expect(started.status, started.text).toBe(202);
    const runId = started.body.run.id as string;
    expect(await runEvents(owner, runId)).toEqual([
      {
        id: expect.any(String),
        at: expect.any(String),
        actorType: 'api_token',
        actorId: expect.any(String),
        action: 'run.started',
        objectType: 'run',
        objectId: runId,
        configId,
        requestId: started.headers.get('x-request-id'),
        details: { integrationId: id, flowId, trigger: 'admin' },
      },
    ]);

    // Newest first needs distinct instants (the same instant would order events by their random ids).
    s.clock.advance(1);
    const canceled = await s.request('POST', `/api/v1/runs/${runId}/cancel`, { token: owner });
    expect(canceled.status, canceled.text).toBe(200);
    // A second cancel is refused (409) and records nothing.
    expect((await s.request('POST', `/api/v1/runs/${runId}/cancel`, { token: owner })).status).toBe(409);
    const afterCancel = await runEvents(owner, runId);
    expect(afterCancel.map((e) => e.action)).toEqual(['run.canceled', 'run.started']);
    expect(afterCancel[0]).toMatchObject({ configId, details: { integrationId: id, flowId, previousStatus: 'queued' } });

    s.clock.advance(1);
    const retried = await s.request('POST', `/api/v1/runs/${runId}/retry`, { token: owner });
    expect(retried.status, retried.text).toBe(202);
    const retryId = retried.body.run.id as string;
    expect(await runEvents(owner, retryId)).toEqual([
      expect.objectContaining({
        action: 'run.retried',
        objectId: retryId,
        configId,
        details: { integrationId: id, flowId, trigger: 'retry', retryOf: runId },
      }),
    ]);

    // The end user's "Run now" is audited as theirs.
    const mine = await s.request('POST', `/embed/api/integrations/${id}/runs`, { token: session });
    expect(mine.status, mine.text).toBe(202);
    const endUserRun = mine.body.run.id as string;
    expect(await runEvents(owner, endUserRun)).toEqual([
      expect.objectContaining({
        action: 'run.started',
        actorType: 'end_user',
        configId,
        details: { integrationId: id, flowId, trigger: 'manual' },
      }),
    ]);
  });

  it('a run refused (disabled integration, or a member without run) leaves no audit event', async () => {
    const owner = await s.adminToken();
    const { id, groupId } = await integration();
    const before = (await s.request('GET', '/api/v1/audit-events?objectType=run&limit=100', { token: owner })).body.items.length;

    const queued = (await s.request('POST', `/api/v1/integrations/${id}/runs`, { token: owner, body: {} })).body.run.id as string;
    const viewer = await s.adminToken({ role: 'member', groups: [{ groupId, view: true }] });
    for (const path of [`/api/v1/integrations/${id}/runs`, `/api/v1/runs/${queued}/cancel`]) {
      const refused = await s.request('POST', path, { token: viewer, body: {} });
      expect([path, refused.status]).toEqual([path, 403]);
    }
    const count = async () => (await s.request('GET', '/api/v1/audit-events?objectType=run&limit=100', { token: owner })).body.items.length;
    expect(await count()).toBe(before + 1);

    expect((await s.request('POST', `/api/v1/integrations/${id}/disable`, { token: owner })).status).toBe(200);
    const disabled = await s.request('POST', `/api/v1/integrations/${id}/runs`, { token: owner, body: {} });
    expect([disabled.status, disabled.body.error?.code]).toEqual([409, 'conflict']);
    expect(await count()).toBe(before + 1);
  });
});

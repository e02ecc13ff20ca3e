import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../db/sql.ts';
import {
  insertConfig,
  insertConnector,
  insertConnectorAuth,
  insertEndUser,
  insertFlow,
  insertGroup,
  insertIntegration,
  insertRun,
} from '../../testing/domainFixtures.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';

let s: TestServer;
let owner: string;
beforeAll(async () => {
  s = await startTestServer();
  owner = await s.adminToken();
});
afterAll(() => s.close());

const ctx = () => s.app.ctx;

async function all(path: string, token: string): Promise<string[]> {
  const res = await s.request('GET', path, { token });
  expect(res.status).toBe(200);
  return res.body.items.map((i: { id: string }) => i.id);
}

describe('GET /api/v1/integrations/{id}', () => {
  it('answers the whole integration: bindings, inputs without password inputs, latest run; never secret inputs', async () => {
    const connectorId = await insertConnector(ctx());
    const configId = await insertConfig(ctx(), { sharingLevel: 'account' });
    const flowId = await insertFlow(ctx(), {
      definition: {
        slots: [{ key: 'crm', connectorId, label: 'CRM' }],
        inputs: [
          { key: 'list', type: 'text', label: 'List', required: false },
          { key: 'pin', type: 'password', label: 'PIN', required: false },
        ],
        trigger: { type: 'manual' },
        steps: [],
      },
    });
    const endUserId = await insertEndUser(ctx(), configId, { userId: 'u-42', accountId: 'acme' });
    const authId = await insertConnectorAuth(ctx(), { configId, connectorId, endUserId, sharingLevel: 'account' });
    const id = await insertIntegration(ctx(), {
      configId,
      flowId,
      endUserId,
      sharingLevel: 'account',
      bindings: { crm: authId },
      // a password value in the clear would be a bug elsewhere; this API must still not echo it
      inputs: { list: 'leads', pin: 'CANARY-PIN-IN-CLEAR' },
      secretInputs: { pin: 'CANARY-SEALED-PIN' },
      nextRunAt: '2030-01-01T00:00:00.000Z',
    });
    const runId = await insertRun(ctx(), id, { status: 'error' });
    const row = await ctx().db.get<{ created_at: string; latest_run_at: string }>(
      sql`SELECT created_at, latest_run_at FROM integrations WHERE id = ${id}`,
    );
    const res = await s.request('GET', `/api/v1/integrations/${id}`, { token: owner });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id,
      flowId,
      flowVersion: 1,
      configId,
      userId: 'u-42',
      accountId: 'acme',
      sharingLevel: 'account',
      status: 'enabled',
      disabledBy: null,
      bindings: { crm: authId },
      inputs: { list: 'leads' },
      webhookUrl: null,
      nextRunAt: '2030-01-01T00:00:00.000Z',
      latestRun: { id: runId, status: 'error', at: row?.latest_run_at },
      createdAt: row?.created_at,
      updatedAt: row?.created_at,
    });
    expect(res.text).not.toContain('CANARY');
  });

  it('answers 404 for an unknown id and 400 for a malformed one', async () => {
    const unknown = 'int_0000000000000000000000000a';
    const res = await s.request('GET', `/api/v1/integrations/${unknown}`, { token: owner });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: 'not_found', message: `Integration "${unknown}" not found`, requestId: res.headers.get('x-request-id') },
    });
    const bad = await s.request('GET', '/api/v1/integrations/ca_0000000000000000000000000a', { token: owner });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
    expect(bad.body.error.details.issues).toEqual([{ path: 'params.id', message: 'must be a int_… id' }]);
  });
});

describe('GET /api/v1/integrations', () => {
  let world: { c1: string; c2: string; f1: string; f2: string; ids: Record<string, string> };
  beforeAll(async () => {
    const connectorId = await insertConnector(ctx());
    const c1 = await insertConfig(ctx());
    const c2 = await insertConfig(ctx());
    const f1 = await insertFlow(ctx(), { connectorId });
    const f2 = await insertFlow(ctx(), { connectorId });
    const alice = await insertEndUser(ctx(), c1, { userId: 'alice', accountId: 'acct-a' });
    const bob = await insertEndUser(ctx(), c1, { userId: 'bob', accountId: 'acct-b' });
    const carol = await insertEndUser(ctx(), c2, { userId: 'alice', accountId: 'acct-c' });
    const ids: Record<string, string> = {};
    const add = async (name: string, configId: string, flowId: string, endUserId: string, status: 'enabled' | 'disabled' = 'enabled') => {
      s.clock.advance(1);
      ids[name] = await insertIntegration(ctx(), { configId, flowId, endUserId, status });
    };
    await add('a1', c1, f1, alice);
    await add('a2', c1, f2, alice, 'disabled');
    await add('b1', c1, f1, bob);
    await add('b2', c1, f2, bob);
    await add('c1', c2, f1, carol);
    await add('c2', c2, f2, carol, 'disabled');
    world = { c1, c2, f1, f2, ids };
  });

  const names = (ids: string[]) => ids.map((id) => Object.entries(world.ids).find(([, v]) => v === id)?.[0] ?? 'other');

  it('filters by configId, flowId, userId, accountId and status, newest first', async () => {
    const { c1, c2, f1, f2 } = world;
    expect(names(await all(`/api/v1/integrations?configId=${c1}`, owner))).toEqual(['b2', 'b1', 'a2', 'a1']);
    expect(names(await all(`/api/v1/integrations?configId=${c2}`, owner))).toEqual(['c2', 'c1']);
    expect(names(await all(`/api/v1/integrations?configId=${c1}&flowId=${f2}`, owner))).toEqual(['b2', 'a2']);
    expect(names(await all(`/api/v1/integrations?flowId=${f1}&userId=alice`, owner))).toEqual(['c1', 'a1']);
    expect(names(await all(`/api/v1/integrations?userId=alice&configId=${c1}`, owner))).toEqual(['a2', 'a1']);
    expect(names(await all('/api/v1/integrations?accountId=acct-b', owner))).toEqual(['b2', 'b1']);
    expect(names(await all(`/api/v1/integrations?status=disabled&flowId=${f2}`, owner))).toEqual(['c2', 'a2']);
    expect(await all('/api/v1/integrations?userId=nobody', owner)).toEqual([]);
  });

  it('pages with limit and nextCursor to the end without duplicates', async () => {
    const expected = await all('/api/v1/integrations?limit=200', owner);
    expect(expected.length).toBeGreaterThanOrEqual(6);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const res = await s.request('GET', `/api/v1/integrations?limit=2${q}`, { token: owner });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...res.body.items.map((i: { id: string }) => i.id));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 50);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect(pages).toBe(Math.ceil(expected.length / 2));
    const created: string[] = [];
    for (const id of seen) {
      created.push(
        (await ctx().db.get<{ created_at: string }>(sql`SELECT created_at FROM integrations WHERE id = ${id}`))?.created_at ?? '',
      );
    }
    expect([...created].sort().reverse()).toEqual(created);
  });

  it('keeps filters across pages', async () => {
    const first = await s.request('GET', `/api/v1/integrations?configId=${world.c1}&limit=3`, { token: owner });
    expect(names(first.body.items.map((i: { id: string }) => i.id))).toEqual(['b2', 'b1', 'a2']);
    const second = await s.request('GET', `/api/v1/integrations?configId=${world.c1}&limit=3&cursor=${first.body.nextCursor}`, {
      token: owner,
    });
    expect(second.body).toMatchObject({ nextCursor: null });
    expect(names(second.body.items.map((i: { id: string }) => i.id))).toEqual(['a1']);
  });

  it('answers 400 for a malformed cursor, a bad status or a limit out of range', async () => {
    const res = await s.request('GET', '/api/v1/integrations?cursor=not-a-cursor', { token: owner });
    expect(res.status).toBe(400);
    expect(res.body).toEqual({
      error: {
        code: 'bad_request',
        message: 'The cursor is malformed; pass back `nextCursor` as given',
        requestId: res.headers.get('x-request-id'),
        details: { issues: [{ path: 'query.cursor', message: 'malformed cursor' }] },
      },
    });
    const status = await s.request('GET', '/api/v1/integrations?status=paused', { token: owner });
    expect(status.status).toBe(400);
    expect(status.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['query.status']);
    const limit = await s.request('GET', '/api/v1/integrations?limit=0', { token: owner });
    expect(limit.status).toBe(400);
    expect(limit.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['query.limit']);
  });
});

describe('POST /api/v1/integrations/{id}/disable and /enable', () => {
  const auditsOf = (id: string) =>
    ctx().db.all<{ action: string; actor_type: string; actor_id: string | null; config_id: string; request_id: string; details: string }>(
      sql`SELECT action, actor_type, actor_id, config_id, request_id, details FROM audit_events WHERE object_id = ${id} ORDER BY ${insertionOrder(ctx().db)}`,
    );

  it('disables with disabledBy admin, enables, and treats a repeat as a no-op without an audit event', async () => {
    const configId = await insertConfig(ctx());
    const flowId = await insertFlow(ctx());
    const endUserId = await insertEndUser(ctx(), configId);
    const id = await insertIntegration(ctx(), { configId, flowId, endUserId });
    const tokenId = (await ctx().db.get<{ id: string }>(sql`SELECT id FROM api_tokens ORDER BY created_at LIMIT 1`))?.id;

    s.clock.advance(5);
    const off = await s.request('POST', `/api/v1/integrations/${id}/disable`, { token: owner });
    expect(off.status).toBe(200);
    expect(off.body).toMatchObject({ id, status: 'disabled', disabledBy: 'admin' });
    expect(off.body.updatedAt).not.toBe(off.body.createdAt);
    expect(await auditsOf(id)).toEqual([
      {
        action: 'integration.disabled',
        actor_type: 'api_token',
        actor_id: tokenId,
        config_id: configId,
        request_id: off.headers.get('x-request-id'),
        details: JSON.stringify({ flowId, previousStatus: 'enabled', previousDisabledBy: null }),
      },
    ]);

    const again = await s.request('POST', `/api/v1/integrations/${id}/disable`, { token: owner });
    expect(again.status).toBe(200);
    expect(again.body).toEqual(off.body);
    expect(await auditsOf(id)).toHaveLength(1);

    const on = await s.request('POST', `/api/v1/integrations/${id}/enable`, { token: owner });
    expect(on.status).toBe(200);
    expect(on.body).toMatchObject({ id, status: 'enabled', disabledBy: null });
    const onAgain = await s.request('POST', `/api/v1/integrations/${id}/enable`, { token: owner });
    expect(onAgain.body).toEqual(on.body);
    expect((await auditsOf(id)).map((a) => a.action)).toEqual(['integration.disabled', 'integration.enabled']);
  });

  it('re-enables an integration the user disabled, recording what it was', async () => {
    const configId = await insertConfig(ctx());
    const flowId = await insertFlow(ctx());
    const endUserId = await insertEndUser(ctx(), configId);
    const id = await insertIntegration(ctx(), { configId, flowId, endUserId, status: 'disabled', disabledBy: 'user' });
    const on = await s.request('POST', `/api/v1/integrations/${id}/enable`, { token: owner });
    expect(on.body).toMatchObject({ status: 'enabled', disabledBy: null });
    expect(JSON.parse((await auditsOf(id))[0]?.details ?? '{}')).toEqual({
      flowId,
      previousStatus: 'disabled',
      previousDisabledBy: 'user',
    });
  });

  it('takes over a disable the end user made, so the end user cannot undo it', async () => {
    const configId = await insertConfig(ctx());
    const flowId = await insertFlow(ctx());
    const endUserId = await insertEndUser(ctx(), configId);
    const id = await insertIntegration(ctx(), { configId, flowId, endUserId, status: 'disabled', disabledBy: 'user' });
    const off = await s.request('POST', `/api/v1/integrations/${id}/disable`, { token: owner });
    expect(off.body).toMatchObject({ status: 'disabled', disabledBy: 'admin' });
    expect(JSON.parse((await auditsOf(id))[0]?.details ?? '{}')).toEqual({
      flowId,
      previousStatus: 'disabled',
      previousDisabledBy: 'user',
    });
  });

  it('answers 404 for an unknown integration and writes nothing', async () => {
    const before = (await ctx().db.get<{ n: number }>(sql`SELECT count(*) AS n FROM audit_events`))?.n;
    const res = await s.request('POST', '/api/v1/integrations/int_zzzzzzzzzzzzzzzzzzzzzzzzzz/disable', { token: owner });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await ctx().db.get<{ n: number }>(sql`SELECT count(*) AS n FROM audit_events`))?.n).toBe(before);
  });

  it('lets a member with manage disable, and refuses view-only (403) and other groups (404)', async () => {
    const configId = await insertConfig(ctx());
    const f1 = await insertFlow(ctx());
    const f2 = await insertFlow(ctx());
    const g1 = await insertGroup(ctx(), configId, { flowIds: [f1] });
    await insertGroup(ctx(), configId, { flowIds: [f2] });
    const endUserId = await insertEndUser(ctx(), configId);
    const i1 = await insertIntegration(ctx(), { configId, flowId: f1, endUserId });
    const i2 = await insertIntegration(ctx(), { configId, flowId: f2, endUserId });
    const viewer = await s.adminToken({ role: 'member', groups: [{ groupId: g1, view: true, run: true }] });
    const manager = await s.adminToken({ role: 'member', groups: [{ groupId: g1, manage: true }] });

    const refused = await s.request('POST', `/api/v1/integrations/${i1}/disable`, { token: viewer });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({
      error: {
        code: 'forbidden',
        message: 'You lack the "manage" permission on this object\'s group',
        requestId: refused.headers.get('x-request-id'),
      },
    });
    expect((await s.request('POST', `/api/v1/integrations/${i2}/disable`, { token: manager })).status).toBe(404);
    const ok = await s.request('POST', `/api/v1/integrations/${i1}/disable`, { token: manager });
    expect(ok.status).toBe(200);
    expect(ok.body.status).toBe('disabled');
    expect((await ctx().db.get<{ status: string }>(sql`SELECT status FROM integrations WHERE id = ${i2}`))?.status).toBe('enabled');
  });
});

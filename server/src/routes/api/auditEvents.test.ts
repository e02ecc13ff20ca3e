import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAudit } from '../../services/audit/recordAudit.ts';
import { startTestServer, TestClock, type TestServer } from '../../testing/harness.ts';

let s: TestServer;
let owner: string;
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
beforeAll(async () => {
  s = await startTestServer({ clock: new TestClock(T0) });
  owner = await s.adminToken();
  // Six events one minute apart, after the two the harness wrote (admin user, token) at T0.
  const sys = { kind: 'system' } as const;
  const events = [
    { action: 'integration.disabled', objectType: 'integration', objectId: 'int_a', configId: 'cfg_1' },
    { action: 'integration.enabled', objectType: 'integration', objectId: 'int_a', configId: 'cfg_1' },
    { action: 'integration.disabled', objectType: 'integration', objectId: 'int_b', configId: 'cfg_2' },
    { action: 'connector.created', objectType: 'connector', objectId: 'crm', configId: null },
    {
      action: 'connector.updated',
      objectType: 'connector',
      objectId: 'crm',
      configId: null,
      details: { clientSecret: 'CANARY', name: 'CRM' },
    },
    { action: 'integration.disabled', objectType: 'integration', objectId: 'int_a', configId: 'cfg_1' },
  ];
  for (const e of events) {
    s.clock.advance(60);
    await recordAudit(s.app.ctx, sys, e);
  }
});
afterAll(() => s.close());

const list = async (q: string, token = owner) => s.request('GET', `/api/v1/audit-events?${q}`, { token });
const actions = (body: { items: { action: string; objectId: string | null }[] }) => body.items.map((i) => `${i.action}:${i.objectId}`);

describe('GET /api/v1/audit-events', () => {
  it('answers whole events newest first, with secrets redacted in details', async () => {
    const res = await list('objectType=connector');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        {
          id: expect.stringMatching(/^aud_/),
          at: '2026-03-01T10:05:00.000Z',
          actorType: 'system',
          actorId: null,
          action: 'connector.updated',
          objectType: 'connector',
          objectId: 'crm',
          configId: null,
          requestId: null,
          details: { clientSecret: '[redacted]', name: 'CRM' },
        },
        {
          id: expect.stringMatching(/^aud_/),
          at: '2026-03-01T10:04:00.000Z',
          actorType: 'system',
          actorId: null,
          action: 'connector.created',
          objectType: 'connector',
          objectId: 'crm',
          configId: null,
          requestId: null,
          details: {},
        },
      ],
      nextCursor: null,
    });
  });

  it('filters by object, action, actor, configuration and time window', async () => {
    expect(actions((await list('objectId=int_a')).body)).toEqual([
      'integration.disabled:int_a',
      'integration.enabled:int_a',
      'integration.disabled:int_a',
    ]);
    expect(actions((await list('action=integration.disabled&configId=cfg_2')).body)).toEqual(['integration.disabled:int_b']);
    expect(actions((await list('actorType=system&objectType=integration&limit=1')).body)).toEqual(['integration.disabled:int_a']);
    // since is inclusive, until exclusive; a time without milliseconds compares as .000
    expect(actions((await list('since=2026-03-01T10:02:00Z&until=2026-03-01T10:04:00Z')).body)).toEqual([
      'integration.disabled:int_b',
      'integration.enabled:int_a',
    ]);
    const created = (await list('action=admin_user.created')).body.items;
    expect(created).toHaveLength(1);
    expect(created[0]).toMatchObject({ actorType: 'system', objectType: 'admin_user', at: '2026-03-01T10:00:00.000Z' });
  });

  it('records API-token writes with the token as actor and the request id', async () => {
    const res = await s.request('POST', '/api/v1/api-tokens', { token: owner, body: { name: 'ci', scopes: ['read'] } });
    expect(res.status).toBe(201);
    const mine = (await list(`objectId=${res.body.id}`)).body.items;
    expect(mine).toEqual([expect.objectContaining({ action: 'api_token.created', actorType: 'api_token', objectType: 'api_token' })]);
    expect(mine[0].actorId).toMatch(/^tok_/);
    expect(JSON.stringify(mine)).not.toContain(res.body.token);
  });

  it('pages with limit=2 to the end without duplicates, newest first', async () => {
    const expected = (await list('limit=200')).body.items.map((i: { id: string }) => i.id);
    expect(expected.length).toBeGreaterThanOrEqual(8);
    const seen: string[] = [];
    const times: string[] = [];
    let cursor: string | null = null;
    do {
      const body: { items: { id: string; at: string }[]; nextCursor: string | null } = (
        await list(`limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).body;
      seen.push(...body.items.map((i) => i.id));
      times.push(...body.items.map((i) => i.at));
      cursor = body.nextCursor;
    } while (cursor && seen.length < 1000);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('answers 400 for a malformed cursor or timestamp', async () => {
    const res = await list('cursor=%%%');
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad_request');
    const since = await list('since=yesterday');
    expect(since.status).toBe(400);
    expect(since.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['query.since']);
  });

  it('is for owners and admins only', async () => {
    const admin = await s.adminToken({ role: 'admin' });
    expect((await list('limit=1', admin)).status).toBe(200);
    const member = await s.adminToken({ role: 'member' });
    const res = await list('limit=1', member);
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: { code: 'forbidden', message: 'Only owners and admins can read audit events', requestId: res.headers.get('x-request-id') },
    });
  });
});

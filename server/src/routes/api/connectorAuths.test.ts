import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../db/sql.ts';
import {
  insertConfig,
  insertConnector,
  insertConnectorAuth,
  insertEndUser,
  insertFlow,
  insertGroup,
} from '../../testing/domainFixtures.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';

let s: TestServer;
let owner: string;
beforeAll(async () => {
  s = await startTestServer();
  owner = await s.adminToken();
});
afterAll(() => s.close());

const ctx = () => s.app.ctx;
const ids = (body: { items: { id: string }[] }) => body.items.map((i) => i.id);

describe('GET /api/v1/connector-auths/{id}', () => {
  it('answers the metadata and never the credentials', async () => {
    const connectorId = await insertConnector(ctx(), { id: 'mailer' });
    const configId = await insertConfig(ctx());
    const endUserId = await insertEndUser(ctx(), configId, { userId: 'u-7', accountId: 'acme' });
    const id = await insertConnectorAuth(ctx(), {
      configId,
      connectorId,
      endUserId,
      name: 'Mailer Login authorized on 2026-01-01 by UU',
      scopes: ['send', 'read'],
      credentials: { apiKey: 'CANARY-API-KEY', refreshToken: 'CANARY-REFRESH' },
    });
    await ctx().db.run(
      sql`UPDATE connector_auths SET last_error = 'HTTP 401 from provider', expires_at = '2030-01-01T00:00:00.000Z' WHERE id = ${id}`,
    );
    const row = await ctx().db.get<{ created_at: string }>(sql`SELECT created_at FROM connector_auths WHERE id = ${id}`);
    const res = await s.request('GET', `/api/v1/connector-auths/${id}`, { token: owner });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id,
      connectorId: 'mailer',
      name: 'Mailer Login authorized on 2026-01-01 by UU',
      userId: 'u-7',
      accountId: 'acme',
      configId,
      sharingLevel: 'user',
      proprietary: false,
      status: 'active',
      disabledBy: null,
      scopes: ['send', 'read'],
      expiresAt: '2030-01-01T00:00:00.000Z',
      createdAt: row?.created_at,
      updatedAt: row?.created_at,
      lastUsedAt: null,
      lastRefreshedAt: null,
      lastError: 'HTTP 401 from provider',
    });
    expect(res.text).not.toContain('CANARY');
    expect(res.text).not.toContain('v1.');
    const list = await s.request('GET', `/api/v1/connector-auths?configId=${configId}`, { token: owner });
    expect(list.body).toEqual({ items: [res.body], nextCursor: null });
  });

  it('answers a vendor-owned auth with userId null', async () => {
    const connectorId = await insertConnector(ctx());
    const configId = await insertConfig(ctx());
    const id = await insertConnectorAuth(ctx(), { configId, connectorId, endUserId: null, accountId: null, proprietary: true });
    const res = await s.request('GET', `/api/v1/connector-auths/${id}`, { token: owner });
    expect(res.body).toMatchObject({ id, userId: null, accountId: null, proprietary: true });
  });

  it('answers 404 for an unknown id', async () => {
    const res = await s.request('GET', '/api/v1/connector-auths/ca_zzzzzzzzzzzzzzzzzzzzzzzzzz', { token: owner });
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: {
        code: 'not_found',
        message: 'Connector auth "ca_zzzzzzzzzzzzzzzzzzzzzzzzzz" not found',
        requestId: res.headers.get('x-request-id'),
      },
    });
  });
});

describe('GET /api/v1/connector-auths', () => {
  let w: { c1: string; c2: string; k1: string; k2: string; byName: Map<string, string> };
  beforeAll(async () => {
    const k1 = await insertConnector(ctx());
    const k2 = await insertConnector(ctx());
    const c1 = await insertConfig(ctx());
    const c2 = await insertConfig(ctx());
    const ann = await insertEndUser(ctx(), c1, { userId: 'ann', accountId: 'acct-1' });
    const ben = await insertEndUser(ctx(), c1, { userId: 'ben', accountId: 'acct-2' });
    const ann2 = await insertEndUser(ctx(), c2, { userId: 'ann', accountId: 'acct-3' });
    const byName = new Map<string, string>();
    const add = async (
      name: string,
      configId: string,
      connectorId: string,
      endUserId: string,
      status: 'active' | 'needs_reauth' | 'revoked' | 'disabled' = 'active',
    ) => {
      s.clock.advance(1);
      byName.set(await insertConnectorAuth(ctx(), { configId, connectorId, endUserId, status }), name);
    };
    await add('ann-k1', c1, k1, ann);
    await add('ann-k2', c1, k2, ann, 'needs_reauth');
    await add('ben-k1', c1, k1, ben, 'revoked');
    await add('ben-k2', c1, k2, ben);
    await add('ann2-k1', c2, k1, ann2);
    await add('ann2-k2', c2, k2, ann2, 'needs_reauth');
    w = { c1, c2, k1, k2, byName };
  });
  const names = (body: { items: { id: string }[] }) => ids(body).map((id) => w.byName.get(id) ?? 'other');
  const get = async (q: string, token = owner) => (await s.request('GET', `/api/v1/connector-auths?${q}`, { token })).body;

  it('filters by configId, connectorId, userId, accountId and status, newest first', async () => {
    expect(names(await get(`configId=${w.c1}`))).toEqual(['ben-k2', 'ben-k1', 'ann-k2', 'ann-k1']);
    expect(names(await get(`connectorId=${w.k1}`))).toEqual(['ann2-k1', 'ben-k1', 'ann-k1']);
    expect(names(await get(`userId=ann&connectorId=${w.k2}`))).toEqual(['ann2-k2', 'ann-k2']);
    expect(names(await get('accountId=acct-2'))).toEqual(['ben-k2', 'ben-k1']);
    expect(names(await get(`status=needs_reauth&configId=${w.c2}`))).toEqual(['ann2-k2']);
    expect(names(await get('status=revoked'))).toEqual(['ben-k1']);
  });

  it('pages with limit=2 to the end without duplicates', async () => {
    const expected = ids(await get('limit=200'));
    expect(expected.length).toBeGreaterThanOrEqual(6);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const body = await get(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.items.length).toBeLessThanOrEqual(2);
      seen.push(...ids(body));
      cursor = body.nextCursor;
    } while (cursor && seen.length < 1000);
    expect(seen).toEqual(expected);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('answers 400 for a malformed cursor or an unknown status', async () => {
    const res = await s.request('GET', `/api/v1/connector-auths?cursor=${Buffer.from('[1,2]').toString('base64url')}`, { token: owner });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'bad_request',
      details: { issues: [{ path: 'query.cursor', message: 'malformed cursor' }] },
    });
    const status = await s.request('GET', '/api/v1/connector-auths?status=expired', { token: owner });
    expect(status.status).toBe(400);
    expect(status.body.error.details.issues[0].path).toBe('query.status');
  });

  it('shows a member only the auths of configurations where it may view a group', async () => {
    const flowId = await insertFlow(ctx());
    const g1 = await insertGroup(ctx(), w.c1, { flowIds: [flowId] });
    const member = await s.adminToken({ role: 'member', groups: [{ groupId: g1, view: true }] });
    expect(names(await get('limit=200', member))).toEqual(['ben-k2', 'ben-k1', 'ann-k2', 'ann-k1']);
    const hidden = [...w.byName].find(([, n]) => n === 'ann2-k1')?.[0];
    expect((await s.request('GET', `/api/v1/connector-auths/${hidden}`, { token: member })).status).toBe(404);
    const none = await s.adminToken({ role: 'member' });
    expect(await get('limit=200', none)).toEqual({ items: [], nextCursor: null });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../../crypto/tokens.ts';
import { sql } from '../../db/sql.ts';
import { insertConfig, insertEndUser, insertFlow, insertGroup, insertIntegration } from '../../testing/domainFixtures.ts';
import { sqliteFileBytes, startTestServer, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';

let s: TestServer;
let owner: string;
let admin: string;
let member: string;
beforeAll(async () => {
  s = await startTestServer();
  owner = await s.adminToken();
  admin = await s.adminToken({ role: 'admin' });
  member = await s.adminToken({ role: 'member' });
});
afterAll(() => s.close());

const ctx = () => s.app.ctx;
/** The admin user id behind a token. */
const userOf = async (token: string) =>
  (await ctx().db.get<{ admin_user_id: string }>(sql`SELECT admin_user_id FROM api_tokens WHERE token_hash = ${hashToken(token)}`))
    ?.admin_user_id as string;
const audits = (objectId: string) =>
  ctx().db.all<{ action: string; details: string }>(
    sql`SELECT action, details FROM audit_events WHERE object_id = ${objectId} ORDER BY ${insertionOrder(ctx().db)}`,
  );
let n = 0;
const newUser = (role: string) => ({ email: `new${++n}@vendor.test`, name: `New ${n}`, role, password: 'a long enough password' });

describe('admin users', () => {
  it('creates an admin user and answers it without the password', async () => {
    const body = newUser('admin');
    const res = await s.request('POST', '/api/v1/admin-users', { token: owner, body });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^adm_[a-z0-9]{26}$/),
      email: body.email,
      name: body.name,
      role: 'admin',
      permissions: [],
      createdAt: new Date(s.clock.now()).toISOString(),
    });
    const row = await ctx().db.get<{ password_hash: string }>(sql`SELECT password_hash FROM admin_users WHERE id = ${res.body.id}`);
    expect(row?.password_hash).not.toContain(body.password);
    expect(res.text).not.toContain(body.password);
    expect((await audits(res.body.id)).map((a) => a.action)).toEqual(['admin_user.created']);
    expect(s.logs.join('\n')).not.toContain(body.password);
    expect((await s.request('GET', `/api/v1/admin-users/${res.body.id}`, { token: admin })).body).toEqual(res.body);
  });

  it('lets only owners create owners, and not members at all', async () => {
    const byAdmin = await s.request('POST', '/api/v1/admin-users', { token: admin, body: newUser('owner') });
    expect(byAdmin.status).toBe(403);
    expect(byAdmin.body.error).toMatchObject({ code: 'forbidden', message: 'Only owners can create owners' });
    expect((await s.request('POST', '/api/v1/admin-users', { token: owner, body: newUser('owner') })).status).toBe(201);
    expect((await s.request('POST', '/api/v1/admin-users', { token: admin, body: newUser('member') })).status).toBe(201);
    const byMember = await s.request('POST', '/api/v1/admin-users', { token: member, body: newUser('member') });
    expect(byMember.status).toBe(403);
    expect(byMember.body.error).toMatchObject({ code: 'forbidden', message: 'Only owners and admins can create admin users' });
  });

  it('refuses a taken e-mail (any case) with 409 and a short password with 400 naming the field', async () => {
    const body = newUser('member');
    expect((await s.request('POST', '/api/v1/admin-users', { token: owner, body })).status).toBe(201);
    const again = await s.request('POST', '/api/v1/admin-users', { token: owner, body: { ...body, email: body.email.toUpperCase() } });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('conflict');
    const short = await s.request('POST', '/api/v1/admin-users', { token: owner, body: { ...newUser('member'), password: 'short' } });
    expect(short.status).toBe(400);
    expect(short.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['body.password']);
  });

  it('lists admin users for owners and admins, newest first, paged', async () => {
    const all = await s.request('GET', '/api/v1/admin-users?limit=200', { token: admin });
    expect(all.status).toBe(200);
    const ids = all.body.items.map((u: { id: string }) => u.id);
    expect(ids).toContain(await userOf(member));
    const created = all.body.items.map((u: { createdAt: string }) => u.createdAt);
    expect([...created].sort().reverse()).toEqual(created);
    const first = await s.request('GET', '/api/v1/admin-users?limit=2', { token: owner });
    expect(first.body.items).toEqual(all.body.items.slice(0, 2));
    const second = await s.request('GET', `/api/v1/admin-users?limit=2&cursor=${first.body.nextCursor}`, { token: owner });
    expect(second.body.items).toEqual(all.body.items.slice(2, 4));
    expect(JSON.stringify(all.body)).not.toMatch(/scrypt|password/i);
  });

  it('lets a member read only itself', async () => {
    expect((await s.request('GET', '/api/v1/admin-users', { token: member })).status).toBe(403);
    const self = await s.request('GET', `/api/v1/admin-users/${await userOf(member)}`, { token: member });
    expect(self.status).toBe(200);
    expect(self.body).toMatchObject({ id: await userOf(member), role: 'member', permissions: [] });
    const other = await s.request('GET', `/api/v1/admin-users/${await userOf(owner)}`, { token: member });
    expect(other.status).toBe(403);
  });
});

describe('PUT /api/v1/admin-users/{id}/permissions', () => {
  it('replaces a member’s permissions (run/manage imply view), audits it, and takes effect at once', async () => {
    const configId = await insertConfig(ctx());
    const f1 = await insertFlow(ctx());
    const f2 = await insertFlow(ctx());
    const g1 = await insertGroup(ctx(), configId, { flowIds: [f1] });
    const g2 = await insertGroup(ctx(), configId, { flowIds: [f2] });
    const endUserId = await insertEndUser(ctx(), configId);
    const i1 = await insertIntegration(ctx(), { configId, flowId: f1, endUserId });
    s.clock.advance(1);
    const i2 = await insertIntegration(ctx(), { configId, flowId: f2, endUserId });
    const target = await s.adminToken({ role: 'member' });
    const id = await userOf(target);
    const listed = async () =>
      (await s.request('GET', `/api/v1/integrations?configId=${configId}`, { token: target })).body.items.map((i: { id: string }) => i.id);
    expect(await listed()).toEqual([]);

    const res = await s.request('PUT', `/api/v1/admin-users/${id}/permissions`, {
      token: admin,
      body: {
        permissions: [
          { groupId: g1, manage: true },
          { groupId: g2, view: true },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.permissions).toEqual(
      expect.arrayContaining([
        { groupId: g1, view: true, run: false, manage: true },
        { groupId: g2, view: true, run: false, manage: false },
      ]),
    );
    expect(res.body.permissions).toHaveLength(2);
    expect((await audits(id)).map((a) => a.action)).toEqual(['admin_user.created', 'admin_user.permissions_replaced']);
    expect(await listed()).toEqual([i2, i1]);
    expect((await s.request('POST', `/api/v1/integrations/${i1}/disable`, { token: target })).status).toBe(200);
    expect((await s.request('POST', `/api/v1/integrations/${i2}/disable`, { token: target })).status).toBe(403);

    const cleared = await s.request('PUT', `/api/v1/admin-users/${id}/permissions`, { token: owner, body: { permissions: [] } });
    expect(cleared.body.permissions).toEqual([]);
    expect(await listed()).toEqual([]);
    expect((await s.request('GET', `/api/v1/integrations/${i1}`, { token: target })).status).toBe(404);
  });

  it('names unknown and repeated groups as body.permissions.N.groupId and changes nothing', async () => {
    const configId = await insertConfig(ctx());
    const g = await insertGroup(ctx(), configId);
    const target = await s.adminToken({ role: 'member', groups: [{ groupId: g, view: true }] });
    const id = await userOf(target);
    const unknown = 'grp_zzzzzzzzzzzzzzzzzzzzzzzzzz';
    const res = await s.request('PUT', `/api/v1/admin-users/${id}/permissions`, {
      token: owner,
      body: {
        permissions: [
          { groupId: g, run: true },
          { groupId: unknown, view: true },
          { groupId: g, view: true },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.issues).toEqual([
      { path: 'body.permissions.2.groupId', message: 'repeats a group listed before' },
      { path: 'body.permissions.1.groupId', message: `no group ${unknown} exists` },
    ]);
    expect(res.body.error.message).toContain('body.permissions.1.groupId');
    const after = await s.request('GET', `/api/v1/admin-users/${id}`, { token: owner });
    expect(after.body.permissions).toEqual([{ groupId: g, view: true, run: false, manage: false }]);
    const malformed = await s.request('PUT', `/api/v1/admin-users/${id}/permissions`, {
      token: owner,
      body: { permissions: [{ groupId: 'cfg_zzzzzzzzzzzzzzzzzzzzzzzzzz', admin: true }] },
    });
    expect(malformed.body.error.details.issues.map((i: { path: string }) => i.path).sort()).toEqual([
      'body.permissions.0',
      'body.permissions.0.groupId',
    ]);
  });

  it('refuses owners and admins as targets (409) and members as callers (403)', async () => {
    const res = await s.request('PUT', `/api/v1/admin-users/${await userOf(admin)}/permissions`, {
      token: owner,
      body: { permissions: [] },
    });
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({
      code: 'conflict',
      message: `Admin user ${await userOf(admin)} is an admin and sees every group; only members have group permissions`,
    });
    const byMember = await s.request('PUT', `/api/v1/admin-users/${await userOf(member)}/permissions`, {
      token: member,
      body: { permissions: [] },
    });
    expect(byMember.status).toBe(403);
  });
});

describe('API tokens', () => {
  it('creates a token for the caller, shows the value once, stores only its hash, and the token works', async () => {
    const res = await s.request('POST', '/api/v1/api-tokens', { token: member, body: { name: 'deploy script', scopes: ['read'] } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^tok_/),
      name: 'deploy script',
      prefix: res.body.token.slice(0, 8),
      scopes: ['read'],
      adminUserId: await userOf(member),
      createdAt: new Date(s.clock.now()).toISOString(),
      lastUsedAt: null,
      expiresAt: null,
      revokedAt: null,
      token: expect.stringMatching(/^pb_[A-Za-z0-9_-]{43}$/),
    });
    // The file scan is SQLite's: on PostgreSQL the bytes are in the database server's own files.
    if (TEST_DRIVER === 'sqlite') {
      const db = sqliteFileBytes(s)
        .map((b) => b.toString('latin1'))
        .join('');
      expect(db).not.toContain(res.body.token);
    }
    expect(s.logs.join('\n')).not.toContain(res.body.token);
    const listed = await s.request('GET', '/api/v1/api-tokens', { token: res.body.token });
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(res.body.token);
    expect(listed.body.items.map((t: { id: string }) => t.id)).toContain(res.body.id);
    const write = await s.request('POST', '/api/v1/api-tokens', { token: res.body.token, body: { name: 'x' } });
    expect(write.status).toBe(403);
    expect(write.body.error.code).toBe('insufficient_scope');
  });

  it('never grants a scope the creating token lacks', async () => {
    const rw = await s.adminToken({ scopes: ['read', 'write'] });
    const res = await s.request('POST', '/api/v1/api-tokens', { token: rw, body: { name: 'escalate', scopes: ['read', 'run'] } });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'insufficient_scope',
      message: 'A token can only grant scopes its creator holds; this one lacks run',
    });
    const dflt = await s.request('POST', '/api/v1/api-tokens', { token: rw, body: { name: 'default scopes' } });
    expect(dflt.status).toBe(403);
    expect((await s.request('POST', '/api/v1/api-tokens', { token: rw, body: { name: 'ok', scopes: ['read'] } })).status).toBe(201);
  });

  it('creates tokens for others only as owner/admin, and for owners only as owner', async () => {
    const forAdmin = await s.request('POST', '/api/v1/api-tokens', {
      token: owner,
      body: { name: 'for admin', adminUserId: await userOf(admin) },
    });
    expect(forAdmin.status).toBe(201);
    expect(forAdmin.body.adminUserId).toBe(await userOf(admin));
    const adminForOwner = await s.request('POST', '/api/v1/api-tokens', {
      token: admin,
      body: { name: 'steal', adminUserId: await userOf(owner) },
    });
    expect(adminForOwner.status).toBe(403);
    expect(adminForOwner.body.error.message).toBe('Only owners can create API tokens of owners');
    const memberForAdmin = await s.request('POST', '/api/v1/api-tokens', {
      token: member,
      body: { name: 'steal', adminUserId: await userOf(admin) },
    });
    expect(memberForAdmin.status).toBe(403);
    const unknown = await s.request('POST', '/api/v1/api-tokens', {
      token: owner,
      body: { name: 'x', adminUserId: 'adm_zzzzzzzzzzzzzzzzzzzzzzzzzz' },
    });
    expect(unknown.status).toBe(404);
  });

  it('refuses an expiry in the past and honours one in the future', async () => {
    const past = await s.request('POST', '/api/v1/api-tokens', {
      token: owner,
      body: { name: 'old', expiresAt: new Date(s.clock.now() - 1000).toISOString() },
    });
    expect(past.status).toBe(400);
    expect(past.body.error.details.issues).toEqual([{ path: 'body.expiresAt', message: 'must be in the future' }]);
    const soon = await s.request('POST', '/api/v1/api-tokens', {
      token: owner,
      body: { name: 'soon', expiresAt: new Date(s.clock.now() + 60_000).toISOString() },
    });
    expect(soon.status).toBe(201);
    expect((await s.request('GET', '/api/v1/api-tokens', { token: soon.body.token })).status).toBe(200);
    s.clock.advance(61);
    expect((await s.request('GET', '/api/v1/api-tokens', { token: soon.body.token })).status).toBe(401);
  });

  it('lists a member’s own tokens only; owners and admins see all and can filter', async () => {
    const mine = await s.request('GET', '/api/v1/api-tokens?limit=200', { token: member });
    expect(new Set(mine.body.items.map((t: { adminUserId: string }) => t.adminUserId))).toEqual(new Set([await userOf(member)]));
    expect((await s.request('GET', `/api/v1/api-tokens?adminUserId=${await userOf(owner)}`, { token: member })).status).toBe(403);
    const everyone = await s.request('GET', '/api/v1/api-tokens?limit=200', { token: admin });
    expect(new Set(everyone.body.items.map((t: { adminUserId: string }) => t.adminUserId)).size).toBeGreaterThan(2);
    const ofOwner = await s.request('GET', `/api/v1/api-tokens?adminUserId=${await userOf(owner)}&limit=200`, { token: admin });
    expect(ofOwner.body.items.length).toBeGreaterThan(0);
    const ownerId = await userOf(owner);
    expect(ofOwner.body.items.every((t: { adminUserId: string }) => t.adminUserId === ownerId)).toBe(true);
    const paged = await s.request('GET', '/api/v1/api-tokens?limit=2', { token: admin });
    const next = await s.request('GET', `/api/v1/api-tokens?limit=2&cursor=${paged.body.nextCursor}`, { token: admin });
    expect([...paged.body.items, ...next.body.items]).toEqual(everyone.body.items.slice(0, 4));
  });

  it('revokes a token (once, audited); the token stops working; members cannot see others’ tokens', async () => {
    const created = await s.request('POST', '/api/v1/api-tokens', { token: member, body: { name: 'short-lived' } });
    const otherMember = await s.adminToken({ role: 'member' });
    const hidden = await s.request('DELETE', `/api/v1/api-tokens/${created.body.id}`, { token: otherMember });
    expect(hidden.status).toBe(404);
    const res = await s.request('DELETE', `/api/v1/api-tokens/${created.body.id}`, { token: member });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: created.body.id, revokedAt: new Date(s.clock.now()).toISOString() });
    expect(res.body.token).toBeUndefined();
    const denied = await s.request('GET', '/api/v1/api-tokens', { token: created.body.token });
    expect(denied.status).toBe(401);
    const again = await s.request('DELETE', `/api/v1/api-tokens/${created.body.id}`, { token: member });
    expect(again.body).toEqual(res.body);
    expect((await audits(created.body.id)).map((a) => a.action)).toEqual(['api_token.created', 'api_token.revoked']);

    const ownersToken = (await s.request('POST', '/api/v1/api-tokens', { token: owner, body: { name: 'owner script' } })).body;
    expect((await s.request('DELETE', `/api/v1/api-tokens/${ownersToken.id}`, { token: admin })).status).toBe(403);
    const adminsToken = (await s.request('POST', '/api/v1/api-tokens', { token: admin, body: { name: 'admin script' } })).body;
    expect((await s.request('DELETE', `/api/v1/api-tokens/${adminsToken.id}`, { token: owner })).status).toBe(200);
  });
});

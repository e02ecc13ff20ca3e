/**
 * The vendor API's connector auth operations: import for an end user (created when unknown),
 * revoke (tokens dropped, provider revoke URL called), disable/enable, delete with references;
 * permissions (owner/admin, or member with manage); audit events without credential values.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { openCredentials } from '../../services/connectors/credentials.ts';
import { insertConfig, insertFlow, insertGroup, insertIntegration } from '../../testing/domainFixtures.ts';
import { type ApiResponse, startTestServer, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';
import { startUpstream, type TestUpstream } from '../../testing/upstream.ts';

const ACCESS = 'CANARY-vendor-access-1d2e';
const REFRESH = 'CANARY-vendor-refresh-8a7b';
const PASSWORD = 'CANARY-vendor-password-c0de';

let s: TestServer;
let owner: string;
let upstream: TestUpstream;
let configId: string;
let groupId: string;
let flowId: string;

beforeAll(async () => {
  upstream = await startUpstream((req, res) => {
    if (req.url === '/revoke') {
      res.statusCode = 200;
      res.end();
      return;
    }
    const ok = req.headers.authorization === `Basic ${Buffer.from(`ada:${PASSWORD}`).toString('base64')}`;
    res.statusCode = ok ? 200 : 401;
    res.end();
  });
  s = await startTestServer();
  owner = await s.adminToken();
  for (const body of [
    {
      id: 'crm',
      name: 'Demo CRM',
      authType: 'oauth2',
      baseUrl: upstream.url,
      oauth2: {
        authorizeUrl: `${upstream.url}/authorize`,
        tokenUrl: `${upstream.url}/token`,
        revokeUrl: `${upstream.url}/revoke`,
        clientId: 'client-1',
        clientSecret: 'CANARY-client-secret',
        scopeDelimiter: ',',
      },
    },
    { id: 'files', name: 'Files', authType: 'basic', baseUrl: upstream.url, validation: { method: 'GET', path: '/me', expectStatus: 200 } },
  ]) {
    expect((await s.request('POST', '/api/v1/connectors', { token: owner, body })).status).toBe(201);
  }
  configId = await insertConfig(s.app.ctx, { sharingLevel: 'account' });
  flowId = await insertFlow(s.app.ctx, { name: 'Push contacts', connectorId: 'crm' });
  groupId = await insertGroup(s.app.ctx, configId, { flowIds: [flowId] });
});
afterAll(async () => {
  await s.close();
  await upstream.close();
});

const ctx = () => s.app.ctx;

function expectError(res: ApiResponse, status: number, code: string, message: string, details?: unknown): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error: { code, message, requestId: res.headers.get('x-request-id'), ...(details === undefined ? {} : { details }) } },
  });
}

function importOAuth(body: Record<string, unknown> = {}, token = owner): Promise<ApiResponse> {
  return s.request('POST', '/api/v1/connector-auths', {
    token,
    body: {
      configId,
      connectorId: 'crm',
      userId: 'u-1',
      accountId: 'acme',
      credentials: { type: 'oauth2', accessToken: ACCESS, refreshToken: REFRESH, expiresAt: '2030-01-01T00:00:00.000Z', scope: 'a,b' },
      validate: false,
      ...body,
    },
  });
}

describe('POST /api/v1/connector-auths', () => {
  it('imports OAuth2 tokens for an end user, creating the end user, sealed, and lists it for that user', async () => {
    expect(await findEndUserByIdentity(ctx().db, configId, 'acme', 'u-1')).toBeUndefined();
    const res = await importOAuth();
    expect(res.status, res.text).toBe(201);
    const now = new Date(s.clock.now()).toISOString();
    expect(res.body).toEqual({
      id: expect.stringMatching(/^ca_/),
      connectorId: 'crm',
      name: `Demo CRM Login authorized on ${now.slice(0, 10)} by U-`,
      userId: 'u-1',
      accountId: 'acme',
      configId,
      sharingLevel: 'account',
      proprietary: false,
      status: 'active',
      disabledBy: null,
      scopes: ['a', 'b'],
      expiresAt: '2030-01-01T00:00:00.000Z',
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
      lastRefreshedAt: now,
      lastError: null,
    });
    expect(res.text).not.toContain('CANARY');
    const endUser = await findEndUserByIdentity(ctx().db, configId, 'acme', 'u-1');
    expect(endUser).toBeDefined();
    const row = await ctx().db.get<{ credentials_enc: string; owner_end_user_id: string }>(
      sql`SELECT credentials_enc, owner_end_user_id FROM connector_auths WHERE id = ${res.body.id}`,
    );
    expect(row?.owner_end_user_id).toBe(endUser?.id);
    expect(openCredentials(ctx(), res.body.id, row?.credentials_enc as string)).toEqual({
      type: 'oauth2',
      accessToken: ACCESS,
      refreshToken: REFRESH,
      tokenType: 'Bearer',
      expiresAt: '2030-01-01T00:00:00.000Z',
      scope: 'a,b',
    });
    const list = await s.request('GET', `/api/v1/connector-auths?userId=u-1&configId=${configId}`, { token: owner });
    expect(list.body.items).toEqual([res.body]);
    const audits = await ctx().db.all<{ action: string; actor_type: string; details: string }>(
      sql`SELECT action, actor_type, details FROM audit_events WHERE object_id IN (${res.body.id}, ${endUser?.id}) ORDER BY ${insertionOrder(ctx().db)}`,
    );
    expect(audits.map((a) => [a.action, a.actor_type])).toEqual([
      ['end_user.created', 'api_token'],
      ['connector_auth.created', 'api_token'],
    ]);
    for (const a of audits) expect(a.details).not.toContain('CANARY');
  });

  it('reuses a known end user and checks basic credentials when asked (422 when refused, nothing stored)', async () => {
    const before = (await ctx().db.get<{ n: number }>(sql`SELECT count(*) AS n FROM connector_auths`))?.n;
    const bad = await s.request('POST', '/api/v1/connector-auths', {
      token: owner,
      body: {
        configId,
        connectorId: 'files',
        userId: 'u-1',
        accountId: 'acme',
        credentials: { type: 'basic', username: 'ada', password: 'nope' },
      },
    });
    expectError(bad, 422, 'unprocessable', 'The service refused these credentials (HTTP 401).', { upstreamStatus: 401 });
    expect((await ctx().db.get<{ n: number }>(sql`SELECT count(*) AS n FROM connector_auths`))?.n).toBe(before);
    const ok = await s.request('POST', '/api/v1/connector-auths', {
      token: owner,
      body: {
        configId,
        connectorId: 'files',
        userId: 'u-1',
        accountId: 'acme',
        name: 'Files of Ada',
        credentials: { type: 'basic', username: 'ada', password: PASSWORD },
      },
    });
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body).toMatchObject({ name: 'Files of Ada', userId: 'u-1', scopes: [] });
    expect(await ctx().db.all(sql`SELECT id FROM end_users WHERE config_id = ${configId}`)).toHaveLength(1);
  });

  it('refuses credentials of the wrong type, unknown connectors and unknown configurations', async () => {
    expectError(
      await importOAuth({ credentials: { type: 'api_key', apiKey: 'k' } }),
      400,
      'validation_failed',
      'Invalid request: body.credentials.type',
      { issues: [{ path: 'body.credentials.type', message: 'connector "crm" takes oauth2 credentials' }] },
    );
    expectError(await importOAuth({ connectorId: 'nope-connector' }), 400, 'validation_failed', 'Invalid request: body.connectorId', {
      issues: [{ path: 'body.connectorId', message: 'unknown connector "nope-connector"' }],
    });
    expectError(
      await importOAuth({ configId: 'cfg_zzzzzzzzzzzzzzzzzzzzzzzzzz' }),
      404,
      'not_found',
      'Embed configuration "cfg_zzzzzzzzzzzzzzzzzzzzzzzzzz" not found',
    );
  });

  it('needs manage on a group of the configuration: 404 without view, 403 with view only, 201 with manage', async () => {
    const nobody = await s.adminToken({ role: 'member' });
    const viewer = await s.adminToken({ role: 'member', groups: [{ groupId, view: true, run: true }] });
    const manager = await s.adminToken({ role: 'member', groups: [{ groupId, view: true, manage: true }] });
    expectError(await importOAuth({}, nobody), 404, 'not_found', `Embed configuration "${configId}" not found`);
    expectError(await importOAuth({}, viewer), 403, 'forbidden', 'You lack the "manage" permission on this object\'s group');
    expect((await importOAuth({ userId: 'u-3' }, manager)).status).toBe(201);
  });
});

describe('revoke, disable, enable', () => {
  it('revoke drops the tokens, calls the provider revoke URL, and is final for disable/enable', async () => {
    const { id } = (await importOAuth({ userId: 'u-revoke' })).body;
    upstream.received.length = 0;
    const res = await s.request('POST', `/api/v1/connector-auths/${id}/revoke`, { token: owner });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id, status: 'revoked', expiresAt: null });
    const row = await ctx().db.get<{ credentials_enc: string; credentials_version: number }>(
      sql`SELECT credentials_enc, credentials_version FROM connector_auths WHERE id = ${id}`,
    );
    expect(openCredentials(ctx(), id, row?.credentials_enc as string)).toEqual({ type: 'none' });
    expect(row?.credentials_version).toBe(2);
    const calls = upstream.received.map((r) => Object.fromEntries(new URLSearchParams(r.body.toString('utf8'))));
    expect(calls).toEqual([
      { token: REFRESH, token_type_hint: 'refresh_token', client_id: 'client-1', client_secret: 'CANARY-client-secret' },
      { token: ACCESS, token_type_hint: 'access_token', client_id: 'client-1', client_secret: 'CANARY-client-secret' },
    ]);
    // revoking again changes nothing and calls nobody
    expect((await s.request('POST', `/api/v1/connector-auths/${id}/revoke`, { token: owner })).body.status).toBe('revoked');
    expect(upstream.received).toHaveLength(2);
    expectError(
      await s.request('POST', `/api/v1/connector-auths/${id}/disable`, { token: owner }),
      409,
      'conflict',
      'This connector auth is revoked; reconnect it or delete it',
    );
    expectError(
      await s.request('POST', `/api/v1/connector-auths/${id}/enable`, { token: owner }),
      409,
      'conflict',
      'This connector auth is revoked, not disabled; reconnect it instead',
    );
    for (const line of s.logs) for (const c of [ACCESS, REFRESH, 'CANARY-client-secret']) expect(line).not.toContain(c);
  });

  it('disables and enables, audited once per change', async () => {
    const { id } = (await importOAuth({ userId: 'u-toggle' })).body;
    expect((await s.request('POST', `/api/v1/connector-auths/${id}/enable`, { token: owner })).body.status).toBe('active');
    expect((await s.request('POST', `/api/v1/connector-auths/${id}/disable`, { token: owner })).body.status).toBe('disabled');
    expect((await s.request('POST', `/api/v1/connector-auths/${id}/disable`, { token: owner })).body.status).toBe('disabled');
    expect((await s.request('POST', `/api/v1/connector-auths/${id}/enable`, { token: owner })).body.status).toBe('active');
    const actions = (
      await ctx().db.all<{ action: string }>(
        sql`SELECT action FROM audit_events WHERE object_id = ${id} ORDER BY ${insertionOrder(ctx().db)}`,
      )
    ).map((a) => a.action);
    expect(actions).toEqual(['connector_auth.created', 'connector_auth.disabled', 'connector_auth.enabled']);
  });
});

describe('DELETE /api/v1/connector-auths/{id}', () => {
  it('answers 409 with the references; force disables the integrations (by admin) and deletes', async () => {
    const { id } = (await importOAuth({ userId: 'u-del' })).body;
    const endUserId = (await findEndUserByIdentity(ctx().db, configId, 'acme', 'u-del'))?.id as string;
    const integrationId = await insertIntegration(ctx(), { configId, flowId, endUserId, sharingLevel: 'account', bindings: { main: id } });
    expectError(
      await s.request('DELETE', `/api/v1/connector-auths/${id}`, { token: owner }),
      409,
      'in_use',
      'This connector auth is used by integrations; disable or change them first, or delete with force=true',
      { references: [{ integrationId, flowId, name: 'Push contacts' }] },
    );
    const viewer = await s.adminToken({ role: 'member', groups: [{ groupId, view: true }] });
    expectError(
      await s.request('DELETE', `/api/v1/connector-auths/${id}?force=true`, { token: viewer }),
      403,
      'forbidden',
      'You lack the "manage" permission on this object\'s group',
    );
    upstream.received.length = 0;
    const res = await s.request('DELETE', `/api/v1/connector-auths/${id}?force=true`, { token: owner });
    expect(res.status).toBe(204);
    expect(await ctx().db.get(sql`SELECT status, disabled_by FROM integrations WHERE id = ${integrationId}`)).toEqual({
      status: 'disabled',
      disabled_by: 'admin',
    });
    expect((await s.request('GET', `/api/v1/connector-auths/${id}`, { token: owner })).status).toBe(404);
    expect(upstream.received.map((r) => r.url)).toEqual(['/revoke', '/revoke']);
    const deleted = await ctx().db.get<{ details: string }>(
      sql`SELECT details FROM audit_events WHERE object_id = ${id} AND action = 'connector_auth.deleted'`,
    );
    expect(JSON.parse(deleted?.details ?? '{}')).toEqual({
      connectorId: 'crm',
      name: expect.any(String),
      forced: true,
      disabledIntegrations: 1,
    });
  });
});

/**
 * The end user's connector auths (docs/domain.md, docs/http-api.md; SECURITY.md, T-01…T-05, C-07):
 * sharing levels across two configurations × two accounts × two users, basic/api_key credentials
 * checked against a local upstream before they are stored, default names,
 * rename/disable/enable/reconnect, delete with references, and no credential in any answer.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { openCredentials } from '../../services/connectors/credentials.ts';
import { insertFlow, insertGroup, insertIntegration } from '../../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture, type EmbedFixture } from '../../testing/embedFixtures.ts';
import { type ApiResponse, sqliteFileBytes, startTestServer, TestClock, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';
import { allRoutes } from '../index.ts';

const PASSWORD = 'CANARY-right-password-7f3a';
const WRONG_PASSWORD = 'CANARY-wrong-password-19bc';
const API_KEY = 'CANARY-api-key-55d1';
const NEW_PASSWORD = 'CANARY-new-password-aa02';
const ACCESS_TOKEN = 'CANARY-access-token-0c9e';
const REFRESH_TOKEN = 'CANARY-refresh-token-e41d';
const CANARIES = [PASSWORD, WRONG_PASSWORD, API_KEY, NEW_PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN];

let s: TestServer;
let owner: string;
let upstream: Server;
let upstreamUrl: string;
const revoked: string[] = [];
/** Every `/embed/api` answer of this file, to check none carries a credential. */
const embedAnswers: string[] = [];

function basicOk(header: string | undefined, user: string, password: string): boolean {
  return header === `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

beforeAll(async () => {
  const app = express();
  let currentPassword = PASSWORD;
  app.get('/me', (req, res) => {
    if (basicOk(req.get('authorization'), 'ada', currentPassword)) res.json({ ok: true });
    else res.status(401).json({ error: 'bad credentials' });
  });
  app.post('/rotate', (_req, res) => {
    currentPassword = NEW_PASSWORD;
    res.end();
  });
  app.get('/key', (req, res) => {
    if (req.get('x-api-key') === API_KEY) res.json({ ok: true });
    else res.status(403).json({ error: 'bad key' });
  });
  app.post('/revoke', express.urlencoded({ extended: false }), (req, res) => {
    revoked.push(String((req.body as Record<string, string>).token));
    res.status(200).end();
  });
  upstream = await new Promise<Server>((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;

  s = await startTestServer({
    env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' },
    clock: new TestClock(Date.parse('2026-11-23T09:30:00.000Z')),
  });
  owner = await s.adminToken();
  const connectors = [
    {
      id: 'crm',
      name: 'Demo CRM',
      authType: 'basic',
      baseUrl: upstreamUrl,
      validation: { method: 'GET', path: '/me', expectStatus: 200 },
    },
    {
      id: 'mailer',
      name: 'Mailer',
      authType: 'api_key',
      baseUrl: upstreamUrl,
      iconUrl: 'https://cdn.example.test/mailer.png',
      apiKey: { in: 'header', name: 'X-Api-Key' },
      validation: { method: 'GET', path: '/key', expectStatus: 200 },
    },
    {
      id: 'oauthy',
      name: 'OAuthy',
      authType: 'oauth2',
      baseUrl: upstreamUrl,
      oauth2: {
        authorizeUrl: `${upstreamUrl}/authorize`,
        tokenUrl: `${upstreamUrl}/token`,
        revokeUrl: `${upstreamUrl}/revoke`,
        clientId: 'CLIENT-ID-not-for-iframes',
        clientSecret: 'CANARY-client-secret',
      },
    },
    { id: 'unused', name: 'Unused', authType: 'basic', baseUrl: upstreamUrl },
    { id: 'backend', name: 'Acme Backend', authType: 'api_key', baseUrl: upstreamUrl, apiKey: { in: 'header', name: 'X-Acme' } },
  ];
  for (const c of connectors) {
    const res = await s.request('POST', '/api/v1/connectors', { token: owner, body: c });
    expect(res.status, res.text).toBe(201);
  }
});
afterAll(async () => {
  await s.close();
  await new Promise<void>((resolve) => upstream.close(() => resolve()));
});

const ctx = () => s.app.ctx;

/** A flow using crm, mailer, oauthy and backend, plus one whose slot is pre-filled (not for end users). */
async function offerFlows(configId: string): Promise<string> {
  const flowId = await insertFlow(ctx(), {
    name: 'Sync contacts',
    definition: {
      slots: [
        { key: 'crm', connectorId: 'crm', label: 'CRM' },
        { key: 'mail', connectorId: 'mailer', label: 'Mail' },
        { key: 'oa', connectorId: 'oauthy', label: 'OAuthy' },
        { key: 'be', connectorId: 'backend', label: 'Backend' },
      ],
      inputs: [],
      trigger: { type: 'manual' },
      steps: [],
    },
  });
  await insertGroup(ctx(), configId, { flowIds: [flowId] });
  return flowId;
}

interface World {
  fx: EmbedFixture;
  flowId: string;
}

async function world(sharingLevel: 'user' | 'account', proprietary = false): Promise<World> {
  const fx = await createEmbedFixture(ctx(), { sharingLevel, keys: ['hs'] });
  if (proprietary) await ctx().db.run(sql`UPDATE embed_configs SET proprietary_connector_id = 'backend' WHERE id = ${fx.configId}`);
  return { fx, flowId: await offerFlows(fx.configId) };
}

/** A session of `user` in `account`, named Ada Lovelace unless told otherwise. */
async function session(w: World, user: string, account: string, name = 'Ada Lovelace'): Promise<string> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: w.fx.token({ embed_user_id: user, embed_account_id: account, embed_user_name: name }) },
  });
  expect(res.status, res.text).toBe(200);
  await acceptConsent(s, res.body.sessionToken, res.body);
  return res.body.sessionToken as string;
}

async function embed(method: string, path: string, token: string, body?: unknown): Promise<ApiResponse> {
  const res = await s.request(method, path, { token, ...(body === undefined ? {} : { body }) });
  embedAnswers.push(res.text);
  return res;
}

function expectError(res: ApiResponse, status: number, code: string, message: string, details?: unknown): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error: { code, message, requestId: res.headers.get('x-request-id'), ...(details === undefined ? {} : { details }) } },
  });
}

const authCount = async () => (await ctx().db.get<{ n: number }>(sql`SELECT count(*) AS n FROM connector_auths`))?.n ?? 0;
const basicValues = (password = PASSWORD) => ({ username: 'ada', password });

async function createBasic(token: string, body: Record<string, unknown> = {}): Promise<ApiResponse> {
  return embed('POST', '/embed/api/connector-auths', token, { connectorId: 'crm', values: basicValues(), ...body });
}

async function endUserId(w: World, user: string, account: string): Promise<string> {
  const row = await findEndUserByIdentity(ctx().db, w.fx.configId, account, user);
  if (!row) throw new Error('no such end user');
  return row.id;
}

describe('GET /embed/api/connectors', () => {
  it("answers the connectors of the configuration's flows, without the proprietary one, URLs or client ids", async () => {
    const w = await world('user', true);
    const token = await session(w, 'u1', 'acme');
    const res = await embed('GET', '/embed/api/connectors', token);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        {
          id: 'crm',
          name: 'Demo CRM',
          authType: 'basic',
          iconUrl: null,
          brandIcon: null,
          fields: [
            { key: 'username', label: 'Username', type: 'text', required: true },
            { key: 'password', label: 'Password', type: 'password', required: true },
          ],
        },
        {
          id: 'mailer',
          name: 'Mailer',
          authType: 'api_key',
          iconUrl: 'https://cdn.example.test/mailer.png',
          brandIcon: null,
          fields: [{ key: 'apiKey', label: 'API key', type: 'password', required: true }],
        },
        { id: 'oauthy', name: 'OAuthy', authType: 'oauth2', iconUrl: null, brandIcon: null, fields: [] },
      ],
      nextCursor: null,
    });
    expect(res.text).not.toContain('CLIENT-ID');
    expect(res.text).not.toContain(upstreamUrl);
  });

  it('offers the proprietary connector of another configuration, and nothing when no flow is offered', async () => {
    const w = await world('user');
    const token = await session(w, 'u1', 'acme');
    const ids = (await embed('GET', '/embed/api/connectors', token)).body.items.map((c: { id: string }) => c.id);
    expect(ids).toEqual(['backend', 'crm', 'mailer', 'oauthy']);
    const empty = await createEmbedFixture(ctx(), { keys: ['hs'] });
    const res = await s.request('POST', '/embed/api/session', { body: { token: empty.token() } });
    expect((await embed('GET', '/embed/api/connectors', res.body.sessionToken)).body).toEqual({ items: [], nextCursor: null });
  });

  it('needs a session', async () => {
    const res = await s.request('GET', '/embed/api/connectors');
    expectError(res, 401, 'unauthorized', 'Send the session token as `Authorization: Bearer pbs_…`');
  });
});

describe('POST /embed/api/connector-auths (basic / api_key)', () => {
  it('checks the credentials first: a wrong password is 422 with the reason and nothing is stored', async () => {
    const w = await world('user');
    const token = await session(w, 'u1', 'acme');
    const before = await authCount();
    const res = await createBasic(token, { values: basicValues(WRONG_PASSWORD) });
    expectError(res, 422, 'unprocessable', 'The service refused these credentials (HTTP 401).', { upstreamStatus: 401 });
    expect(await authCount()).toBe(before);
  });

  it('stores valid basic credentials sealed, named by default after connector, date and initials', async () => {
    const w = await world('user');
    const token = await session(w, 'u1', 'acme');
    const res = await createBasic(token);
    expect(res.status, res.text).toBe(201);
    const now = new Date(s.clock.now()).toISOString();
    expect(res.body).toEqual({
      id: expect.stringMatching(/^ca_[a-z0-9]{26}$/),
      connectorId: 'crm',
      name: 'Demo CRM Login authorized on 2026-11-23 by AL',
      sharingLevel: 'user',
      proprietary: false,
      status: 'active',
      disabledBy: null,
      scopes: [],
      expiresAt: null,
      createdAt: now,
      updatedAt: now,
      lastUsedAt: null,
      lastError: null,
      ownedByMe: true,
      remoteAccount: null,
      createdByName: 'Ada Lovelace',
    });
    const row = await ctx().db.get<{ credentials_enc: string; owner_end_user_id: string; account_id: string }>(
      sql`SELECT credentials_enc, owner_end_user_id, account_id FROM connector_auths WHERE id = ${res.body.id}`,
    );
    expect(row?.credentials_enc).not.toContain(PASSWORD);
    expect(openCredentials(ctx(), res.body.id, row?.credentials_enc as string)).toEqual({
      type: 'basic',
      username: 'ada',
      password: PASSWORD,
      fields: {},
    });
    expect(row?.owner_end_user_id).toBe(await endUserId(w, 'u1', 'acme'));
    expect(row?.account_id).toBe('acme');
    const auditRow = await ctx().db.get<{ actor_type: string; details: string }>(
      sql`SELECT actor_type, details FROM audit_events WHERE object_id = ${res.body.id} AND action = 'connector_auth.created'`,
    );
    expect(auditRow?.actor_type).toBe('end_user');
    expect(auditRow?.details).not.toContain(PASSWORD);
  });

  it('stores a valid API key with the given name; a wrong one is 422', async () => {
    const w = await world('account');
    const token = await session(w, 'u1', 'acme', 'Grace Brewster Hopper');
    const bad = await embed('POST', '/embed/api/connector-auths', token, { connectorId: 'mailer', values: { apiKey: 'nope' } });
    expectError(bad, 422, 'unprocessable', 'The service refused these credentials (HTTP 403).', { upstreamStatus: 403 });
    const ok = await embed('POST', '/embed/api/connector-auths', token, { connectorId: 'mailer', values: { apiKey: API_KEY } });
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ name: 'Mailer Login authorized on 2026-11-23 by GBH', sharingLevel: 'account', ownedByMe: true });
    const named = await embed('POST', '/embed/api/connector-auths', token, {
      connectorId: 'mailer',
      name: '  Team mailer ',
      values: { apiKey: API_KEY },
    });
    expect(named.body.name).toBe('Team mailer');
  });

  it('refuses OAuth connectors (use a connect ticket), unknown fields, missing values and unoffered connectors', async () => {
    const w = await world('user', true);
    const token = await session(w, 'u1', 'acme');
    const before = await authCount();
    expectError(
      await embed('POST', '/embed/api/connector-auths', token, { connectorId: 'oauthy', values: {} }),
      400,
      'bad_request',
      'Connector "oauthy" (oauth2) connects through the provider: ask for a connect ticket (POST /embed/api/connect-tickets) and open it in a popup',
    );
    expectError(
      await embed('POST', '/embed/api/connector-auths', token, { connectorId: 'crm', values: { username: 'ada', token: 'x' } }),
      400,
      'validation_failed',
      'Invalid request: body.values.token, body.values.password',
      {
        issues: [
          { path: 'body.values.token', message: 'is not a field of this connector' },
          { path: 'body.values.password', message: 'required (Password)' },
        ],
      },
    );
    for (const connectorId of ['unused', 'backend', 'nope-connector']) {
      expectError(
        await embed('POST', '/embed/api/connector-auths', token, { connectorId, values: basicValues() }),
        404,
        'not_found',
        `Connector "${connectorId}" not found`,
      );
    }
    expect(await authCount()).toBe(before);
  });

  it('takes identity from the session only: owner fields in the body are refused (strict schema)', async () => {
    const w = await world('user');
    const token = await session(w, 'u1', 'acme');
    const res = await embed('POST', '/embed/api/connector-auths?embed_user_id=u2', token, {
      connectorId: 'crm',
      values: basicValues(),
      ownerUserId: 'u2',
      accountId: 'other',
    });
    expectError(res, 400, 'validation_failed', 'Invalid request: body', {
      issues: [{ path: 'body', message: 'unknown field(s): ownerUserId, accountId' }],
    });
  });

  it('refuses bodies over 16 kB', async () => {
    const w = await world('user');
    const token = await session(w, 'u1', 'acme');
    const res = await embed('POST', '/embed/api/connector-auths', token, {
      connectorId: 'crm',
      values: { username: 'ada', password: 'x'.repeat(17_000) },
    });
    expectError(res, 413, 'body_too_large', 'The request body is too large');
  });
});

describe('sharing levels (docs/domain.md#sharing-levels): two configurations × two accounts × two users', () => {
  let userLevel: World;
  let accountLevel: World;
  const t: Record<string, string> = {};
  const auth: Record<string, string> = {};
  beforeAll(async () => {
    userLevel = await world('user');
    accountLevel = await world('account');
    for (const [label, w] of [
      ['U', userLevel],
      ['A', accountLevel],
    ] as const) {
      t[`${label}-acme-u1`] = await session(w, 'u1', 'acme');
      t[`${label}-acme-u2`] = await session(w, 'u2', 'acme', 'Peter Parker');
      // the same embed ids in another account: never the same person
      t[`${label}-other-u1`] = await session(w, 'u1', 'other');
      const created = await createBasic(t[`${label}-acme-u1`] as string);
      expect(created.status).toBe(201);
      auth[label] = created.body.id;
    }
  });
  const listIds = async (token: string) => {
    const res = await embed('GET', '/embed/api/connector-auths', token);
    expect(res.status).toBe(200);
    return res.body.items.map((i: { id: string }) => i.id) as string[];
  };

  it('user level: the owner lists it; a colleague of the same account does not, and gets 404 on every change', async () => {
    const id = auth.U as string;
    expect(await listIds(t['U-acme-u1'] as string)).toEqual([id]);
    const peter = t['U-acme-u2'] as string;
    expect(await listIds(peter)).toEqual([]);
    for (const [method, body] of [
      ['PATCH', { name: 'mine now' }],
      ['PATCH', { status: 'disabled' }],
      ['PATCH', { values: basicValues() }],
      ['DELETE', undefined],
    ] as const) {
      const res = await embed(method, `/embed/api/connector-auths/${id}${method === 'DELETE' ? '?force=true' : ''}`, peter, body);
      expectError(res, 404, 'not_found', `Connector auth "${id}" not found`);
    }
    const row = await ctx().db.get<{ name: string; status: string }>(sql`SELECT name, status FROM connector_auths WHERE id = ${id}`);
    expect(row).toEqual({ name: 'Demo CRM Login authorized on 2026-11-23 by AL', status: 'active' });
  });

  it("user level: a colleague cannot reconnect the owner's auth through a connect ticket (404)", async (test) => {
    const hasTickets = allRoutes(ctx()).some((r) => r.method === 'post' && r.path === '/embed/api/connect-tickets');
    if (!hasTickets) test.skip();
    const imported = await s.request('POST', '/api/v1/connector-auths', {
      token: owner,
      body: {
        configId: userLevel.fx.configId,
        connectorId: 'oauthy',
        userId: 'u1',
        accountId: 'acme',
        credentials: { type: 'oauth2', accessToken: ACCESS_TOKEN },
        validate: false,
      },
    });
    expect(imported.status).toBe(201);
    const id = imported.body.id as string;
    const res = await embed('POST', '/embed/api/connect-tickets', t['U-acme-u2'] as string, { connectorId: 'oauthy', connectorAuthId: id });
    expect(res.status, res.text).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    const own = await embed('POST', '/embed/api/connect-tickets', t['U-acme-u1'] as string, { connectorId: 'oauthy', connectorAuthId: id });
    expect(own.status, own.text).toBe(201);
  });

  it('account level: every user of the account lists and changes it, marked ownedByMe only for its creator', async () => {
    const id = auth.A as string;
    const mine = await embed('GET', '/embed/api/connector-auths', t['A-acme-u1'] as string);
    expect(mine.body.items).toEqual([expect.objectContaining({ id, ownedByMe: true, sharingLevel: 'account' })]);
    const peter = t['A-acme-u2'] as string;
    const theirs = await embed('GET', '/embed/api/connector-auths', peter);
    expect(theirs.body.items).toEqual([expect.objectContaining({ id, ownedByMe: false })]);
    const renamed = await embed('PATCH', `/embed/api/connector-auths/${id}`, peter, { name: 'Shared CRM' });
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({ id, name: 'Shared CRM', ownedByMe: false });
    const audit = await ctx().db.get<{ actor_id: string; details: string }>(
      sql`SELECT actor_id, details FROM audit_events WHERE object_id = ${id} AND action = 'connector_auth.renamed'`,
    );
    expect(audit?.actor_id).toBe(await endUserId(accountLevel, 'u2', 'acme'));
    expect(JSON.parse(audit?.details ?? '{}')).toEqual({ connectorId: 'crm', name: 'Shared CRM', previousName: expect.any(String) });
  });

  it('nothing crosses accounts or configurations: 404 everywhere, empty lists', async () => {
    const attempts: [string, string][] = [
      ['U-other-u1', auth.U as string],
      ['A-other-u1', auth.A as string],
      // same account and user ids, other configuration
      ['A-acme-u1', auth.U as string],
      ['U-acme-u1', auth.A as string],
      ['U-acme-u2', auth.A as string],
    ];
    for (const [who, id] of attempts) {
      const token = t[who] as string;
      expect(await listIds(token), who).not.toContain(id);
      for (const [method, body] of [
        ['PATCH', { name: 'x' }],
        ['DELETE', undefined],
      ] as const) {
        const res = await embed(method, `/embed/api/connector-auths/${id}`, token, body);
        expectError(res, 404, 'not_found', `Connector auth "${id}" not found`);
      }
    }
    expect(await listIds(t['U-other-u1'] as string)).toEqual([]);
    expect(await listIds(t['A-other-u1'] as string)).toEqual([]);
    expect(await ctx().db.get(sql`SELECT id FROM connector_auths WHERE id IN (${auth.U}, ${auth.A})`)).toBeDefined();
  });
});

describe('PATCH /embed/api/connector-auths/{id}', () => {
  it('renames, disables, enables (only from disabled) and reconnects with checked credentials, keeping the id', async () => {
    const w = await world('user');
    const token = await session(w, 'u1', 'acme');
    const { id } = (await createBasic(token)).body;
    const path = `/embed/api/connector-auths/${id}`;

    expect((await embed('PATCH', path, token, { name: 'Work CRM' })).body).toMatchObject({ id, name: 'Work CRM', status: 'active' });
    s.clock.advance(60);
    const disabled = await embed('PATCH', path, token, { status: 'disabled' });
    expect(disabled.body).toMatchObject({ id, status: 'disabled', updatedAt: new Date(s.clock.now()).toISOString() });
    expect((await embed('PATCH', path, token, { status: 'active' })).body.status).toBe('active');

    await ctx().db.run(sql`UPDATE connector_auths SET status = 'needs_reauth' WHERE id = ${id}`);
    expectError(
      await embed('PATCH', path, token, { status: 'active' }),
      409,
      'conflict',
      'This connector auth is needs_reauth, not disabled; reconnect it instead',
    );

    // the service's password changes: a wrong one is refused, the new one reconnects the same id
    await fetch(`${upstreamUrl}/rotate`, { method: 'POST' });
    const refused = await embed('PATCH', path, token, { values: basicValues(PASSWORD) });
    expectError(refused, 422, 'unprocessable', 'The service refused these credentials (HTTP 401).', { upstreamStatus: 401 });
    const stillOld = await ctx().db.get<{ credentials_enc: string }>(sql`SELECT credentials_enc FROM connector_auths WHERE id = ${id}`);
    expect(openCredentials(ctx(), id, stillOld?.credentials_enc as string)).toMatchObject({ password: PASSWORD });

    const reconnected = await embed('PATCH', path, token, { values: basicValues(NEW_PASSWORD) });
    expect(reconnected.body).toMatchObject({ id, status: 'active', name: 'Work CRM' });
    const row = await ctx().db.get<{ credentials_enc: string; credentials_version: number }>(
      sql`SELECT credentials_enc, credentials_version FROM connector_auths WHERE id = ${id}`,
    );
    expect(openCredentials(ctx(), id, row?.credentials_enc as string)).toMatchObject({ password: NEW_PASSWORD });
    expect(row?.credentials_version).toBe(2);
    const actions = (
      await ctx().db.all<{ action: string }>(
        sql`SELECT action FROM audit_events WHERE object_id = ${id} ORDER BY at, ${insertionOrder(ctx().db)}`,
      )
    ).map((a) => a.action);
    expect(actions).toEqual([
      'connector_auth.created',
      'connector_auth.renamed',
      'connector_auth.disabled',
      'connector_auth.enabled',
      'connector_auth.reconnected',
    ]);
    const details = await ctx().db.all<{ details: string }>(sql`SELECT details FROM audit_events WHERE object_id = ${id}`);
    for (const d of details) for (const c of CANARIES) expect(d.details).not.toContain(c);
  });

  it('keeps a disabled auth disabled when its credentials are replaced; refuses OAuth values and mass assignment', async () => {
    const w = await world('user');
    const token = await session(w, 'u1', 'acme');
    // the rotating upstream now accepts NEW_PASSWORD
    const created = await createBasic(token, { values: basicValues(NEW_PASSWORD) });
    const path = `/embed/api/connector-auths/${created.body.id}`;
    await embed('PATCH', path, token, { status: 'disabled' });
    expect((await embed('PATCH', path, token, { values: basicValues(NEW_PASSWORD) })).body.status).toBe('disabled');
    expectError(
      await embed('PATCH', path, token, { ownerUserId: 'u2', accountId: 'x', configId: 'cfg_x' }),
      400,
      'validation_failed',
      'Invalid request: body',
      {
        issues: [
          { path: 'body', message: 'unknown field(s): ownerUserId, accountId, configId' },
          { path: 'body', message: 'give name, status or values' },
        ],
      },
    );
    const oauth = await s.request('POST', '/api/v1/connector-auths', {
      token: owner,
      body: {
        configId: w.fx.configId,
        connectorId: 'oauthy',
        userId: 'u1',
        accountId: 'acme',
        credentials: { type: 'oauth2', accessToken: ACCESS_TOKEN },
        validate: false,
      },
    });
    expectError(
      await embed('PATCH', `/embed/api/connector-auths/${oauth.body.id}`, token, { values: { apiKey: 'x' } }),
      400,
      'bad_request',
      'Connector "oauthy" (oauth2) connects through the provider: ask for a connect ticket (POST /embed/api/connect-tickets) and open it in a popup',
    );
    expectError(await embed('PATCH', path, token, {}), 400, 'validation_failed', 'Invalid request: body', {
      issues: [{ path: 'body', message: 'give name, status or values' }],
    });
  });
});

describe('DELETE /embed/api/connector-auths/{id}', () => {
  it('answers 409 with the references while integrations use it; force disables them and deletes', async () => {
    const w = await world('user');
    const token = await session(w, 'u1', 'acme');
    const { id } = (await createBasic(token, { values: basicValues(NEW_PASSWORD) })).body;
    const eu = await endUserId(w, 'u1', 'acme');
    const integrationId = await insertIntegration(ctx(), {
      configId: w.fx.configId,
      flowId: w.flowId,
      endUserId: eu,
      bindings: { crm: id },
    });

    const refused = await embed('DELETE', `/embed/api/connector-auths/${id}`, token);
    expectError(
      refused,
      409,
      'in_use',
      'This connector auth is used by integrations; disable or change them first, or delete with force=true',
      { references: [{ integrationId, flowId: w.flowId, name: 'Sync contacts' }] },
    );
    expect(await ctx().db.get(sql`SELECT id FROM connector_auths WHERE id = ${id}`)).toBeDefined();

    const forced = await embed('DELETE', `/embed/api/connector-auths/${id}?force=true`, token);
    expect(forced.status).toBe(204);
    expect(forced.text).toBe('');
    expect(await ctx().db.get(sql`SELECT id FROM connector_auths WHERE id = ${id}`)).toBeUndefined();
    expect(await ctx().db.get(sql`SELECT status, disabled_by FROM integrations WHERE id = ${integrationId}`)).toEqual({
      status: 'disabled',
      disabled_by: 'user',
    });
    expect(await ctx().db.all(sql`SELECT * FROM integration_bindings WHERE integration_id = ${integrationId}`)).toEqual([]);
    const audits = await ctx().db.all<{ action: string; object_id: string; actor_type: string }>(
      sql`SELECT action, object_id, actor_type FROM audit_events WHERE object_id IN (${id}, ${integrationId})
        AND action IN ('integration.disabled', 'connector_auth.deleted') ORDER BY ${insertionOrder(ctx().db)}`,
    );
    expect(audits).toEqual([
      { action: 'integration.disabled', object_id: integrationId, actor_type: 'end_user' },
      { action: 'connector_auth.deleted', object_id: id, actor_type: 'end_user' },
    ]);
    expectError(await embed('DELETE', `/embed/api/connector-auths/${id}`, token), 404, 'not_found', `Connector auth "${id}" not found`);
  });

  it('deletes an unused auth at once', async () => {
    const w = await world('account');
    const token = await session(w, 'u1', 'acme');
    const { id } = (await embed('POST', '/embed/api/connector-auths', token, { connectorId: 'mailer', values: { apiKey: API_KEY } })).body;
    const colleague = await session(w, 'u2', 'acme');
    expect((await embed('DELETE', `/embed/api/connector-auths/${id}`, colleague)).status).toBe(204);
    expect((await embed('GET', '/embed/api/connector-auths', token)).body.items).toEqual([]);
  });
});

describe('vendor import, then the end user sees it; OAuth2 tokens revoked at the provider on delete', () => {
  it('lists an imported OAuth2 auth for its end user only, and revokes its tokens when the end user deletes it', async () => {
    const w = await world('user');
    const imported = await s.request('POST', '/api/v1/connector-auths', {
      token: owner,
      body: {
        configId: w.fx.configId,
        connectorId: 'oauthy',
        userId: 'u9',
        accountId: 'acme',
        credentials: { type: 'oauth2', accessToken: ACCESS_TOKEN, refreshToken: REFRESH_TOKEN, scope: 'read write' },
        validate: false,
      },
    });
    expect(imported.status, imported.text).toBe(201);
    expect(imported.body).toMatchObject({
      userId: 'u9',
      accountId: 'acme',
      scopes: ['read', 'write'],
      name: expect.stringMatching(/by U9$/),
    });
    const u9 = await session(w, 'u9', 'acme');
    const other = await session(w, 'u1', 'acme');
    const listed = await embed('GET', '/embed/api/connector-auths', u9);
    expect(listed.body.items).toEqual([expect.objectContaining({ id: imported.body.id, connectorId: 'oauthy', ownedByMe: true })]);
    expect((await embed('GET', '/embed/api/connector-auths', other)).body.items).toEqual([]);

    revoked.length = 0;
    expect((await embed('DELETE', `/embed/api/connector-auths/${imported.body.id}`, u9)).status).toBe(204);
    expect(revoked).toEqual([REFRESH_TOKEN, ACCESS_TOKEN]);
    for (const line of s.logs) for (const c of CANARIES) expect(line).not.toContain(c);
  });
});

describe('C-07: no credential ever leaves through /embed/api', () => {
  it('no answer collected in this file carries a credential value or a credential field', () => {
    expect(embedAnswers.length).toBeGreaterThan(40);
    const all = embedAnswers.join('\n');
    for (const c of [...CANARIES, 'CANARY-client-secret', 'CLIENT-ID-not-for-iframes']) expect(all).not.toContain(c);
    for (const field of [
      '"password":',
      '"apiKey":',
      '"accessToken":',
      '"refreshToken":',
      '"credentials":',
      '"values":',
      '"clientSecret":',
    ]) {
      expect(all).not.toContain(field);
    }
  });

  // A scan of SQLite's file: on PostgreSQL the bytes are in the database server's own files.
  it.skipIf(TEST_DRIVER !== 'sqlite')('the database file holds none of the credentials in plain text', () => {
    for (const [i, bytes] of sqliteFileBytes(s, 'TRUNCATE').entries()) {
      for (const c of CANARIES) expect(bytes.includes(Buffer.from(c)), `file ${i}: ${c}`).toBe(false);
    }
  });
});

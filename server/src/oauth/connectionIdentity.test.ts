/**
 * Connections say whose and which (docs/domain.md, "Connector auth"): the remote account an auth is
 * connected as (the ID token of the code exchange, or the connector's `validation.accountField`
 * answer), who connected it, default names after the account (localised otherwise), and the twin
 * rule — connecting the same remote account again in the same scope updates the existing
 * connection. No answer carries a credential.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../db/sql.ts';
import { openCredentials } from '../services/connectors/credentials.ts';
import { driveOAuth2Login, embedSessionToken, rewriteFor } from '../testing/connectFlow.ts';
import { insertFlow, insertGroup } from '../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from '../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../testing/oidcProvider.ts';
import { startUpstreamApi, type TestUpstreamApi } from '../testing/upstreamApi.ts';

const PASSWORD = 'CANARY-identity-password-71c2';
const OTHER_PASSWORD = 'CANARY-identity-other-09fe';

let s: TestServer;
let op: TestOAuthProvider;
let upstream: TestUpstreamApi;
let vault: Server;
let rw: { from: string; to: string };
let userFx: EmbedFixture;
let accountFx: EmbedFixture;
/** Every embed answer of this file, for the canary check. */
const seen: string[] = [];

async function embed(method: string, path: string, token: string, body?: unknown) {
  const res = await s.request(method, path, { token, ...(body === undefined ? {} : { body }) });
  seen.push(res.text);
  return res;
}

/** Connects `crm` through the real popup flow as provider login `login`; answers the auth id. */
async function connectCrm(token: string, login: string): Promise<string> {
  const t = await embed('POST', '/embed/api/connect-tickets', token, { connectorId: 'crm' });
  expect(t.status, t.text).toBe(201);
  const run = await driveOAuth2Login(t.body.url, { rewrite: rw, login });
  expect(run.response?.status).toBe(200);
  const status = await embed('GET', `/embed/api/connect-tickets/${t.body.id}`, token);
  expect(status.body.status, status.text).toBe('success');
  return status.body.connectorAuthId as string;
}

async function authsOf(token: string) {
  const res = await embed('GET', '/embed/api/connector-auths', token);
  expect(res.status, res.text).toBe(200);
  return res.body.items as Array<Record<string, unknown>>;
}

async function count(configId: string, connectorId: string): Promise<number> {
  const row = await s.app.ctx.db.get<{ n: number | string }>(
    sql`SELECT count(*) AS n FROM connector_auths WHERE config_id = ${configId} AND connector_id = ${connectorId}`,
  );
  return Number(row?.n);
}

async function version(id: string): Promise<number> {
  const row = await s.app.ctx.db.get<{ v: number }>(sql`SELECT credentials_version AS v FROM connector_auths WHERE id = ${id}`);
  return Number(row?.v);
}

beforeAll(async () => {
  const app = express();
  app.get('/whoami', (req, res) => {
    const header = req.get('authorization') ?? '';
    const [user, password] = Buffer.from(header.replace(/^Basic /, ''), 'base64')
      .toString('utf8')
      .split(':');
    if (password !== PASSWORD && password !== OTHER_PASSWORD) {
      res.status(401).json({ error: 'bad credentials' });
      return;
    }
    res.json({ account: { email: `${user}@vault.example`, plan: 'pro' } });
  });
  vault = await new Promise<Server>((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
  rw = rewriteFor(s);
  const publicUrl = s.app.ctx.config.publicUrl;
  op = await startOAuthProvider({ redirectUris: [`${publicUrl}/oauth/callback/crm`] });
  upstream = await startUpstreamApi({
    kind: 'bearer',
    introspectionUrl: op.introspectionUrl,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
  });
  const admin = await s.adminToken();
  for (const body of [
    {
      id: 'crm',
      name: 'Demo CRM',
      authType: 'oauth2',
      baseUrl: upstream.url,
      oauth2: {
        authorizeUrl: op.authorizeUrl,
        tokenUrl: op.tokenUrl,
        clientId: op.clientId,
        clientSecret: op.clientSecret,
        scopes: ['openid', 'profile'],
      },
    },
    {
      id: 'vault',
      name: 'Vault',
      authType: 'basic',
      baseUrl: `http://127.0.0.1:${(vault.address() as AddressInfo).port}`,
      validation: { method: 'GET', path: '/whoami', expectStatus: 200, accountField: 'account.email' },
    },
    { id: 'plain', name: 'Plain', authType: 'basic', baseUrl: upstream.url },
  ]) {
    const res = await s.request('POST', '/api/v1/connectors', { token: admin, body });
    expect(res.status, res.text).toBe(201);
  }
  // The vendor API keeps the named field.
  const read = await s.request('GET', '/api/v1/connectors/vault', { token: admin });
  expect(read.body.validation).toEqual({ method: 'GET', path: '/whoami', expectStatus: 200, accountField: 'account.email' });
  const bad = await s.request('POST', '/api/v1/connectors', {
    token: admin,
    body: { id: 'bad', name: 'Bad', authType: 'basic', validation: { path: '/me', accountField: 'a..b' } },
  });
  expect(bad.status).toBe(400);

  userFx = await createEmbedFixture(s.app.ctx);
  accountFx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'account' });
  const flowId = await insertFlow(s.app.ctx, {
    definition: {
      slots: [
        { key: 'crm', connectorId: 'crm', label: 'CRM' },
        { key: 'vault', connectorId: 'vault', label: 'Vault' },
        { key: 'plain', connectorId: 'plain', label: 'Plain' },
      ],
      inputs: [],
      trigger: { type: 'manual' },
      steps: [],
    },
  });
  for (const fx of [userFx, accountFx]) await insertGroup(s.app.ctx, fx.configId, { flowIds: [flowId] });
}, 30_000);

afterAll(async () => {
  vault?.closeAllConnections();
  await Promise.all([s?.close(), op?.close(), upstream?.close(), new Promise((r) => (vault ? vault.close(r) : r(null)))]);
});

describe('an OAuth connection', () => {
  it('names the remote account from the ID token, says who set it up, and a second connect of it updates the first', async () => {
    const ada = await embedSessionToken(s, userFx.token());
    const first = await connectCrm(ada, 'ada@crm.example');
    const [auth] = await authsOf(ada);
    expect(auth).toMatchObject({
      id: first,
      name: 'Demo CRM — ada@crm.example',
      remoteAccount: 'ada@crm.example',
      createdByName: 'Ada Lovelace',
      ownedByMe: true,
    });
    expect(await version(first)).toBe(1);

    // The same account again, without asking to reconnect: the same connection, new credentials.
    const again = await connectCrm(ada, 'ada@crm.example');
    expect(again).toBe(first);
    expect(await count(userFx.configId, 'crm')).toBe(1);
    expect(await version(first)).toBe(2);
    const audit = await s.app.ctx.db.all<{ action: string }>(
      sql`SELECT action FROM audit_events WHERE object_id = ${first} ORDER BY at, action`,
    );
    // (the test clock stands still: both have the same time, and `created` sorts before `reconnected`)
    expect(audit.map((a) => a.action)).toEqual(['connector_auth.created', 'connector_auth.reconnected']);

    // Another account at the same service is another connection.
    const other = await connectCrm(ada, 'ada.private@crm.example');
    expect(other).not.toBe(first);
    expect((await authsOf(ada)).map((a) => a.remoteAccount).sort()).toEqual(['ada.private@crm.example', 'ada@crm.example']);
  });

  it('at user level, a colleague signing in as the same remote account gets a connection of their own', async () => {
    const grace = await embedSessionToken(s, userFx.token({ embed_user_id: 'user-2', embed_user_name: 'Grace Hopper' }));
    const mine = await connectCrm(grace, 'ada@crm.example');
    const [auth] = await authsOf(grace);
    expect(auth).toMatchObject({ id: mine, createdByName: 'Grace Hopper', remoteAccount: 'ada@crm.example' });
    expect(await count(userFx.configId, 'crm')).toBe(3);
  });

  it('at account level, a colleague connecting the same remote account updates the shared connection, which keeps its creator', async () => {
    const ada = await embedSessionToken(s, accountFx.token());
    const shared = await connectCrm(ada, 'team@crm.example');
    const grace = await embedSessionToken(s, accountFx.token({ embed_user_id: 'user-2', embed_user_name: 'Grace Hopper' }));
    expect(await connectCrm(grace, 'team@crm.example')).toBe(shared);
    expect(await count(accountFx.configId, 'crm')).toBe(1);
    const [seenByGrace] = await authsOf(grace);
    expect(seenByGrace).toMatchObject({ id: shared, createdByName: 'Ada Lovelace', ownedByMe: false, remoteAccount: 'team@crm.example' });
    // Without a name claim, "set up by" is the host's user id.
    const anon = await embedSessionToken(s, accountFx.token({ embed_user_id: 'user-3', embed_user_name: undefined }));
    const third = await connectCrm(anon, 'ops@crm.example');
    expect((await authsOf(anon)).find((a) => a.id === third)).toMatchObject({ createdByName: 'user-3' });
  });
});

describe('a credentials connection whose connector names validation.accountField', () => {
  it('takes the account from the validation answer and updates instead of twinning', async () => {
    const ada = await embedSessionToken(s, userFx.token({ embed_user_id: 'user-9' }));
    const created = await embed('POST', '/embed/api/connector-auths', ada, {
      connectorId: 'vault',
      values: { username: 'ada', password: PASSWORD },
    });
    expect(created.status, created.text).toBe(201);
    expect(created.body).toMatchObject({
      name: 'Vault — ada@vault.example',
      remoteAccount: 'ada@vault.example',
      createdByName: 'Ada Lovelace',
    });
    const again = await embed('POST', '/embed/api/connector-auths', ada, {
      connectorId: 'vault',
      values: { username: 'ada', password: OTHER_PASSWORD },
    });
    expect(again.status, again.text).toBe(201);
    expect(again.body.id).toBe(created.body.id);
    const vaults = (await authsOf(ada)).filter((a) => a.connectorId === 'vault');
    expect(vaults).toHaveLength(1);
    // The new password is what is stored now.
    const row = await s.app.ctx.db.get<{ credentials_enc: string }>(
      sql`SELECT credentials_enc FROM connector_auths WHERE id = ${created.body.id}`,
    );
    expect(openCredentials(s.app.ctx, created.body.id, row?.credentials_enc as string)).toMatchObject({ password: OTHER_PASSWORD });

    // A reconnect as another account relabels it.
    const moved = await embed('PATCH', `/embed/api/connector-auths/${created.body.id}`, ada, {
      values: { username: 'bob', password: PASSWORD },
    });
    expect(moved.status, moved.text).toBe(200);
    expect(moved.body).toMatchObject({ remoteAccount: 'bob@vault.example', name: 'Vault — ada@vault.example' });
  });

  it('without a known account, the default name is the dated schema, in the end user’s language', async () => {
    const day = new Date(s.clock.now()).toISOString().slice(0, 10);
    const de = await embedSessionToken(s, userFx.token({ embed_user_id: 'user-8', embed_user_language: 'de' }));
    const german = await embed('POST', '/embed/api/connector-auths', de, {
      connectorId: 'plain',
      values: { username: 'x', password: PASSWORD },
    });
    expect(german.status, german.text).toBe(201);
    expect(german.body).toMatchObject({ name: `Plain Login autorisiert am ${day} von AL`, remoteAccount: null });
    const en = await embedSessionToken(s, userFx.token({ embed_user_id: 'user-7' }));
    const english = await embed('POST', '/embed/api/connector-auths', en, {
      connectorId: 'plain',
      values: { username: 'x', password: PASSWORD },
    });
    expect(english.body).toMatchObject({ name: `Plain Login authorized on ${day} by AL`, remoteAccount: null });
    // Unknown account: no twin rule, a second connection is a second one.
    const twice = await embed('POST', '/embed/api/connector-auths', en, {
      connectorId: 'plain',
      values: { username: 'x', password: PASSWORD },
    });
    expect(twice.body.id).not.toBe(english.body.id);
  });
});

describe('answers', () => {
  it('never carry a credential', () => {
    const all = seen.join('\n');
    for (const canary of [PASSWORD, OTHER_PASSWORD]) expect(all).not.toContain(canary);
    expect(all).not.toMatch(/access_?token|refresh_?token|id_token|eyJ[A-Za-z0-9_-]{10,}/i);
  });
});

/**
 * "Delete all my integration data" (`DELETE /embed/api/data`, docs/domain.md#sharing-levels): at
 * user level the caller's integrations with their runs, connector auths with their credentials
 * (OAuth2 tokens revoked at a real loopback provider) and consent go, in one transaction with
 * their callbacks and one audit event; at account level the whole account's; other users,
 * accounts and configurations keep theirs; the next session asks for consent again.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCallbackDeliveriesOfConfig } from '../../db/repos/callbackDeliveries.ts';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { newCallbackSecret, sealCallbackSecret } from '../../services/embed/configs.ts';
import { insertConnectorAuth, insertFlow, insertGroup, insertIntegration, insertRun } from '../../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture, type EmbedFixture } from '../../testing/embedFixtures.ts';
import { sqliteFileBytes, startTestServer, type TestServer } from '../../testing/harness.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';

const ACCESS_TOKEN = 'CANARY-delete-access-6a1e';
const REFRESH_TOKEN = 'CANARY-delete-refresh-9b2f';
const API_KEY = 'CANARY-delete-key-31c4';

let s: TestServer;
let provider: Server;
const revoked: string[] = [];
const ctx = () => s.app.ctx;

beforeAll(async () => {
  const app = express();
  app.post('/revoke', express.urlencoded({ extended: false }), (req, res) => {
    revoked.push(String((req.body as Record<string, string>).token));
    res.status(200).end();
  });
  provider = await new Promise<Server>((resolve) => {
    const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
  });
  const url = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000', PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true' } });
  const owner = await s.adminToken();
  for (const c of [
    { id: 'mailer', name: 'Mailer', authType: 'api_key', baseUrl: url, apiKey: { in: 'header', name: 'X-Api-Key' } },
    {
      id: 'oauthy',
      name: 'OAuthy',
      authType: 'oauth2',
      baseUrl: url,
      oauth2: {
        authorizeUrl: `${url}/authorize`,
        tokenUrl: `${url}/token`,
        revokeUrl: `${url}/revoke`,
        clientId: 'cid',
        clientSecret: 'cs',
      },
    },
  ]) {
    const res = await s.request('POST', '/api/v1/connectors', { token: owner, body: c });
    expect(res.status, res.text).toBe(201);
  }
});
afterAll(async () => {
  await s.close();
  await new Promise<void>((resolve) => provider.close(() => resolve()));
});

interface Person {
  token: string;
  endUserId: string;
}

async function person(fx: EmbedFixture, userId: string, accountId: string): Promise<Person> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: userId, embed_account_id: accountId }) },
  });
  expect(res.status, res.text).toBe(200);
  await acceptConsent(s, res.body.sessionToken, res.body);
  const row = await findEndUserByIdentity(ctx().db, fx.configId, accountId, userId);
  if (!row) throw new Error('no end user');
  return { token: res.body.sessionToken as string, endUserId: row.id };
}

/** A configuration with callbacks on, offering one flow over both connectors. */
async function config(sharingLevel: 'user' | 'account') {
  const fx = await createEmbedFixture(ctx(), { sharingLevel, keys: ['hs'] });
  await ctx().db.run(sql`UPDATE embed_configs SET callback_url = 'https://backend.example.test/patchbay',
    callback_secret_enc = ${sealCallbackSecret(ctx(), fx.configId, newCallbackSecret())} WHERE id = ${fx.configId}`);
  const flow = await insertFlow(ctx(), {
    name: 'Sync',
    definition: {
      slots: [
        { key: 'mail', connectorId: 'mailer', label: 'Mail' },
        { key: 'oa', connectorId: 'oauthy', label: 'OAuthy' },
      ],
      inputs: [],
      trigger: { type: 'manual' },
      steps: [],
    },
  });
  const flow2 = await insertFlow(ctx(), { name: 'Other', connectorId: 'mailer' });
  await insertGroup(ctx(), fx.configId, { flowIds: [flow, flow2] });
  return { fx, flow, flow2, sharingLevel };
}

/** Gives `p` two auths, two integrations (one with runs) of the scope's sharing level. */
async function holdings(c: Awaited<ReturnType<typeof config>>, p: Person) {
  const mail = await insertConnectorAuth(ctx(), {
    configId: c.fx.configId,
    connectorId: 'mailer',
    endUserId: p.endUserId,
    sharingLevel: c.sharingLevel,
    credentials: { type: 'api_key', apiKey: API_KEY, fields: {} },
  });
  const oa = await insertConnectorAuth(ctx(), {
    configId: c.fx.configId,
    connectorId: 'oauthy',
    endUserId: p.endUserId,
    sharingLevel: c.sharingLevel,
    credentials: { type: 'oauth2', accessToken: ACCESS_TOKEN, refreshToken: REFRESH_TOKEN, expiresAt: null, scope: null },
  });
  const i1 = await insertIntegration(ctx(), {
    configId: c.fx.configId,
    flowId: c.flow,
    endUserId: p.endUserId,
    sharingLevel: c.sharingLevel,
    bindings: { mail, oa },
  });
  const i2 = await insertIntegration(ctx(), {
    configId: c.fx.configId,
    flowId: c.flow2,
    endUserId: p.endUserId,
    sharingLevel: c.sharingLevel,
    bindings: { main: mail },
  });
  const run = await insertRun(ctx(), i1);
  return { auths: [mail, oa], integrations: [i1, i2], run };
}

const count = async (table: 'integrations' | 'connector_auths' | 'runs', ids: readonly string[]) =>
  (await ctx().db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.raw(table)} WHERE id IN (${sql.list(ids)})`))?.n;

async function consentGiven(fx: EmbedFixture, userId: string, accountId: string): Promise<boolean> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: userId, embed_account_id: accountId }) },
  });
  return res.body.config.consent.given as boolean;
}

describe(`DELETE /embed/api/data on ${TEST_DRIVER}`, () => {
  it("user level: the caller's integrations, runs, auths (tokens revoked) and consent go; the others' stay", async () => {
    const c = await config('user');
    const ada = await person(c.fx, 'ada', 'acme');
    const bob = await person(c.fx, 'bob', 'acme');
    const mine = await holdings(c, ada);
    const bobs = await holdings(c, bob);
    const elsewhere = await config('user');
    const adaElsewhere = await person(elsewhere.fx, 'ada', 'acme');
    const theirs = await holdings(elsewhere, adaElsewhere);
    const deliveriesBefore = (await listCallbackDeliveriesOfConfig(ctx().db, c.fx.configId)).length;
    revoked.length = 0;

    const res = await s.request('DELETE', '/embed/api/data', { token: ada.token });
    expect([res.status, res.text]).toEqual([204, '']);

    expect(await count('integrations', mine.integrations)).toBe(0);
    expect(await count('runs', [mine.run])).toBe(0);
    expect(await count('connector_auths', mine.auths)).toBe(0);
    expect(revoked).toEqual([REFRESH_TOKEN, ACCESS_TOKEN]);
    expect((await s.request('GET', '/embed/api/integrations', { token: ada.token })).body.items).toEqual([]);
    expect((await s.request('GET', '/embed/api/connector-auths', { token: ada.token })).body.items).toEqual([]);
    // consent is asked again: the session says so, and writes wait for it
    expect(await consentGiven(c.fx, 'ada', 'acme')).toBe(false);
    const write = await s.request('POST', `/embed/api/integrations/${bobs.integrations[0]}/runs`, { token: ada.token });
    expect([write.status, write.body.error?.code]).toEqual([403, 'consent_required']);

    // bob, and ada in another configuration, keep everything
    expect(await count('integrations', [...bobs.integrations, ...theirs.integrations])).toBe(4);
    expect(await count('connector_auths', [...bobs.auths, ...theirs.auths])).toBe(4);
    expect(await count('runs', [bobs.run, theirs.run])).toBe(2);
    expect(await consentGiven(c.fx, 'bob', 'acme')).toBe(true);
    expect(await consentGiven(elsewhere.fx, 'ada', 'acme')).toBe(true);

    const deliveries = (await listCallbackDeliveriesOfConfig(ctx().db, c.fx.configId)).slice(deliveriesBefore);
    expect(deliveries.map((d) => d.event_type)).toEqual([
      'integration.deleted',
      'integration.deleted',
      'connectorAuth.deleted',
      'connectorAuth.deleted',
      'data.deleted',
    ]);
    const last = JSON.parse(deliveries.at(-1)?.payload ?? '{}');
    expect(last.data).toEqual({
      configId: c.fx.configId,
      userId: 'ada',
      accountId: 'acme',
      sharingLevel: 'user',
      integrations: 2,
      connectorAuths: 2,
    });
    for (const d of deliveries) for (const canary of [ACCESS_TOKEN, REFRESH_TOKEN, API_KEY]) expect(d.payload).not.toContain(canary);

    const audit = await ctx().db.all<{ actor_type: string; actor_id: string; object_id: string; details: string }>(
      sql`SELECT actor_type, actor_id, object_id, details FROM audit_events WHERE action = 'data.deleted' AND config_id = ${c.fx.configId}`,
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: 'end_user', actor_id: ada.endUserId, object_id: ada.endUserId });
    const details = JSON.parse(audit[0]?.details ?? '{}');
    expect({ ...details, integrationIds: details.integrationIds.sort(), connectorAuthIds: details.connectorAuthIds.sort() }).toEqual({
      sharingLevel: 'user',
      integrations: 2,
      connectorAuths: 2,
      integrationIds: [...mine.integrations].sort(),
      connectorAuthIds: [...mine.auths].sort(),
    });
    for (const line of s.logs) for (const canary of [ACCESS_TOKEN, REFRESH_TOKEN, API_KEY]) expect(line).not.toContain(canary);

    // nothing left: a second call deletes nothing and answers 204 again (allowed without consent)
    const again = await s.request('DELETE', '/embed/api/data', { token: ada.token });
    expect(again.status).toBe(204);
  });

  it("account level: the whole account's data and consent go, another account keeps its own", async () => {
    const c = await config('account');
    const ada = await person(c.fx, 'ada', 'acme');
    const bob = await person(c.fx, 'bob', 'acme');
    const carol = await person(c.fx, 'carol', 'globex');
    const adas = await holdings(c, ada);
    const carols = await holdings(c, carol);
    revoked.length = 0;

    const res = await s.request('DELETE', '/embed/api/data', { token: bob.token });
    expect(res.status, res.text).toBe(204);
    expect(await count('integrations', adas.integrations)).toBe(0);
    expect(await count('connector_auths', adas.auths)).toBe(0);
    expect(revoked).toEqual([REFRESH_TOKEN, ACCESS_TOKEN]);
    expect(await consentGiven(c.fx, 'ada', 'acme')).toBe(false);
    expect(await consentGiven(c.fx, 'bob', 'acme')).toBe(false);

    expect(await count('integrations', carols.integrations)).toBe(2);
    expect(await count('connector_auths', carols.auths)).toBe(2);
    expect(await consentGiven(c.fx, 'carol', 'globex')).toBe(true);
    const last = (await listCallbackDeliveriesOfConfig(ctx().db, c.fx.configId)).at(-1);
    expect(JSON.parse(last?.payload ?? '{}')).toMatchObject({
      type: 'data.deleted',
      data: { userId: 'bob', accountId: 'acme', sharingLevel: 'account', integrations: 2, connectorAuths: 2 },
    });
  });

  it('needs a session', async () => {
    const res = await s.request('DELETE', '/embed/api/data');
    expect([res.status, res.body.error?.code]).toEqual([401, 'unauthorized']);
  });

  // A scan of SQLite's file: on PostgreSQL the bytes are in the database server's own files.
  it.skipIf(TEST_DRIVER !== 'sqlite')('leaves no credential in the database file', () => {
    for (const [i, bytes] of sqliteFileBytes(s, 'TRUNCATE').entries()) {
      for (const c of [ACCESS_TOKEN, REFRESH_TOKEN, API_KEY]) expect(bytes.includes(Buffer.from(c)), `file ${i}: ${c}`).toBe(false);
    }
  });
});

/**
 * The callback outbox (docs/callbacks.md): every change the vendor's backend hears of is written
 * as a delivery in the change's own transaction — integrations by the end user and by an
 * administrator's cascade, connector auths, consent, runs settled — with `{type, timestamp, data}`
 * of ids and statuses only; a configuration without a callback URL gets none; a transaction that
 * rolls back leaves none.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../context.ts';
import { listCallbackDeliveriesOfConfig } from '../db/repos/callbackDeliveries.ts';
import { findEndUserByIdentity } from '../db/repos/endUsers.ts';
import { sql } from '../db/sql.ts';
import { newCallbackSecret, sealCallbackSecret } from '../services/embed/configs.ts';
import { insertConnector, insertConnectorAuth, insertFlow, insertGroup } from '../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture, type EmbedFixture } from '../testing/embedFixtures.ts';
import { type ApiResponse, startTestServer, TestClock, type TestServer } from '../testing/harness.ts';
import { enqueue, enqueueIntegrationEvent } from './outbox.ts';

const T0 = Date.parse('2026-11-23T09:30:00.000Z');
const CANARY = 'CANARY-callback-credential-5531';

let s: TestServer;
const ctx = () => s.app.ctx;

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' }, clock: new TestClock(T0) });
  await insertConnector(s.app.ctx, { id: 'crm', name: 'Demo CRM', authType: 'basic' });
});
afterAll(async () => {
  await s.close();
});

interface World {
  fx: EmbedFixture;
  flow: string;
  token: string;
  endUserId: string;
}

async function world(opts: { callbacks: boolean }): Promise<World> {
  const fx = await createEmbedFixture(ctx(), { sharingLevel: 'user', keys: ['hs'] });
  if (opts.callbacks) {
    const secret = newCallbackSecret();
    await ctx().db.run(sql`UPDATE embed_configs SET callback_url = 'https://backend.example.test/patchbay',
      callback_secret_enc = ${sealCallbackSecret(ctx(), fx.configId, secret)} WHERE id = ${fx.configId}`);
  }
  const flow = await insertFlow(ctx(), { name: 'Simple', connectorId: 'crm' });
  await insertGroup(ctx(), fx.configId, { name: 'CRM', flowIds: [flow] });
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: 'u-7', embed_account_id: 'acct-42' }) },
  });
  expect(res.status, res.text).toBe(200);
  await acceptConsent(s, res.body.sessionToken, res.body);
  const row = await findEndUserByIdentity(ctx().db, fx.configId, 'acct-42', 'u-7');
  if (!row) throw new Error('no end user');
  return { fx, flow, token: res.body.sessionToken as string, endUserId: row.id };
}

async function embed(w: World, method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return s.request(method, path, { token: w.token, ...(body === undefined ? {} : { body }) });
}

async function deliveries(configId: string) {
  return (await listCallbackDeliveriesOfConfig(ctx().db, configId)).map((d) => ({ ...d, body: JSON.parse(d.payload) }));
}

describe('callback outbox', () => {
  it('writes one delivery per change, in order per object, with ids and statuses only', async () => {
    const w = await world({ callbacks: true });
    const auth = await insertConnectorAuth(ctx(), {
      configId: w.fx.configId,
      connectorId: 'crm',
      endUserId: w.endUserId,
      sharingLevel: 'user',
      credentials: { type: 'basic', username: 'ada', password: CANARY },
    });
    const created = await embed(w, 'POST', '/embed/api/integrations', { flowId: w.flow, bindings: { main: auth } });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    s.clock.advance(1);
    expect((await embed(w, 'PATCH', `/embed/api/integrations/${id}`, { status: 'disabled' })).status).toBe(200);
    s.clock.advance(1);
    expect((await embed(w, 'PATCH', `/embed/api/integrations/${id}`, { status: 'enabled' })).status).toBe(200);
    s.clock.advance(1);
    expect((await embed(w, 'DELETE', `/embed/api/integrations/${id}`)).status).toBe(204);
    s.clock.advance(1);
    const del = await embed(w, 'DELETE', `/embed/api/connector-auths/${auth}?force=true`);
    expect(del.status, del.text).toBe(204);

    const all = await deliveries(w.fx.configId);
    // the URL is set before the session, so the consent is reported too
    expect(all.map((d) => d.event_type)).toEqual([
      'consent.given',
      'integration.enabled',
      'integration.disabled',
      'integration.enabled',
      'integration.deleted',
      'connectorAuth.deleted',
    ]);
    const subject = { configId: w.fx.configId, userId: 'u-7', accountId: 'acct-42', sharingLevel: 'user' };
    const ofIntegration = all.filter((d) => d.event_type.startsWith('integration.'));
    expect(new Set(ofIntegration.map((d) => d.object_key))).toEqual(new Set([`${w.fx.configId}:${id}`]));
    expect(ofIntegration.map((d) => d.body.data.status)).toEqual(['enabled', 'disabled', 'enabled', 'deleted']);
    expect(ofIntegration[0]?.body).toEqual({
      type: 'integration.enabled',
      timestamp: new Date(T0).toISOString(),
      data: { ...subject, integrationId: id, flowId: w.flow, status: 'enabled' },
    });
    expect(all.at(-1)?.body.data).toEqual({ ...subject, connectorAuthId: auth, connectorId: 'crm', status: 'deleted' });
    for (const d of all) {
      expect(d.status).toBe('pending');
      expect(d.id).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(d.payload).not.toContain(CANARY);
      expect(d.payload).not.toContain('password');
    }
    expect(new Set(all.map((d) => d.id)).size).toBe(all.length);
  });

  it('writes nothing for a configuration without a callback URL, or whose callbacks a 410 stopped', async () => {
    const w = await world({ callbacks: false });
    const auth = await insertConnectorAuth(ctx(), {
      configId: w.fx.configId,
      connectorId: 'crm',
      endUserId: w.endUserId,
      sharingLevel: 'user',
    });
    const created = await embed(w, 'POST', '/embed/api/integrations', { flowId: w.flow, bindings: { main: auth } });
    expect(created.status, created.text).toBe(201);
    expect(await deliveries(w.fx.configId)).toEqual([]);

    const stopped = await world({ callbacks: true });
    await ctx().db.run(
      sql`UPDATE embed_configs SET callbacks_disabled_at = ${new Date(T0).toISOString()} WHERE id = ${stopped.fx.configId}`,
    );
    const before = (await deliveries(stopped.fx.configId)).length;
    const auth2 = await insertConnectorAuth(ctx(), {
      configId: stopped.fx.configId,
      connectorId: 'crm',
      endUserId: stopped.endUserId,
      sharingLevel: 'user',
    });
    expect((await embed(stopped, 'POST', '/embed/api/integrations', { flowId: stopped.flow, bindings: { main: auth2 } })).status).toBe(201);
    expect((await deliveries(stopped.fx.configId)).length).toBe(before);
  });

  it('a transaction that rolls back leaves no delivery', async () => {
    const w = await world({ callbacks: true });
    const auth = await insertConnectorAuth(ctx(), {
      configId: w.fx.configId,
      connectorId: 'crm',
      endUserId: w.endUserId,
      sharingLevel: 'user',
    });
    const created = await embed(w, 'POST', '/embed/api/integrations', { flowId: w.flow, bindings: { main: auth } });
    const id = created.body.id as string;
    const before = await deliveries(w.fx.configId);
    await expect(
      inTransaction(ctx(), async (tx) => {
        expect(await enqueueIntegrationEvent(tx, 'integration.updated', id)).toMatch(/^msg_/);
        expect(
          await enqueue(tx, {
            type: 'data.deleted',
            subject: { configId: w.fx.configId, userId: 'u-7', accountId: 'acct-42', sharingLevel: 'user' },
            objectId: w.endUserId,
          }),
        ).toMatch(/^msg_/);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await deliveries(w.fx.configId)).toEqual(before);
    // a refused change (409: already enabled) is not reported either
    const again = await embed(w, 'POST', '/embed/api/integrations', { flowId: w.flow, bindings: { main: auth } });
    expect(again.status).toBe(409);
    expect(await deliveries(w.fx.configId)).toEqual(before);
  });
});

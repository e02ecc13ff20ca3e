/**
 * Remote options (docs/runs.md, "Remote options"): a select's options load from a real loopback
 * upstream through the slot's connector auth with the credential injected, the path templated,
 * filtered by `q` on the label, capped at 200 and redacted of the credential; only an auth the
 * caller may use, of the slot's connector (or the vendor's pre-filled one); clear codes when the
 * connector fails.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { insertConnector, insertConnectorAuth, insertFlow, insertGroup } from '../../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from '../../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';
import { startUpstream, type TestUpstream } from '../../testing/upstream.ts';

const CANARY = 'CANARY-options-key-7741';
let s: TestServer;
let upstream: TestUpstream;
const lists = Array.from({ length: 300 }, (_, i) => ({ id: `l${i}`, title: i === 7 ? 'Leads (Germany)' : `List ${i}` }));

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000', PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true' } });
  upstream = await startUpstream((r, res) => {
    const url = new URL(r.url, 'http://x');
    if (r.headers['x-api-key'] !== CANARY && r.headers['x-api-key'] !== 'vendor-key') {
      res.statusCode = 401;
      res.end('{"error":"no key"}');
      return;
    }
    res.setHeader('content-type', 'application/json');
    if (url.pathname === '/lists') res.end(JSON.stringify({ data: { lists } }));
    else if (url.pathname === '/echo') res.end(JSON.stringify([{ id: 'e1', title: `key ${CANARY}` }]));
    else if (url.pathname === '/broken') {
      res.statusCode = 500;
      res.end('{"error":"boom"}');
    } else if (url.pathname === '/html') {
      res.setHeader('content-type', 'text/html');
      res.end('<html>nope</html>');
    } else if (url.pathname === '/hang') {
      // never answers: the options call gives up after its timeout
    } else if (url.pathname === '/object') res.end('{"data":{"lists":{"a":1}}}');
    else res.end('[]');
  });
  await seedConnectors(s);
});

async function seedConnectors(server: TestServer): Promise<void> {
  await insertConnector(server.app.ctx, { id: 'crm', name: 'Demo CRM', authType: 'api_key' });
  await insertConnector(server.app.ctx, { id: 'mailer', name: 'Mailer', authType: 'api_key' });
  await server.app.ctx.db.run(sql`UPDATE connectors SET base_url = ${upstream.url} WHERE id IN ('crm', 'mailer')`);
}
afterAll(async () => {
  await upstream.close();
  await s.close();
});

interface Caller {
  token: string;
  endUserId: string;
}

async function caller(fx: EmbedFixture, userId: string): Promise<Caller> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: userId, embed_account_id: 'acme' }) },
  });
  expect(res.status, res.text).toBe(200);
  const row = await findEndUserByIdentity(s.app.ctx.db, fx.configId, 'acme', userId);
  if (!row) throw new Error('no end user');
  return { token: res.body.sessionToken as string, endUserId: row.id };
}

function select(key: string, path: string, itemsPath?: string) {
  return {
    key,
    type: 'select',
    label: key,
    required: false,
    remoteOptions: { slot: 'crm', path, ...(itemsPath === undefined ? {} : { itemsPath }), valueKey: 'id', labelKey: 'title' },
  };
}

async function world(opts: { prefilled?: boolean } = {}) {
  const fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'] });
  const vendorAuth = await insertConnectorAuth(s.app.ctx, {
    configId: fx.configId,
    connectorId: 'crm',
    endUserId: null,
    accountId: null,
    createdVia: 'vendor_api',
    credentials: { type: 'api_key', apiKey: 'vendor-key', fields: {} },
  });
  const flow = await insertFlow(s.app.ctx, {
    name: 'Push',
    definition: {
      slots: [{ key: 'crm', connectorId: 'crm', label: 'CRM', ...(opts.prefilled ? { connectorAuthId: vendorAuth } : {}) }],
      inputs: [
        select('list', '/lists?owner={{ embed.user_id }}&q={{ q | url_encode }}', 'data.lists'),
        select('echo', '/echo'),
        select('broken', '/broken'),
        select('html', '/html'),
        select('object', '/object', 'data.lists'),
        select('proto', '/lists', 'data.constructor'),
        select('hang', '/hang'),
        { key: 'plain', type: 'text', label: 'Plain', required: false },
      ],
      trigger: { type: 'manual' },
      steps: [],
    },
  });
  await insertGroup(s.app.ctx, fx.configId, { name: 'CRM', flowIds: [flow] });
  const ada = await caller(fx, 'ada');
  const bob = await caller(fx, 'bob');
  const adaAuth = await insertConnectorAuth(s.app.ctx, {
    configId: fx.configId,
    connectorId: 'crm',
    endUserId: ada.endUserId,
    credentials: { type: 'api_key', apiKey: CANARY, fields: {} },
  });
  return { fx, flow, ada, bob, adaAuth, vendorAuth };
}

const options = (flow: string, input: string, query: Record<string, string>, token: string) =>
  s.request('GET', `/embed/api/flows/${flow}/inputs/${input}/options?${new URLSearchParams(query)}`, { token });

describe(`remote options on ${TEST_DRIVER}`, () => {
  it('loads the options through the connection with its credential, templated path, capped at 200, filtered by q', async () => {
    const w = await world();
    const before = upstream.received.length;
    const all = await options(w.flow, 'list', { connectorAuthId: w.adaAuth }, w.ada.token);
    expect(all.status, all.text).toBe(200);
    expect(all.body.items).toHaveLength(200);
    expect(all.body.items.slice(0, 2)).toEqual([
      { value: 'l0', label: 'List 0' },
      { value: 'l1', label: 'List 1' },
    ]);
    const call = upstream.received[before];
    expect(call?.url).toBe('/lists?owner=ada&q=');
    expect(call?.headers['x-api-key']).toBe(CANARY);

    const found = await options(w.flow, 'list', { connectorAuthId: w.adaAuth, q: 'lEADs (ger' }, w.ada.token);
    expect(found.status, found.text).toBe(200);
    expect(found.body).toEqual({ items: [{ value: 'l7', label: 'Leads (Germany)' }] });
    expect(new URL(upstream.received.at(-1)?.url ?? '', 'http://x').searchParams.get('q')).toBe('lEADs (ger');

    const none = await options(w.flow, 'list', { connectorAuthId: w.adaAuth, q: 'nothing like it' }, w.ada.token);
    expect(none.body).toEqual({ items: [] });
  });

  it('redacts a credential the connector echoes into a label', async () => {
    const w = await world();
    const res = await options(w.flow, 'echo', { connectorAuthId: w.adaAuth }, w.ada.token);
    expect(res.status, res.text).toBe(200);
    expect(res.body).toEqual({ items: [{ value: 'e1', label: 'key [redacted]' }] });
  });

  it("answers 404 for another user's auth, another connector's auth, an unknown input or flow, and a flow not offered", async () => {
    const w = await world();
    const mailerAuth = await insertConnectorAuth(s.app.ctx, { configId: w.fx.configId, connectorId: 'mailer', endUserId: w.ada.endUserId });
    const before = upstream.received.length;
    const cases = [
      await options(w.flow, 'list', { connectorAuthId: w.adaAuth }, w.bob.token),
      await options(w.flow, 'list', { connectorAuthId: mailerAuth }, w.ada.token),
      await options(w.flow, 'list', { connectorAuthId: 'ca_doesnotexist000' }, w.ada.token),
      await options(w.flow, 'plain', { connectorAuthId: w.adaAuth }, w.ada.token),
      await options(w.flow, 'nope', { connectorAuthId: w.adaAuth }, w.ada.token),
      await options('flow_doesnotexist000', 'list', { connectorAuthId: w.adaAuth }, w.ada.token),
    ];
    const other = await world();
    cases.push(await options(other.flow, 'list', { connectorAuthId: w.adaAuth }, w.ada.token));
    expect(cases.map((r) => [r.status, r.body.error?.code])).toEqual(Array(7).fill([404, 'not_found']));
    expect(upstream.received.length).toBe(before);
  });

  it('asks for the connection when the slot is not pre-filled, and refuses an auth that is not active', async () => {
    const w = await world();
    const missing = await options(w.flow, 'list', {}, w.ada.token);
    expect(missing.status, missing.text).toBe(400);
    expect(missing.body.error).toMatchObject({
      code: 'validation_failed',
      details: { issues: [{ path: 'query.connectorAuthId', message: 'required' }] },
    });
    await s.app.ctx.db.run(sql`UPDATE connector_auths SET status = 'needs_reauth' WHERE id = ${w.adaAuth}`);
    const inactive = await options(w.flow, 'list', { connectorAuthId: w.adaAuth }, w.ada.token);
    expect([inactive.status, inactive.body.error?.code, inactive.body.error?.details]).toEqual([
      422,
      'unprocessable',
      { reason: 'needs_reauth' },
    ]);
  });

  it('uses the auth the vendor pre-filled the slot with, and no other', async () => {
    const w = await world({ prefilled: true });
    const res = await options(w.flow, 'list', { q: 'List 19' }, w.ada.token);
    expect(res.status, res.text).toBe(200);
    expect(res.body.items.map((i: { value: string }) => i.value)).toEqual([
      'l19',
      'l190',
      'l191',
      'l192',
      'l193',
      'l194',
      'l195',
      'l196',
      'l197',
      'l198',
      'l199',
    ]);
    expect(upstream.received.at(-1)?.headers['x-api-key']).toBe('vendor-key');
    const mine = await options(w.flow, 'list', { connectorAuthId: w.adaAuth }, w.ada.token);
    expect(mine.status).toBe(404);
    // the same flow offered by another configuration does not lend it this configuration's vendor auth
    const fx2 = await createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'] });
    await insertGroup(s.app.ctx, fx2.configId, { name: 'CRM', flowIds: [w.flow] });
    const elsewhere = await caller(fx2, 'ada');
    const refused = await options(w.flow, 'list', {}, elsewhere.token);
    expect([refused.status, refused.body.error?.code]).toEqual([404, 'not_found']);
  });

  it('answers 502 upstream_error with a reason when the connector fails or answers no list', async () => {
    const w = await world();
    const broken = await options(w.flow, 'broken', { connectorAuthId: w.adaAuth }, w.ada.token);
    expect([broken.status, broken.body.error?.code, broken.body.error?.details]).toEqual([
      502,
      'upstream_error',
      { reason: 'status', upstreamStatus: 500 },
    ]);
    for (const input of ['html', 'object', 'proto']) {
      const res = await options(w.flow, input, { connectorAuthId: w.adaAuth }, w.ada.token);
      expect([input, res.status, res.body.error?.code, res.body.error?.details]).toEqual([
        input,
        502,
        'upstream_error',
        { reason: 'bad_answer' },
      ]);
      expect(res.text).not.toContain(CANARY);
    }
  });

  it('gives up on a connector that does not answer within 10 s: 502 upstream_error, reason timeout', { timeout: 40_000 }, async () => {
    const w = await world();
    const started = Date.now();
    const res = await options(w.flow, 'hang', { connectorAuthId: w.adaAuth }, w.ada.token);
    expect([res.status, res.body.error?.code, res.body.error?.details]).toEqual([502, 'upstream_error', { reason: 'timeout' }]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(9_500);
  });

  it('goes through the egress guard: a plain-http loopback connector is refused when loopback is not allowed, nothing is sent', async () => {
    // a second server of the same code with the production default (no loopback); the helpers use `s`
    const main = s;
    s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000', PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'false' } });
    try {
      await seedConnectors(s);
      const w = await world();
      const before = upstream.received.length;
      const res = await options(w.flow, 'list', { connectorAuthId: w.adaAuth }, w.ada.token);
      expect([res.status, res.body.error?.code, res.body.error?.details]).toEqual([502, 'upstream_error', { reason: 'bad_url' }]);
      expect(upstream.received.length).toBe(before);
    } finally {
      await s.close();
      s = main;
    }
  });

  it('needs a session', async () => {
    const w = await world();
    const res = await s.request('GET', `/embed/api/flows/${w.flow}/inputs/list/options?connectorAuthId=${w.adaAuth}`);
    expect(res.status).toBe(401);
  });
});

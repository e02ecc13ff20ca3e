/**
 * `POST /embed/api/consent` (docs/domain.md, its end users and sharing levels): once per user at
 * `user` level, once per account at `account` level — a second user of the account sees it given in
 * their session. The server enforces it, not only the iframe: with consent on and not given, every
 * embed write answers 403 `consent_required`; reads stay open so the iframe can render the consent
 * screen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { insertConnectorAuth, insertFlow, insertGroup, insertIntegration } from '../../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture, type EmbedFixtureOptions } from '../../testing/embedFixtures.ts';
import { type ApiResponse, startTestServer, TestClock, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';
import { allRoutes } from '../index.ts';

let s: TestServer;
const T0 = Date.parse('2026-11-23T09:30:00.000Z');

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' }, clock: new TestClock(T0) });
});
afterAll(() => s.close());

/** Exchanges a token for `user` of `account`; answers the session's token and whether consent is given. */
async function session(fx: EmbedFixture, user: string, account: string): Promise<{ token: string; given: boolean }> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: user, embed_account_id: account }) },
  });
  expect(res.status, res.text).toBe(200);
  return { token: res.body.sessionToken as string, given: res.body.config.consent.given as boolean };
}

async function consentAudits(configId: string) {
  return s.app.ctx.db.all<{ actor_type: string; object_type: string; object_id: string; details: string }>(
    sql`SELECT actor_type, object_type, object_id, details FROM audit_events WHERE action = 'consent.given' AND config_id = ${configId}
      ORDER BY at, ${insertionOrder(s.app.ctx.db)}`,
  );
}

describe('POST /embed/api/consent', () => {
  it('at user level records consent for the caller only, once', async () => {
    const fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'] });
    const ada = await session(fx, 'ada', 'acme');
    expect(ada.given).toBe(false);
    const at = new Date(s.clock.now()).toISOString();
    const first = await s.request('POST', '/embed/api/consent', { token: ada.token });
    expect({ status: first.status, body: first.body }).toEqual({ status: 200, body: { given: true, at } });

    s.clock.advance(60);
    const again = await s.request('POST', '/embed/api/consent', { token: ada.token });
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { given: true, at } });

    expect((await session(fx, 'ada', 'acme')).given).toBe(true);
    // the colleague of the same account still has to accept for themselves
    const bob = await session(fx, 'bob', 'acme');
    expect(bob.given).toBe(false);

    const adaId = (
      await s.app.ctx.db.get<{ id: string }>(sql`SELECT id FROM end_users WHERE config_id = ${fx.configId} AND user_id = 'ada'`)
    )?.id;
    expect(await consentAudits(fx.configId)).toEqual([
      { actor_type: 'end_user', object_type: 'end_user', object_id: adaId, details: '{"sharingLevel":"user"}' },
    ]);
    expect(await s.app.ctx.db.get(sql`SELECT count(*) AS n FROM account_consents WHERE config_id = ${fx.configId}`)).toEqual({ n: 0 });
  });

  it('at account level records consent once for the whole account', async () => {
    const fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'account', keys: ['hs'] });
    const ada = await session(fx, 'ada', 'acme');
    const bobBefore = await session(fx, 'bob', 'acme');
    expect([ada.given, bobBefore.given]).toEqual([false, false]);

    const at = new Date(s.clock.now()).toISOString();
    const res = await s.request('POST', '/embed/api/consent', { token: ada.token });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { given: true, at } });

    // the second user of the account sees it given, and accepting again answers the first time
    const bob = await session(fx, 'bob', 'acme');
    expect(bob.given).toBe(true);
    s.clock.advance(30);
    const bobAccepts = await s.request('POST', '/embed/api/consent', { token: bob.token });
    expect(bobAccepts.body).toEqual({ given: true, at });

    // another account of the configuration has not consented
    expect((await session(fx, 'carol', 'globex')).given).toBe(false);

    expect(await consentAudits(fx.configId)).toEqual([
      { actor_type: 'end_user', object_type: 'account', object_id: 'acme', details: '{"sharingLevel":"account"}' },
    ]);
  });

  it('needs a session', async () => {
    const res = await s.request('POST', '/embed/api/consent');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });
});

describe('consent is enforced by the server', () => {
  const MESSAGE = {
    user: "The end user has not accepted this configuration's consent text yet; accept it first (POST /embed/api/consent)",
    account: "No one of this account has accepted this configuration's consent text yet; accept it first (POST /embed/api/consent)",
  };
  const ctx = () => s.app.ctx;

  beforeAll(async () => {
    const owner = await s.adminToken();
    const connectors = [
      {
        id: 'consent-key',
        name: 'Key service',
        authType: 'api_key',
        baseUrl: 'https://api.example.test',
        apiKey: { in: 'header', name: 'X-Api-Key' },
      },
      {
        id: 'consent-oauth',
        name: 'OAuthy',
        authType: 'oauth2',
        baseUrl: 'https://api.example.test',
        oauth2: {
          authorizeUrl: 'https://provider.example.test/authorize',
          tokenUrl: 'https://provider.example.test/token',
          clientId: 'client-id',
          clientSecret: 'client-secret',
        },
      },
    ];
    for (const c of connectors) {
      const res = await s.request('POST', '/api/v1/connectors', { token: owner, body: c });
      expect(res.status, res.text).toBe(201);
    }
  });

  /** A configuration offering two flows on the key connector and one on the OAuth connector. */
  async function offering(opts: EmbedFixtureOptions) {
    const fx = await createEmbedFixture(ctx(), { keys: ['hs'], ...opts });
    const keyFlow = await insertFlow(ctx(), { name: 'Key flow', connectorId: 'consent-key' });
    const secondKeyFlow = await insertFlow(ctx(), { name: 'Second key flow', connectorId: 'consent-key' });
    const oauthFlow = await insertFlow(ctx(), { name: 'OAuth flow', connectorId: 'consent-oauth' });
    await insertGroup(ctx(), fx.configId, { flowIds: [keyFlow, secondKeyFlow, oauthFlow] });
    return { fx, keyFlow, secondKeyFlow };
  }

  /**
   * A user's session plus objects in their scope (two auths, one integration using the first), and
   * every embed write on them, in an order in which all succeed once consent is given.
   */
  async function caller(o: Awaited<ReturnType<typeof offering>>, user: string, account: string) {
    const token = (await session(o.fx, user, account)).token;
    const level = o.fx.config.sharing_level;
    const endUserId = (await findEndUserByIdentity(ctx().db, o.fx.configId, account, user))?.id as string;
    const scope = { configId: o.fx.configId, connectorId: 'consent-key', endUserId, sharingLevel: level, accountId: account };
    const credentials = { type: 'api_key', apiKey: 'fixture-key' };
    const used = await insertConnectorAuth(ctx(), { ...scope, credentials, name: 'Used login' });
    const spare = await insertConnectorAuth(ctx(), { ...scope, credentials, name: 'Spare login' });
    const integration = await insertIntegration(ctx(), {
      configId: o.fx.configId,
      flowId: o.keyFlow,
      endUserId,
      sharingLevel: level,
      bindings: { main: used },
    });
    const writes: [method: string, path: string, body: unknown, okStatus: number][] = [
      ['POST', '/embed/api/connect-tickets', { connectorId: 'consent-oauth' }, 201],
      ['POST', '/embed/api/connector-auths', { connectorId: 'consent-key', values: { apiKey: 'new-key' } }, 201],
      ['PATCH', `/embed/api/connector-auths/${used}`, { name: 'Renamed login' }, 200],
      ['POST', '/embed/api/integrations', { flowId: o.secondKeyFlow, bindings: { main: spare } }, 201],
      ['PATCH', `/embed/api/integrations/${integration}`, { status: 'disabled' }, 200],
      ['DELETE', `/embed/api/integrations/${integration}`, undefined, 204],
      ['DELETE', `/embed/api/connector-auths/${used}`, undefined, 204],
    ];
    return { token, writes, integration };
  }

  const send = (token: string, [method, path, body]: readonly [string, string, unknown, number?]) =>
    s.request(method, path, { token, ...(body === undefined ? {} : { body }) });

  function expectConsentRequired(res: ApiResponse, message: string) {
    expect({ status: res.status, body: res.body }).toEqual({
      status: 403,
      body: { error: { code: 'consent_required', message, requestId: res.headers.get('x-request-id') } },
    });
  }

  /** What the writes would change, to show a refused write changed nothing. */
  async function state(configId: string) {
    return ctx().db.all(sql`SELECT 'auth' AS kind, id, name, status FROM connector_auths WHERE config_id = ${configId}
      UNION ALL SELECT 'integration', id, flow_id, status FROM integrations WHERE config_id = ${configId}
      UNION ALL SELECT 'ticket', id, connector_id, status FROM connect_tickets WHERE config_id = ${configId}
      ORDER BY 1, 2`);
  }

  async function expectAllSucceed(token: string, writes: [string, string, unknown, number][]) {
    const statuses = [];
    for (const w of writes) {
      const res = await send(token, w);
      statuses.push({ write: `${w[0]} ${w[1]}`, status: res.status, ...(res.status >= 400 ? { body: res.body } : {}) });
    }
    expect(statuses).toEqual(writes.map((w) => ({ write: `${w[0]} ${w[1]}`, status: w[3] })));
  }

  it('at user level refuses every embed write with 403 consent_required until the user accepts; reads stay open', async () => {
    const o = await offering({ sharingLevel: 'user' });
    const ada = await caller(o, 'ada', 'acme');
    const before = await state(o.fx.configId);
    for (const w of ada.writes) expectConsentRequired(await send(ada.token, w), MESSAGE.user);
    expect(await state(o.fx.configId)).toEqual(before);

    for (const path of [
      '/embed/api/flows',
      '/embed/api/connectors',
      '/embed/api/connector-auths',
      '/embed/api/integrations',
      `/embed/api/integrations/${ada.integration}/runs`,
    ]) {
      expect({ path, status: (await s.request('GET', path, { token: ada.token })).status }).toEqual({ path, status: 200 });
    }

    expect((await s.request('POST', '/embed/api/consent', { token: ada.token })).status).toBe(200);
    await expectAllSucceed(ada.token, ada.writes);

    // another user of the same account has not accepted for themselves
    const bob = await caller(o, 'bob', 'acme');
    expectConsentRequired(await send(bob.token, bob.writes[0] as [string, string, unknown, number]), MESSAGE.user);
  });

  it("at account level one user's consent covers every user of the account, and no other account", async () => {
    const o = await offering({ sharingLevel: 'account' });
    const ada = await session(o.fx, 'ada', 'acme');
    const bob = await caller(o, 'bob', 'acme');
    const carol = await caller(o, 'carol', 'globex');
    for (const w of bob.writes) expectConsentRequired(await send(bob.token, w), MESSAGE.account);

    expect((await s.request('POST', '/embed/api/consent', { token: ada.token })).status).toBe(200);
    await expectAllSucceed(bob.token, bob.writes);
    for (const w of carol.writes) expectConsentRequired(await send(carol.token, w), MESSAGE.account);
  });

  it("covers every embed write route but giving consent and deleting one's data, whatever its path or body (checked over allRoutes)", async () => {
    const o = await offering({ sharingLevel: 'user' });
    const { token } = await session(o.fx, 'dora', 'acme');
    const writes = allRoutes(ctx()).filter((r) => r.path.startsWith('/embed/api') && r.auth === 'embedSession' && r.method !== 'get');
    const gated = writes.filter((r) => r.path !== '/embed/api/consent' && r.path !== '/embed/api/data');
    expect(gated).toHaveLength(writes.length - 2);
    const refused = [];
    for (const r of gated) {
      // any id fills a path parameter: consent is checked at authentication, before anything is parsed
      const path = r.path.replace(/\{\w+\}/g, 'x_0000000000');
      const res = await s.request(r.method.toUpperCase(), path, { token, body: {} });
      if (res.status === 403 && res.body.error.code === 'consent_required') refused.push(`${r.method.toUpperCase()} ${r.path}`);
    }
    expect(refused).toEqual(gated.map((r) => `${r.method.toUpperCase()} ${r.path}`));
    expect(refused).toHaveLength(8); // with "Run now"
  });

  it('leaves a configuration without consent unaffected', async () => {
    const o = await offering({ sharingLevel: 'user', consent: { enabled: false } });
    const ada = await caller(o, 'ada', 'acme');
    await expectAllSucceed(ada.token, ada.writes);
  });

  it('refuses the popup of a ticket whose user no longer has consent, and says so to the iframe', async () => {
    const o = await offering({ sharingLevel: 'user', consent: { enabled: false } });
    const ada = await caller(o, 'ada', 'acme');
    const ticket = await send(ada.token, ['POST', '/embed/api/connect-tickets', { connectorId: 'consent-oauth' }]);
    expect(ticket.status, ticket.text).toBe(201);
    // the vendor switches consent on while the ticket is open
    await ctx().db.run(sql`UPDATE embed_configs SET consent = '{"enabled":true,"text":null}' WHERE id = ${o.fx.configId}`);

    const start = await fetch(`${s.url}/oauth/start?ticket=${ticket.body.id}`, { redirect: 'manual' });
    const page = await start.text();
    expect({ status: start.status, location: start.headers.get('location') }).toEqual({ status: 403, location: null });
    expect(page).toContain('Please accept the consent screen in the app first, then connect again.');
    expect(page).toContain('"error":"consent_required"');
    const status = await s.request('GET', `/embed/api/connect-tickets/${ticket.body.id}`, { token: ada.token });
    expect(status.body).toEqual({ status: 'error', error: 'consent_required' });
  });
});

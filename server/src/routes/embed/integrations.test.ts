/**
 * The end user's integrations (docs/domain.md, its sharing levels; docs/http-api.md): enabling a
 * flow with bindings and inputs checked field by field, one per user or per account, sharing levels
 * with two users of one account, editing, disabling, deleting, runs, audit events, and password
 * inputs that never come back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openJson } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { insertConnector, insertConnectorAuth, insertFlow, insertGroup } from '../../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture, type EmbedFixture } from '../../testing/embedFixtures.ts';
import { type ApiResponse, startTestServer, TestClock, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';

const PIN = 'CANARY-pin-8812';
const NEW_PIN = 'CANARY-pin-new-4410';
const T0 = Date.parse('2026-11-23T09:30:00.000Z');

let s: TestServer;
/** Every `/embed/api` answer of this file, to check no password input ever comes back. */
const answers: string[] = [];

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' }, clock: new TestClock(T0) });
  await insertConnector(s.app.ctx, { id: 'crm', name: 'Demo CRM', authType: 'basic' });
  await insertConnector(s.app.ctx, { id: 'mailer', name: 'Mailer' });
  await insertConnector(s.app.ctx, { id: 'backend', name: 'Acme Backend' });
});
afterAll(async () => {
  await s.close();
  for (const text of answers) {
    expect(text).not.toContain(PIN);
    expect(text).not.toContain(NEW_PIN);
  }
});

const ctx = () => s.app.ctx;
const nowIso = () => new Date(s.clock.now()).toISOString();

interface World {
  fx: EmbedFixture;
  /** Slots crm + mail + pre-filled be; a full form; every 15 minutes. */
  sync: string;
  /** One crm slot, no inputs, manual. */
  simple: string;
  /** A flow of no group of this configuration. */
  stray: string;
  vendorAuth: string;
}

async function world(sharingLevel: 'user' | 'account'): Promise<World> {
  const fx = await createEmbedFixture(ctx(), { sharingLevel, keys: ['hs'] });
  const vendorAuth = await insertConnectorAuth(ctx(), {
    configId: fx.configId,
    connectorId: 'backend',
    sharingLevel: 'account',
    accountId: null,
    createdVia: 'vendor_api',
  });
  const sync = await insertFlow(ctx(), {
    name: 'Sync contacts',
    definition: {
      slots: [
        { key: 'crm', connectorId: 'crm', label: 'Your CRM' },
        { key: 'mail', connectorId: 'mailer', label: 'Mail' },
        { key: 'be', connectorId: 'backend', label: 'Acme', connectorAuthId: vendorAuth },
      ],
      inputs: [
        {
          key: 'list',
          type: 'select',
          label: 'List',
          required: true,
          options: [
            { value: 'leads', label: 'Leads' },
            { value: 'customers', label: 'Customers' },
          ],
        },
        { key: 'limit', type: 'number', label: 'Limit', min: 1, max: 100, default: 10 },
        { key: 'tag', type: 'text', label: 'Tag', pattern: '[a-z]+' },
        { key: 'since', type: 'date', label: 'Since' },
        { key: 'active', type: 'switch', label: 'Active' },
        { key: 'pin', type: 'password', label: 'PIN', required: true },
      ],
      trigger: { type: 'schedule', everyMinutes: 15 },
      steps: [{ id: 'push', type: 'http', slot: 'crm', method: 'POST', path: '/contacts' }],
    },
  });
  const simple = await insertFlow(ctx(), { name: 'Simple', connectorId: 'crm' });
  const stray = await insertFlow(ctx(), { name: 'Stray', connectorId: 'crm' });
  await insertGroup(ctx(), fx.configId, { name: 'CRM', flowIds: [sync, simple] });
  return { fx, sync, simple, stray, vendorAuth };
}

interface User {
  token: string;
  endUserId: string;
}

async function user(w: World, userId: string, account = 'acme'): Promise<User> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: w.fx.token({ embed_user_id: userId, embed_account_id: account }) },
  });
  expect(res.status, res.text).toBe(200);
  await acceptConsent(s, res.body.sessionToken, res.body);
  const row = await findEndUserByIdentity(ctx().db, w.fx.configId, account, userId);
  if (!row) throw new Error('no end user');
  return { token: res.body.sessionToken as string, endUserId: row.id };
}

async function embed(method: string, path: string, u: User, body?: unknown): Promise<ApiResponse> {
  const res = await s.request(method, path, { token: u.token, ...(body === undefined ? {} : { body }) });
  answers.push(res.text);
  return res;
}

function expectError(res: ApiResponse, status: number, code: string, message: string, details?: unknown): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error: { code, message, requestId: res.headers.get('x-request-id'), ...(details === undefined ? {} : { details }) } },
  });
}

function expectInvalid(res: ApiResponse, issues: { path: string; message: string }[]): void {
  const fields = [...new Set(issues.map((i) => i.path))].slice(0, 5).join(', ');
  expectError(res, 400, 'validation_failed', `Invalid request: ${fields}`, { issues });
}

/** A connector auth of an end user at the world's sharing level. */
async function authOf(
  w: World,
  u: User,
  connectorId: string,
  opts: { status?: 'active' | 'disabled' | 'needs_reauth' } = {},
): Promise<string> {
  return insertConnectorAuth(ctx(), {
    configId: w.fx.configId,
    connectorId,
    endUserId: u.endUserId,
    sharingLevel: w.fx.config.sharing_level,
    ...(opts.status ? { status: opts.status } : {}),
  });
}

const goodInputs = { list: 'leads', limit: 25, tag: 'vip', since: '2026-01-31', active: true, pin: PIN };

async function integrationCount(configId: string): Promise<number> {
  return (await ctx().db.get<{ n: number }>(sql`SELECT count(*) AS n FROM integrations WHERE config_id = ${configId}`))?.n ?? 0;
}

async function audits(objectId: string) {
  return ctx().db.all<{ action: string; actor_type: string; actor_id: string; details: string }>(
    sql`SELECT action, actor_type, actor_id, details FROM audit_events WHERE object_type = 'integration' AND object_id = ${objectId}
      ORDER BY at, ${insertionOrder(ctx().db)}`,
  );
}

describe('POST /embed/api/integrations', () => {
  it('enables a flow with valid bindings and inputs: 201, listed, password sealed and never answered', async () => {
    const w = await world('user');
    const ada = await user(w, 'ada');
    const crm = await authOf(w, ada, 'crm');
    const mail = await authOf(w, ada, 'mailer');
    const res = await embed('POST', '/embed/api/integrations', ada, {
      flowId: w.sync,
      bindings: { crm, mail },
      inputs: { list: 'leads', tag: 'vip', since: '2026-01-31', active: false, pin: PIN },
    });
    expect(res.status, res.text).toBe(201);
    const expected = {
      id: expect.stringMatching(/^int_/),
      flowId: w.sync,
      flowVersion: 1,
      status: 'enabled',
      disabledBy: null,
      bindings: { be: w.vendorAuth, crm, mail },
      // limit took its default; the password is answered as null
      inputs: { list: 'leads', limit: 10, tag: 'vip', since: '2026-01-31', active: false, pin: null },
      secretInputsSet: ['pin'],
      webhookUrl: null,
      nextRunAt: new Date(T0 + 15 * 60_000).toISOString(),
      latestRun: null,
      ownedByMe: true,
      createdAt: nowIso(),
      updatedAt: nowIso(),
    };
    expect(res.body).toEqual(expected);
    const id = res.body.id as string;

    const list = await embed('GET', '/embed/api/integrations', ada);
    expect({ status: list.status, body: list.body }).toEqual({ status: 200, body: { items: [{ ...expected, id }], nextCursor: null } });

    const row = await ctx().db.get<{ inputs: string; secret_inputs_enc: string; scope_user_id: string; owner_end_user_id: string }>(
      sql`SELECT inputs, secret_inputs_enc, scope_user_id, owner_end_user_id FROM integrations WHERE id = ${id}`,
    );
    expect(row?.inputs).not.toContain(PIN);
    expect(row?.secret_inputs_enc).not.toContain(PIN);
    expect(openJson(ctx().keyring, secretLocation('integrations', 'secret_inputs_enc', id), row?.secret_inputs_enc as string)).toEqual({
      pin: PIN,
    });
    expect([row?.scope_user_id, row?.owner_end_user_id]).toEqual([ada.endUserId, ada.endUserId]);
    expect(await audits(id)).toEqual([
      {
        action: 'integration.enabled',
        actor_type: 'end_user',
        actor_id: ada.endUserId,
        details: JSON.stringify({
          flowId: w.sync,
          flowVersion: 1,
          sharingLevel: 'user',
          bindings: { crm, mail, be: w.vendorAuth },
          created: true,
        }),
      },
    ]);
    expect(s.logs.join('\n')).not.toContain(PIN);
  });

  it('names every invalid binding and input, and stores nothing', async () => {
    const w = await world('user');
    const ada = await user(w, 'ada');
    const wrongConnector = await authOf(w, ada, 'mailer');
    const disabled = await authOf(w, ada, 'mailer', { status: 'disabled' });
    const res = await embed('POST', '/embed/api/integrations', ada, {
      flowId: w.sync,
      bindings: { crm: wrongConnector, mail: disabled, be: wrongConnector, extra: wrongConnector },
      inputs: { list: 'partners', limit: 500, tag: 'VIP!', since: '2026-02-30', active: 'yes', pin: 1234, colour: 'red' },
    });
    expectInvalid(res, [
      { path: 'body.bindings.be', message: 'is pre-filled by the vendor and cannot be chosen' },
      { path: 'body.bindings.extra', message: 'is not a connector slot of this flow' },
      { path: 'body.bindings.crm', message: 'must be a connection to "crm", not "mailer"' },
      { path: 'body.bindings.mail', message: 'the connection is disabled; reconnect or enable it first' },
      { path: 'body.inputs.colour', message: 'is not an input of this flow' },
      { path: 'body.inputs.list', message: 'must be one of: "leads", "customers"' },
      { path: 'body.inputs.limit', message: 'must be at most 100' },
      { path: 'body.inputs.tag', message: 'must match the pattern [a-z]+' },
      { path: 'body.inputs.since', message: 'must be a date written YYYY-MM-DD' },
      { path: 'body.inputs.active', message: 'must be true or false' },
      { path: 'body.inputs.pin', message: 'must be text' },
    ]);

    const missing = await embed('POST', '/embed/api/integrations', ada, {
      flowId: w.sync,
      bindings: {},
      inputs: { limit: 0, tag: '' },
    });
    expectInvalid(missing, [
      { path: 'body.bindings.crm', message: 'choose a connection for "Your CRM"' },
      { path: 'body.bindings.mail', message: 'choose a connection for "Mail"' },
      { path: 'body.inputs.list', message: 'is required' },
      { path: 'body.inputs.limit', message: 'must be at least 1' },
      { path: 'body.inputs.pin', message: 'is required' },
    ]);
    expect(await integrationCount(w.fx.configId)).toBe(0);
  });

  it("refuses a binding to another user's user-level auth, or another configuration's, and stores nothing", async () => {
    const w = await world('user');
    const ada = await user(w, 'ada');
    const bob = await user(w, 'bob');
    const bobsCrm = await authOf(w, bob, 'crm');
    const elsewhere = await world('user');
    const adaElsewhere = await user(elsewhere, 'ada');
    const foreignCrm = await authOf(elsewhere, adaElsewhere, 'crm');
    for (const crm of [bobsCrm, foreignCrm]) {
      const res = await embed('POST', '/embed/api/integrations', ada, { flowId: w.simple, bindings: { main: crm } });
      expectInvalid(res, [{ path: 'body.bindings.main', message: `connector auth "${crm}" not found` }]);
    }
    expect(await integrationCount(w.fx.configId)).toBe(0);
    expect(
      await ctx().db.get(sql`SELECT count(*) AS n FROM integration_bindings WHERE connector_auth_id IN (${bobsCrm}, ${foreignCrm})`),
    ).toEqual({
      n: 0,
    });
  });

  it('answers 409 naming the existing integration when the flow is already enabled, and 404 for a flow not offered', async () => {
    const w = await world('user');
    const ada = await user(w, 'ada');
    const crm = await authOf(w, ada, 'crm');
    const first = await embed('POST', '/embed/api/integrations', ada, { flowId: w.simple, bindings: { main: crm } });
    expect(first.status).toBe(201);
    const again = await embed('POST', '/embed/api/integrations', ada, { flowId: w.simple, bindings: { main: crm } });
    expectError(again, 409, 'conflict', 'This flow is already enabled here; edit the existing integration instead', {
      integrationId: first.body.id,
    });
    const stray = await embed('POST', '/embed/api/integrations', ada, { flowId: w.stray, bindings: { main: crm } });
    expectError(stray, 404, 'not_found', `Flow ${JSON.stringify(w.stray)} not found`);
    expect(await integrationCount(w.fx.configId)).toBe(1);
  });
  it("binds a slot of the configuration's proprietary connector to the caller's proprietary auth when left out", async () => {
    const w = await world('user');
    await ctx().db.run(sql`UPDATE embed_configs SET proprietary_connector_id = 'crm' WHERE id = ${w.fx.configId}`);
    const ada = await user(w, 'ada');
    const bob = await user(w, 'bob');
    const adas = await insertConnectorAuth(ctx(), {
      configId: w.fx.configId,
      connectorId: 'crm',
      endUserId: ada.endUserId,
      proprietary: true,
    });
    await insertConnectorAuth(ctx(), { configId: w.fx.configId, connectorId: 'crm', endUserId: bob.endUserId, proprietary: true });
    const res = await embed('POST', '/embed/api/integrations', ada, { flowId: w.simple });
    expect([res.status, res.body.bindings]).toEqual([201, { main: adas }]);
  });
});

describe('sharing levels', () => {
  it('at account level the second user of the account sees, edits and disables the first one’s integration', async () => {
    const w = await world('account');
    const ada = await user(w, 'ada');
    const bob = await user(w, 'bob');
    const crm = await authOf(w, ada, 'crm');
    const mail = await authOf(w, ada, 'mailer');
    const created = await embed('POST', '/embed/api/integrations', ada, { flowId: w.sync, bindings: { crm, mail }, inputs: goodInputs });
    expect(created.status, created.text).toBe(201);
    const id = created.body.id as string;
    expect(await ctx().db.get(sql`SELECT scope_user_id, owner_end_user_id FROM integrations WHERE id = ${id}`)).toEqual({
      scope_user_id: '',
      owner_end_user_id: ada.endUserId,
    });

    const seen = await embed('GET', '/embed/api/integrations', bob);
    expect(seen.body.items).toEqual([{ ...created.body, ownedByMe: false }]);
    // one per account: bob cannot enable it a second time
    const dup = await embed('POST', '/embed/api/integrations', bob, { flowId: w.sync, bindings: { crm, mail }, inputs: goodInputs });
    expect({ status: dup.status, details: dup.body.error.details }).toEqual({ status: 409, details: { integrationId: id } });

    s.clock.advance(60);
    const bobsCrm = await authOf(w, bob, 'crm');
    const edited = await embed('PATCH', `/embed/api/integrations/${id}`, bob, {
      bindings: { crm: bobsCrm },
      inputs: { list: 'customers' },
    });
    expect({ status: edited.status, body: edited.body }).toEqual({
      status: 200,
      body: {
        ...created.body,
        bindings: { be: w.vendorAuth, crm: bobsCrm, mail },
        // the whole form again: omitted plain inputs fall back to their defaults, the password is kept
        inputs: { list: 'customers', limit: 10, pin: null },
        secretInputsSet: ['pin'],
        ownedByMe: false,
        updatedAt: nowIso(),
      },
    });

    const disabled = await embed('PATCH', `/embed/api/integrations/${id}`, bob, { status: 'disabled' });
    expect([disabled.status, disabled.body.status, disabled.body.disabledBy]).toEqual([200, 'disabled', 'user']);
    const adaSees = await embed('GET', '/embed/api/integrations', ada);
    expect(adaSees.body.items.map((i: { id: string; status: string }) => [i.id, i.status])).toEqual([[id, 'disabled']]);

    // another account of the configuration sees nothing of it
    const carol = await user(w, 'carol', 'globex');
    expect((await embed('GET', '/embed/api/integrations', carol)).body.items).toEqual([]);
    expectError(
      await embed('PATCH', `/embed/api/integrations/${id}`, carol, { status: 'enabled' }),
      404,
      'not_found',
      `Integration "${id}" not found`,
    );

    expect((await audits(id)).map((a) => [a.action, a.actor_id])).toEqual([
      ['integration.enabled', ada.endUserId],
      ['integration.updated', bob.endUserId],
      ['integration.disabled', bob.endUserId],
    ]);
  });

  it('at user level neither user sees the other’s integration (404 by id)', async () => {
    const w = await world('user');
    const ada = await user(w, 'ada');
    const bob = await user(w, 'bob');
    const created = await embed('POST', '/embed/api/integrations', ada, {
      flowId: w.simple,
      bindings: { main: await authOf(w, ada, 'crm') },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await embed('GET', '/embed/api/integrations', bob)).body).toEqual({ items: [], nextCursor: null });
    const notFound = `Integration "${id}" not found`;
    expectError(await embed('GET', `/embed/api/integrations/${id}/runs`, bob), 404, 'not_found', notFound);
    expectError(await embed('PATCH', `/embed/api/integrations/${id}`, bob, { status: 'disabled' }), 404, 'not_found', notFound);
    expectError(await embed('DELETE', `/embed/api/integrations/${id}`, bob), 404, 'not_found', notFound);
    expect(await ctx().db.get(sql`SELECT status FROM integrations WHERE id = ${id}`)).toEqual({ status: 'enabled' });

    // bob enables the same flow for himself: a separate integration
    const bobs = await embed('POST', '/embed/api/integrations', bob, { flowId: w.simple, bindings: { main: await authOf(w, bob, 'crm') } });
    expect(bobs.status).toBe(201);
    expect((await embed('GET', '/embed/api/integrations', ada)).body.items.map((i: { id: string }) => i.id)).toEqual([id]);
    expect((await audits(id)).map((a) => a.action)).toEqual(['integration.enabled']);
  });
});

describe('PATCH and DELETE /embed/api/integrations/{id}', () => {
  async function enabled(w: World, u: User): Promise<{ id: string; crm: string; mail: string }> {
    const crm = await authOf(w, u, 'crm');
    const mail = await authOf(w, u, 'mailer');
    const res = await embed('POST', '/embed/api/integrations', u, { flowId: w.sync, bindings: { crm, mail }, inputs: goodInputs });
    expect(res.status, res.text).toBe(201);
    return { id: res.body.id as string, crm, mail };
  }

  it('keeps a password left out, replaces a given one, and refuses clearing a required one', async () => {
    const w = await world('user');
    const ada = await user(w, 'ada');
    const { id } = await enabled(w, ada);
    const sealed = async () => {
      const row = await ctx().db.get<{ secret_inputs_enc: string }>(sql`SELECT secret_inputs_enc FROM integrations WHERE id = ${id}`);
      return openJson(ctx().keyring, secretLocation('integrations', 'secret_inputs_enc', id), row?.secret_inputs_enc as string);
    };
    const kept = await embed('PATCH', `/embed/api/integrations/${id}`, ada, { inputs: { ...goodInputs, pin: undefined, limit: 50 } });
    expect([kept.status, kept.body.inputs.limit, kept.body.inputs.pin, kept.body.secretInputsSet]).toEqual([200, 50, null, ['pin']]);
    expect(await sealed()).toEqual({ pin: PIN });

    const replaced = await embed('PATCH', `/embed/api/integrations/${id}`, ada, { inputs: { ...goodInputs, pin: NEW_PIN } });
    expect(replaced.status).toBe(200);
    expect(await sealed()).toEqual({ pin: NEW_PIN });

    const cleared = await embed('PATCH', `/embed/api/integrations/${id}`, ada, { inputs: { ...goodInputs, pin: null } });
    expectInvalid(cleared, [{ path: 'body.inputs.pin', message: 'is required' }]);
    expect(await sealed()).toEqual({ pin: NEW_PIN });
  });

  it('re-checks bindings, refuses re-enabling what an administrator disabled, and deletes with its bindings', async () => {
    const w = await world('user');
    const ada = await user(w, 'ada');
    const bob = await user(w, 'bob');
    const { id, crm } = await enabled(w, ada);

    const bad = await embed('PATCH', `/embed/api/integrations/${id}`, ada, { bindings: { crm: await authOf(w, bob, 'crm'), be: crm } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual(['body.bindings.be', 'body.bindings.crm']);
    expect((await listBindingsOf(id)).crm).toBe(crm);

    await ctx().db.run(sql`UPDATE integrations SET status = 'disabled', disabled_by = 'admin' WHERE id = ${id}`);
    const reenable = await embed('PATCH', `/embed/api/integrations/${id}`, ada, { status: 'enabled' });
    expectError(reenable, 403, 'forbidden', 'An administrator disabled this integration; only an administrator can enable it again');

    await ctx().db.run(sql`UPDATE integrations SET disabled_by = 'user' WHERE id = ${id}`);
    s.clock.advance(120);
    const back = await embed('PATCH', `/embed/api/integrations/${id}`, ada, { status: 'enabled' });
    expect([back.status, back.body.status, back.body.disabledBy, back.body.nextRunAt]).toEqual([
      200,
      'enabled',
      null,
      new Date(s.clock.now() + 15 * 60_000).toISOString(),
    ]);

    const del = await embed('DELETE', `/embed/api/integrations/${id}`, ada);
    expect({ status: del.status, text: del.text }).toEqual({ status: 204, text: '' });
    expect(await listBindingsOf(id)).toEqual({});
    expect((await embed('GET', '/embed/api/integrations', ada)).body.items).toEqual([]);
    expectError(await embed('DELETE', `/embed/api/integrations/${id}`, ada), 404, 'not_found', `Integration "${id}" not found`);
    // the connector auth stays
    expect(await ctx().db.get(sql`SELECT count(*) AS n FROM connector_auths WHERE id = ${crm}`)).toEqual({ n: 1 });
    expect((await audits(id)).map((a) => a.action)).toEqual(['integration.enabled', 'integration.enabled', 'integration.deleted']);
  });

  it('writes one audit event each for enable, update, disable and delete', async () => {
    const w = await world('account');
    const ada = await user(w, 'ada');
    const { id } = await enabled(w, ada);
    expect((await embed('PATCH', `/embed/api/integrations/${id}`, ada, { inputs: goodInputs })).status).toBe(200);
    expect((await embed('PATCH', `/embed/api/integrations/${id}`, ada, { status: 'disabled' })).status).toBe(200);
    expect((await embed('PATCH', `/embed/api/integrations/${id}`, ada, { status: 'disabled' })).status).toBe(200);
    expect((await embed('DELETE', `/embed/api/integrations/${id}`, ada)).status).toBe(204);
    const rows = await audits(id);
    expect(rows.map((a) => a.action)).toEqual([
      'integration.enabled',
      'integration.updated',
      'integration.disabled',
      'integration.deleted',
    ]);
    expect(JSON.parse(rows[1]?.details ?? '{}')).toEqual({
      flowId: w.sync,
      changed: ['inputs'],
      inputKeys: ['active', 'limit', 'list', 'since', 'tag'],
    });
    expect(rows.map((a) => a.details).join('\n')).not.toContain(PIN);
  });
});

async function listBindingsOf(id: string): Promise<Record<string, string>> {
  const rows = await ctx().db.all<{ slot_key: string; connector_auth_id: string }>(
    sql`SELECT slot_key, connector_auth_id FROM integration_bindings WHERE integration_id = ${id}`,
  );
  return Object.fromEntries(rows.map((r) => [r.slot_key, r.connector_auth_id]));
}

describe('GET /embed/api/integrations/{id}/runs', () => {
  it('answers runs newest first with their end-user logs, never trigger payloads', async () => {
    const w = await world('user');
    const ada = await user(w, 'ada');
    const created = await embed('POST', '/embed/api/integrations', ada, {
      flowId: w.simple,
      bindings: { main: await authOf(w, ada, 'crm') },
    });
    const id = created.body.id as string;
    const insertRun = (runId: string, at: string, status: string, logs: unknown, error: string | null) =>
      ctx().db.run(sql`INSERT INTO runs (id, integration_id, trigger, status, trigger_payload, steps, logs, error, not_before, created_at,
          started_at, finished_at)
        VALUES (${runId}, ${id}, 'webhook', ${status}, ${JSON.stringify({ token: 'CANARY-payload' })},
          ${JSON.stringify([{ id: 'push', request: 'CANARY-step' }])}, ${JSON.stringify(logs)}, ${error}, ${at}, ${at}, ${at}, ${at})`);
    await insertRun(
      'run_aaaaaaaaaa1',
      '2026-11-23T10:00:00.000Z',
      'success',
      [
        { at: '2026-11-23T10:00:00.000Z', level: 'info', message: 'Synced 3 contacts', extra: 'dropped field' },
        { at: 'yesterday', level: 'info', message: 'malformed record' },
      ],
      null,
    );
    await insertRun('run_aaaaaaaaaa2', '2026-11-23T11:00:00.000Z', 'error', { not: 'a list' }, 'The CRM answered 500');

    const res = await embed('GET', `/embed/api/integrations/${id}/runs`, ada);
    expect({ status: res.status, body: res.body }).toEqual({
      status: 200,
      body: {
        items: [
          {
            id: 'run_aaaaaaaaaa2',
            trigger: 'webhook',
            status: 'error',
            createdAt: '2026-11-23T11:00:00.000Z',
            startedAt: '2026-11-23T11:00:00.000Z',
            finishedAt: '2026-11-23T11:00:00.000Z',
            durationMs: 0,
            attempt: 1,
            errorCode: null,
            error: 'The CRM answered 500',
            logs: [],
          },
          {
            id: 'run_aaaaaaaaaa1',
            trigger: 'webhook',
            status: 'success',
            createdAt: '2026-11-23T10:00:00.000Z',
            startedAt: '2026-11-23T10:00:00.000Z',
            finishedAt: '2026-11-23T10:00:00.000Z',
            durationMs: 0,
            attempt: 1,
            errorCode: null,
            error: null,
            logs: [{ at: '2026-11-23T10:00:00.000Z', level: 'info', message: 'Synced 3 contacts' }],
          },
        ],
        nextCursor: null,
      },
    });
    expect(res.text).not.toContain('CANARY');

    const page = await embed('GET', `/embed/api/integrations/${id}/runs?limit=1`, ada);
    expect(page.body.items.map((r: { id: string }) => r.id)).toEqual(['run_aaaaaaaaaa2']);
    const next = await embed('GET', `/embed/api/integrations/${id}/runs?limit=1&cursor=${page.body.nextCursor}`, ada);
    expect([next.body.items.map((r: { id: string }) => r.id), next.body.nextCursor]).toEqual([['run_aaaaaaaaaa1'], null]);
  });
});

/**
 * Flows are global, configurations are not (SECURITY.md, review findings 1 and 2). A flow is
 * offered by configurations through their groups; what one configuration's people do with it must
 * not reach another configuration:
 * - a slot may only be pre-filled with a vendor-owned auth (made through the vendor API, or a
 *   proprietary auth from an embed token) of a configuration the caller may manage; anything else
 *   answers as an unknown id does;
 * - an end user only ever gets an auth of their own configuration bound, pre-filled or chosen;
 * - a delete's references and a forced delete's disabling stay in the auth's configuration;
 * - a member cannot rename a flow or publish a version of it while a configuration they cannot
 *   manage offers it or has integrations of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../db/sql.ts';
import {
  insertConfig,
  insertConnector,
  insertConnectorAuth,
  insertEndUser,
  insertGroup,
  insertIntegration,
} from '../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from '../testing/embedFixtures.ts';
import { type ApiResponse, startTestServer, type TestServer } from '../testing/harness.ts';

let s: TestServer;
let owner: string;

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
  owner = await s.adminToken({ role: 'owner' });
  await insertConnector(s.app.ctx, { id: 'crm', name: 'Demo CRM' });
  await insertConnector(s.app.ctx, { id: 'backend', name: 'Acme Backend' });
  await insertConnector(s.app.ctx, { id: 'vault', name: 'Acme Vault' });
});
afterAll(() => s.close());

const ctx = () => s.app.ctx;

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

interface Config {
  fx: EmbedFixture;
  id: string;
  groupId: string;
}

async function config(): Promise<Config> {
  const fx = await createEmbedFixture(ctx(), { keys: ['hs'], consent: { enabled: false } });
  return { fx, id: fx.configId, groupId: await insertGroup(ctx(), fx.configId, { name: 'Main' }) };
}

async function offer(groupId: string, flowId: string): Promise<void> {
  const position =
    (await ctx().db.get<{ n: number }>(sql`SELECT count(*) AS n FROM embed_group_flows WHERE group_id = ${groupId}`))?.n ?? 0;
  await ctx().db.run(sql`INSERT INTO embed_group_flows (group_id, flow_id, position) VALUES (${groupId}, ${flowId}, ${position})`);
}

const CRM_SLOT = { key: 'crm', connectorId: 'crm', label: 'Your CRM' };

/** A flow created by the owner through the API (slot `crm`, and `be` pre-filled when `prefill` is given). */
async function flow(name: string, prefill?: string): Promise<string> {
  const slots = [CRM_SLOT, ...(prefill ? [{ key: 'be', connectorId: 'backend', label: 'Acme', connectorAuthId: prefill }] : [])];
  const res = await s.request('POST', '/api/v1/flows', { token: owner, body: { name, slots } });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

/** A connector auth the vendor API creates for an end user of `c`. */
async function vendorAuth(c: Config, connectorId = 'backend', userId = 'vendor-bot'): Promise<string> {
  const res = await s.request('POST', '/api/v1/connector-auths', {
    token: owner,
    body: {
      configId: c.id,
      connectorId,
      userId,
      accountId: 'acme',
      credentials: { type: 'api_key', apiKey: 'vendor-key' },
      validate: false,
    },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id as string;
}

interface User {
  token: string;
  endUserId: string;
}

async function user(c: Config, userId: string, claims: Record<string, unknown> = {}): Promise<User> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: c.fx.token({ embed_user_id: userId, embed_account_id: 'acme', ...claims }) },
  });
  expect(res.status, res.text).toBe(200);
  const row = await ctx().db.get<{ id: string }>(sql`SELECT id FROM end_users WHERE config_id = ${c.id} AND user_id = ${userId}`);
  return { token: res.body.sessionToken as string, endUserId: row?.id as string };
}

/** An auth an end user made in the iframe (`created_via` stays `end_user`). */
async function endUserAuth(c: Config, u: User, connectorId = 'crm'): Promise<string> {
  return insertConnectorAuth(ctx(), {
    configId: c.id,
    connectorId,
    endUserId: u.endUserId,
    credentials: { type: 'api_key', apiKey: 'end-user-key', fields: {} },
  });
}

function publish(token: string, flowId: string, slots: unknown[], pushToIntegrations = false): Promise<ApiResponse> {
  return s.request('POST', `/api/v1/flows/${flowId}/versions`, { token, body: { definition: { slots }, pushToIntegrations } });
}

const unknownAuth = (id: string) => ({ path: 'body.definition.slots.1.connectorAuthId', message: `unknown connector auth "${id}"` });
const missingVendorAuth = 'The vendor\'s connection for "Acme" is missing; this flow cannot be enabled now';

describe('pre-filling a slot', () => {
  it("a member with manage on one group gets the unknown-id answer for an end user's auth or another configuration's vendor auth", async () => {
    const a = await config();
    const b = await config();
    const onlyA = await flow('Only in A');
    await offer(a.groupId, onlyA);
    const member = await s.adminToken({ role: 'member', groups: [{ groupId: a.groupId, view: true, manage: true }] });
    const ada = await user(a, 'ada');
    const adas = await endUserAuth(a, ada, 'backend');
    const vendorA = await vendorAuth(a);
    const vendorB = await vendorAuth(b);
    const vendorBCrm = await vendorAuth(b, 'crm');
    const slot = (connectorAuthId: string, connectorId = 'backend') => [
      CRM_SLOT,
      { key: 'be', connectorId, label: 'Acme', connectorAuthId },
    ];

    const unknown = 'ca_0000000000aaaaaaaaaaaaaa';
    for (const id of [unknown, adas, vendorB]) expectInvalid(await publish(member, onlyA, slot(id)), [unknownAuth(id)]);
    // no oracle either: another configuration's auth of another connector is just as unknown
    expectInvalid(await publish(member, onlyA, slot(vendorBCrm)), [unknownAuth(vendorBCrm)]);
    // an end user's auth can never pre-fill a slot, not even for an owner
    expectInvalid(await publish(owner, onlyA, slot(adas)), [unknownAuth(adas)]);
    expect(await ctx().db.get(sql`SELECT current_version AS v FROM flows WHERE id = ${onlyA}`)).toEqual({ v: 1 });

    // the configuration's own vendor auth may be used; the connector must still match
    expectInvalid(await publish(member, onlyA, slot(vendorA, 'crm')), [
      { path: 'body.definition.slots.1.connectorAuthId', message: `connector auth "${vendorA}" belongs to connector "backend", not "crm"` },
    ]);
    const ok = await publish(member, onlyA, slot(vendorA));
    expect([ok.status, ok.body.version], ok.text).toEqual([201, 2]);
    // owners and admins may use any configuration's vendor auth
    expect((await publish(owner, onlyA, slot(vendorB))).status).toBe(201);
    expect(
      await ctx().db.get(sql`SELECT created_via FROM connector_auths WHERE id = ${vendorA}`),
      'the vendor API marks what it creates',
    ).toEqual({ created_via: 'vendor_api' });
  });

  it("a configuration's proprietary auth (from an embed token) may pre-fill a slot; it is marked embed_token", async () => {
    const a = await config();
    await ctx().db.run(sql`UPDATE embed_configs SET proprietary_connector_id = 'vault' WHERE id = ${a.id}`);
    const onlyA = await flow('Vault sync');
    await offer(a.groupId, onlyA);
    const member = await s.adminToken({ role: 'member', groups: [{ groupId: a.groupId, view: true, manage: true }] });
    await user(a, 'host-app', { client_authentication: { apiKey: 'proprietary-key' } });
    const proprietary = await ctx().db.get<{ id: string; created_via: string }>(
      sql`SELECT id, created_via FROM connector_auths WHERE config_id = ${a.id} AND proprietary = 1`,
    );
    expect(proprietary?.created_via).toBe('embed_token');
    const res = await publish(member, onlyA, [
      CRM_SLOT,
      { key: 'v', connectorId: 'vault', label: 'Vault', connectorAuthId: proprietary?.id },
    ]);
    expect(res.status, res.text).toBe(201);
  });
});

describe('binding at enable and edit time', () => {
  it("an end user of configuration B never gets configuration A's vendor auth bound, pre-filled or chosen", async () => {
    const a = await config();
    const b = await config();
    const vendorA = await vendorAuth(a);
    const shared = await flow('Shared', vendorA);
    await offer(a.groupId, shared);
    await offer(b.groupId, shared);
    const pick = await s.request('POST', '/api/v1/flows', {
      token: owner,
      body: { name: 'Pick a backend', slots: [{ key: 'be', connectorId: 'backend', label: 'Backend' }] },
    });
    await offer(b.groupId, pick.body.id);

    const ada = await user(a, 'ada');
    const adaCrm = await endUserAuth(a, ada);
    const inA = await s.request('POST', '/embed/api/integrations', {
      token: ada.token,
      body: { flowId: shared, bindings: { crm: adaCrm } },
    });
    expect([inA.status, inA.body.bindings], inA.text).toEqual([201, { be: vendorA, crm: adaCrm }]);

    const carol = await user(b, 'carol');
    const carolCrm = await endUserAuth(b, carol);
    const inB = await s.request('POST', '/embed/api/integrations', {
      token: carol.token,
      body: { flowId: shared, bindings: { crm: carolCrm } },
    });
    expectError(inB, 422, 'unprocessable', missingVendorAuth);
    const chosen = await s.request('POST', '/embed/api/integrations', {
      token: carol.token,
      body: { flowId: pick.body.id, bindings: { be: vendorA } },
    });
    expectInvalid(chosen, [{ path: 'body.bindings.be', message: `connector auth "${vendorA}" not found` }]);
    expect(await ctx().db.get(sql`SELECT count(*) AS n FROM integrations WHERE config_id = ${b.id}`)).toEqual({ n: 0 });
  });

  it('edits re-check the pre-filled slot: an integration of B moved to a version pre-filled with A’s auth cannot be saved', async () => {
    const a = await config();
    const b = await config();
    const vendorA = await vendorAuth(a);
    const shared = await flow('Shared, later pre-filled');
    await offer(a.groupId, shared);
    await offer(b.groupId, shared);
    const carol = await user(b, 'carol');
    const carolCrm = await endUserAuth(b, carol);
    const created = await s.request('POST', '/embed/api/integrations', {
      token: carol.token,
      body: { flowId: shared, bindings: { crm: carolCrm } },
    });
    expect(created.status, created.text).toBe(201);
    const pushed = await publish(
      owner,
      shared,
      [CRM_SLOT, { key: 'be', connectorId: 'backend', label: 'Acme', connectorAuthId: vendorA }],
      true,
    );
    expect([pushed.status, pushed.body.movedIntegrations]).toEqual([201, 1]);
    const id = created.body.id as string;
    const edit = await s.request('PATCH', `/embed/api/integrations/${id}`, { token: carol.token, body: { bindings: { crm: carolCrm } } });
    expectError(edit, 422, 'unprocessable', missingVendorAuth);
    expect(await ctx().db.all(sql`SELECT slot_key, connector_auth_id FROM integration_bindings WHERE integration_id = ${id}`)).toEqual([
      { slot_key: 'crm', connector_auth_id: carolCrm },
    ]);
  });

  it('a stored pre-fill that is not a vendor-owned, active auth of the configuration is answered as missing', async () => {
    const a = await config();
    const ada = await user(a, 'ada');
    const bob = await user(a, 'bob');
    const adas = await endUserAuth(a, ada, 'backend');
    const disabled = await vendorAuth(a);
    await ctx().db.run(sql`UPDATE connector_auths SET status = 'disabled' WHERE id = ${disabled}`);
    const bobCrm = await endUserAuth(a, bob);
    for (const prefill of [adas, disabled]) {
      const flowId = await flow(`Stored pre-fill ${prefill}`);
      // stored as a server before this change accepted it
      await ctx().db.run(
        sql`UPDATE flow_versions SET definition = ${JSON.stringify({
          slots: [CRM_SLOT, { key: 'be', connectorId: 'backend', label: 'Acme', connectorAuthId: prefill }],
          inputs: [],
          trigger: { type: 'manual' },
          steps: [],
        })} WHERE flow_id = ${flowId}`,
      );
      await offer(a.groupId, flowId);
      const res = await s.request('POST', '/embed/api/integrations', { token: bob.token, body: { flowId, bindings: { crm: bobCrm } } });
      expectError(res, 422, 'unprocessable', missingVendorAuth);
    }
  });
});

describe('deleting an auth', () => {
  it("lists and disables only the auth's own configuration's integrations", async () => {
    const a = await config();
    const b = await config();
    const vendorA = await vendorAuth(a);
    const shared = await flow('Shared for delete', vendorA);
    await offer(a.groupId, shared);
    await offer(b.groupId, shared);
    const ada = await user(a, 'ada');
    const adaCrm = await endUserAuth(a, ada);
    const inA = await s.request('POST', '/embed/api/integrations', {
      token: ada.token,
      body: { flowId: shared, bindings: { crm: adaCrm } },
    });
    expect(inA.status, inA.text).toBe(201);
    // what a server before this change bound for an end user of B
    const carolId = await insertEndUser(ctx(), b.id, { userId: 'carol', accountId: 'acme' });
    const carolCrm = await insertConnectorAuth(ctx(), { configId: b.id, connectorId: 'crm', endUserId: carolId });
    const inB = await insertIntegration(ctx(), {
      configId: b.id,
      flowId: shared,
      endUserId: carolId,
      bindings: { crm: carolCrm, be: vendorA },
    });

    const refused = await s.request('DELETE', `/api/v1/connector-auths/${vendorA}`, { token: owner });
    expectError(
      refused,
      409,
      'in_use',
      'This connector auth is used by integrations; disable or change them first, or delete with force=true',
      { references: [{ integrationId: inA.body.id, flowId: shared, name: 'Shared for delete' }] },
    );
    const forced = await s.request('DELETE', `/api/v1/connector-auths/${vendorA}?force=true`, { token: owner });
    expect(forced.status, forced.text).toBe(204);
    expect(await ctx().db.get(sql`SELECT status, disabled_by FROM integrations WHERE id = ${inA.body.id}`)).toEqual({
      status: 'disabled',
      disabled_by: 'admin',
    });
    expect(await ctx().db.get(sql`SELECT status, disabled_by FROM integrations WHERE id = ${inB}`)).toEqual({
      status: 'enabled',
      disabled_by: null,
    });
    expect(await ctx().db.all(sql`SELECT action FROM audit_events WHERE object_id = ${inB}`)).toEqual([]);
    const deleted = await ctx().db.get<{ details: string }>(
      sql`SELECT details FROM audit_events WHERE object_id = ${vendorA} AND action = 'connector_auth.deleted'`,
    );
    expect(JSON.parse(deleted?.details ?? '{}')).toMatchObject({ forced: true, disabledIntegrations: 1 });
  });

  it("an end user's delete is not held up (or told) by another configuration's integrations", async () => {
    const a = await config();
    const b = await config();
    const shared = await flow('Shared for end-user delete');
    await offer(a.groupId, shared);
    await offer(b.groupId, shared);
    const ada = await user(a, 'ada');
    const adas = await endUserAuth(a, ada, 'backend');
    const carolId = await insertEndUser(ctx(), b.id, { userId: 'carol', accountId: 'acme' });
    const carolCrm = await insertConnectorAuth(ctx(), { configId: b.id, connectorId: 'crm', endUserId: carolId });
    const inB = await insertIntegration(ctx(), {
      configId: b.id,
      flowId: shared,
      endUserId: carolId,
      bindings: { crm: carolCrm, be: adas },
    });
    const res = await s.request('DELETE', `/embed/api/connector-auths/${adas}`, { token: ada.token });
    expect({ status: res.status, text: res.text }).toEqual({ status: 204, text: '' });
    expect(await ctx().db.get(sql`SELECT status FROM integrations WHERE id = ${inB}`)).toEqual({ status: 'enabled' });
  });
});

describe('a member changing a flow other configurations use', () => {
  const FORBIDDEN =
    'This flow is also used by embed configurations where you lack the "manage" permission; only owners and admins can change it';

  it('answers 403 for PATCH and for new versions (pushed or not) while a configuration outside the member’s groups offers it', async () => {
    const a = await config();
    const b = await config();
    const shared = await flow('Shared for members');
    await offer(a.groupId, shared);
    await offer(b.groupId, shared);
    const carol = await user(b, 'carol');
    const inB = await s.request('POST', '/embed/api/integrations', {
      token: carol.token,
      body: { flowId: shared, bindings: { crm: await endUserAuth(b, carol) } },
    });
    expect(inB.status, inB.text).toBe(201);
    const member = await s.adminToken({ role: 'member', groups: [{ groupId: a.groupId, view: true, manage: true }] });

    expectError(
      await s.request('PATCH', `/api/v1/flows/${shared}`, { token: member, body: { name: 'Hijacked' } }),
      403,
      'forbidden',
      FORBIDDEN,
    );
    expectError(await publish(member, shared, [CRM_SLOT], true), 403, 'forbidden', FORBIDDEN);
    expectError(await publish(member, shared, [CRM_SLOT], false), 403, 'forbidden', FORBIDDEN);
    expect(await ctx().db.get(sql`SELECT name, current_version AS v FROM flows WHERE id = ${shared}`)).toEqual({
      name: 'Shared for members',
      v: 1,
    });
    expect(await ctx().db.get(sql`SELECT flow_version AS v FROM integrations WHERE id = ${inB.body.id}`)).toEqual({ v: 1 });

    // with manage in both configurations the member may change it
    const both = await s.adminToken({
      role: 'member',
      groups: [
        { groupId: a.groupId, view: true, manage: true },
        { groupId: b.groupId, view: true, manage: true },
      ],
    });
    expect((await s.request('PATCH', `/api/v1/flows/${shared}`, { token: both, body: { name: 'Renamed' } })).status).toBe(200);
    const pushed = await publish(both, shared, [CRM_SLOT], true);
    expect([pushed.status, pushed.body.movedIntegrations]).toEqual([201, 1]);
  });

  it("allows it inside the member's configurations, and refuses while another configuration still has integrations of it", async () => {
    const a = await config();
    const ownFlow = await flow('Own flow');
    await offer(a.groupId, ownFlow);
    // another group of the same configuration, which the member does not manage, offers it too
    await offer(await insertGroup(ctx(), a.id, { name: 'Other group', position: 1 }), ownFlow);
    const member = await s.adminToken({ role: 'member', groups: [{ groupId: a.groupId, view: true, manage: true }] });
    const ada = await user(a, 'ada');
    const inA = await s.request('POST', '/embed/api/integrations', {
      token: ada.token,
      body: { flowId: ownFlow, bindings: { crm: await endUserAuth(a, ada) } },
    });
    expect(inA.status).toBe(201);
    expect((await s.request('PATCH', `/api/v1/flows/${ownFlow}`, { token: member, body: { description: 'Mine' } })).status).toBe(200);
    const pushed = await publish(member, ownFlow, [CRM_SLOT], true);
    expect([pushed.status, pushed.body.movedIntegrations], pushed.text).toEqual([201, 1]);

    // a configuration that no longer offers the flow but still runs integrations of it
    const c = await insertConfig(ctx());
    await insertIntegration(ctx(), { configId: c, flowId: ownFlow, endUserId: await insertEndUser(ctx(), c) });
    expectError(
      await s.request('PATCH', `/api/v1/flows/${ownFlow}`, { token: member, body: { description: 'x' } }),
      403,
      'forbidden',
      FORBIDDEN,
    );
    expectError(await publish(member, ownFlow, [CRM_SLOT], true), 403, 'forbidden', FORBIDDEN);
  });
});

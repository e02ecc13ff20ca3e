/**
 * Prototype names are plain keys (SECURITY.md, V-03): a flow whose slot, input or step is named
 * after an `Object.prototype` member is refused with the path; a JSON body key `__proto__` is
 * refused wherever it appears; bindings and inputs keyed by such names answer a clean 400; and a
 * definition stored before this rule (slot `constructor`) is checked like any other instead of
 * ending in a 500.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../db/sql.ts';
import { insertConnector, insertConnectorAuth, insertFlow, insertGroup } from '../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from '../testing/embedFixtures.ts';
import { type ApiResponse, startTestServer, type TestServer } from '../testing/harness.ts';

let s: TestServer;
let owner: string;
let fx: EmbedFixture;
let session: string;
let endUserId: string;

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
  owner = await s.adminToken({ role: 'owner' });
  await insertConnector(s.app.ctx, { id: 'crm', name: 'Demo CRM' });
  fx = await createEmbedFixture(s.app.ctx, { keys: ['hs'], consent: { enabled: false } });
  const res = await s.request('POST', '/embed/api/session', { body: { token: fx.token() } });
  expect(res.status, res.text).toBe(200);
  session = res.body.sessionToken as string;
  endUserId = (await s.app.ctx.db.get<{ id: string }>(sql`SELECT id FROM end_users WHERE config_id = ${fx.configId}`))?.id as string;
});
afterAll(() => s.close());

function expectInvalid(res: ApiResponse, issues: { path: string; message: string }[]): void {
  const fields = [...new Set(issues.map((i) => i.path))].slice(0, 5).join(', ');
  expect({ status: res.status, body: res.body }).toEqual({
    status: 400,
    body: {
      error: {
        code: 'validation_failed',
        message: `Invalid request: ${fields}`,
        requestId: res.headers.get('x-request-id'),
        details: { issues },
      },
    },
  });
}

const reserved = (name: string) => `must not be "${name}": names of Object.prototype members are reserved`;

/** A flow with one slot `crm`, one optional text input `note`, offered by the fixture's configuration. */
async function normalFlow(): Promise<string> {
  const id = await insertFlow(s.app.ctx, {
    name: 'Normal',
    definition: {
      slots: [{ key: 'crm', connectorId: 'crm', label: 'CRM' }],
      inputs: [{ key: 'note', type: 'text', label: 'Note', required: false }],
      trigger: { type: 'manual' },
      steps: [],
    },
  });
  await insertGroup(s.app.ctx, fx.configId, { flowIds: [id] });
  return id;
}

async function crmAuth(): Promise<string> {
  return insertConnectorAuth(s.app.ctx, { configId: fx.configId, connectorId: 'crm', endUserId });
}

describe('flow keys named after Object.prototype members', () => {
  it('refuses a slot key "constructor", an input key "toString" and a step id "valueOf", naming each path', async () => {
    const body = {
      name: 'Prototype names',
      slots: [{ key: 'constructor', connectorId: 'crm', label: 'CRM' }],
      inputs: [{ key: 'toString', type: 'text', label: 'Note' }],
      steps: [{ id: 'valueOf', type: 'http', slot: 'constructor', method: 'GET', path: '/me' }],
    };
    const before = (await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM flows`))?.n;
    expectInvalid(await s.request('POST', '/api/v1/flows', { token: owner, body }), [
      { path: 'body.slots.0.key', message: reserved('constructor') },
      { path: 'body.inputs.0.key', message: reserved('toString') },
      { path: 'body.steps.0.id', message: reserved('valueOf') },
    ]);
    expect((await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM flows`))?.n).toBe(before);

    const flow = await s.request('POST', '/api/v1/flows', { token: owner, body: { name: 'Fine' } });
    expect(flow.status).toBe(201);
    const version = await s.request('POST', `/api/v1/flows/${flow.body.id}/versions`, {
      token: owner,
      body: { definition: { slots: [{ key: 'hasOwnProperty', connectorId: 'crm', label: 'CRM' }] } },
    });
    expectInvalid(version, [{ path: 'body.definition.slots.0.key', message: reserved('hasOwnProperty') }]);
  });

  it('refuses a JSON key "__proto__" anywhere in a body, naming its path', async () => {
    const rawBody =
      '{"name":"Proto","slots":[{"key":"crm","connectorId":"crm","label":"CRM"}],"steps":[{"id":"a","type":"http","slot":"crm","method":"GET","path":"/x","body":{"__proto__":{"polluted":true}}}]}';
    expectInvalid(await s.request('POST', '/api/v1/flows', { token: owner, rawBody }), [
      { path: 'body.steps.0.body.__proto__', message: 'the key "__proto__" is not allowed' },
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('enabling with prototype names as binding or input keys', () => {
  it('answers 400 for bindings {"constructor": …} and inputs {"__proto__": …} on a normal flow, and stores nothing', async () => {
    const flowId = await normalFlow();
    const crm = await crmAuth();
    const viaConstructor = await s.request('POST', '/embed/api/integrations', {
      token: session,
      body: { flowId, bindings: { crm, constructor: crm } },
    });
    expectInvalid(viaConstructor, [{ path: 'body.bindings.constructor', message: 'is not a connector slot of this flow' }]);
    const viaProto = await s.request('POST', '/embed/api/integrations', {
      token: session,
      rawBody: `{"flowId":"${flowId}","bindings":{"crm":"${crm}"},"inputs":{"__proto__":{"polluted":true},"note":"hi"}}`,
    });
    expectInvalid(viaProto, [{ path: 'body.inputs.__proto__', message: 'the key "__proto__" is not allowed' }]);
    const inputsConstructor = await s.request('POST', '/embed/api/integrations', {
      token: session,
      body: { flowId, bindings: { crm }, inputs: { constructor: 'x', valueOf: 1 } },
    });
    expectInvalid(inputsConstructor, [
      { path: 'body.inputs.constructor', message: 'is not an input of this flow' },
      { path: 'body.inputs.valueOf', message: 'is not an input of this flow' },
    ]);
    expect(await s.app.ctx.db.get(sql`SELECT count(*) AS n FROM integrations WHERE flow_id = ${flowId}`)).toEqual({ n: 0 });

    const ok = await s.request('POST', '/embed/api/integrations', { token: session, body: { flowId, bindings: { crm } } });
    expect(ok.status, ok.text).toBe(201);
    const patch = await s.request('PATCH', `/embed/api/integrations/${ok.body.id}`, {
      token: session,
      rawBody: `{"bindings":{"__proto__":"${crm}"}}`,
    });
    expectInvalid(patch, [{ path: 'body.bindings.__proto__', message: 'the key "__proto__" is not allowed' }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('checks a stored slot "constructor" (saved before the rule) like any other slot, never a 500', async () => {
    // written as an older server stored it, past today's schema
    const flowId = await insertFlow(s.app.ctx, {
      name: 'Legacy',
      definition: {
        slots: [{ key: 'constructor', connectorId: 'crm', label: 'Legacy CRM' }],
        inputs: [{ key: 'toString', type: 'password', label: 'PIN' }],
        trigger: { type: 'manual' },
        steps: [],
      },
    });
    await insertGroup(s.app.ctx, fx.configId, { flowIds: [flowId] });
    const flows = await s.request('GET', '/embed/api/flows', { token: session });
    expect(flows.status, flows.text).toBe(200);

    const unbound = await s.request('POST', '/embed/api/integrations', { token: session, body: { flowId } });
    expectInvalid(unbound, [{ path: 'body.bindings.constructor', message: 'choose a connection for "Legacy CRM"' }]);

    const crm = await crmAuth();
    const created = await s.request('POST', '/embed/api/integrations', {
      token: session,
      body: { flowId, bindings: { constructor: crm } },
    });
    expect(created.status, created.text).toBe(201);
    const { bindings, inputs, secretInputsSet } = created.body;
    expect({ bindings, inputs, secretInputsSet }).toEqual({
      bindings: { constructor: crm },
      inputs: { toString: null },
      secretInputsSet: [],
    });
    // re-enabling re-checks the stored bindings: the slot keeps its auth, no password appears from nowhere
    const id = created.body.id as string;
    expect((await s.request('PATCH', `/embed/api/integrations/${id}`, { token: session, body: { status: 'disabled' } })).status).toBe(200);
    const again = await s.request('PATCH', `/embed/api/integrations/${id}`, { token: session, body: { status: 'enabled', inputs: {} } });
    expect(again.status, again.text).toBe(200);
    expect({ bindings: again.body.bindings, secretInputsSet: again.body.secretInputsSet }).toEqual({
      bindings: { constructor: crm },
      secretInputsSet: [],
    });
    expect(s.logs.join('\n')).not.toContain('unhandled error');
  });
});

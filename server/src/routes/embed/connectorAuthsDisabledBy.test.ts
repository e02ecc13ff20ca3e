/**
 * An admin's disable wins (SECURITY.md, review finding 10). The vendor API records
 * `disabledBy: "admin"`, the iframe `"user"`; an end user can neither enable nor reconnect an auth
 * an administrator disabled (403 `forbidden`), and both APIs show who disabled it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../db/sql.ts';
import { insertFlow, insertGroup } from '../../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from '../../testing/embedFixtures.ts';
import { type ApiResponse, startTestServer, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';

const PASSWORD = 'CANARY-disabled-by-password-41c2';

let s: TestServer;
let owner: string;
let fx: EmbedFixture;
let token: string;

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
  owner = await s.adminToken();
  for (const body of [
    // no validation request: the credentials are stored as typed
    { id: 'crm', name: 'Demo CRM', authType: 'basic', baseUrl: 'https://crm.example.test' },
    {
      id: 'oauthy',
      name: 'OAuthy',
      authType: 'oauth2',
      baseUrl: 'https://api.oauthy.example.test',
      oauth2: {
        authorizeUrl: 'https://oauthy.example.test/authorize',
        tokenUrl: 'https://oauthy.example.test/token',
        clientId: 'client',
        clientSecret: 'CANARY-oauthy-secret',
      },
    },
  ]) {
    const res = await s.request('POST', '/api/v1/connectors', { token: owner, body });
    expect(res.status, res.text).toBe(201);
  }
  fx = await createEmbedFixture(s.app.ctx, { keys: ['hs'], consent: { enabled: false } });
  const flowId = await insertFlow(s.app.ctx, {
    definition: {
      slots: [
        { key: 'crm', connectorId: 'crm', label: 'CRM' },
        { key: 'oa', connectorId: 'oauthy', label: 'OAuthy' },
      ],
      inputs: [],
      trigger: { type: 'manual' },
      steps: [],
    },
  });
  await insertGroup(s.app.ctx, fx.configId, { flowIds: [flowId] });
  const res = await s.request('POST', '/embed/api/session', { body: { token: fx.token({ embed_user_id: 'u1' }) } });
  expect(res.status, res.text).toBe(200);
  token = res.body.sessionToken;
});
afterAll(() => s.close());

const ENABLE_REFUSED = 'An administrator disabled this connector auth; only an administrator can enable it again';
const RECONNECT_REFUSED = 'An administrator disabled this connector auth; it can be reconnected once an administrator enables it again';

const embed = (method: string, path: string, body?: unknown) => s.request(method, path, { token, ...(body === undefined ? {} : { body }) });
const vendor = (method: string, path: string, body?: unknown) =>
  s.request(method, path, { token: owner, ...(body === undefined ? {} : { body }) });

function expectError(res: ApiResponse, status: number, code: string, message: string): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error: { code, message, requestId: res.headers.get('x-request-id') } },
  });
}

async function createBasic(name: string): Promise<string> {
  const res = await embed('POST', '/embed/api/connector-auths', {
    connectorId: 'crm',
    name,
    values: { username: 'ada', password: PASSWORD },
  });
  expect(res.status, res.text).toBe(201);
  return res.body.id;
}

async function row(id: string) {
  return s.app.ctx.db.get<{ status: string; disabled_by: string | null; name: string; credentials_version: number }>(
    sql`SELECT status, disabled_by, name, credentials_version FROM connector_auths WHERE id = ${id}`,
  );
}

async function embedView(id: string) {
  const list = await embed('GET', '/embed/api/connector-auths');
  return (list.body.items as { id: string }[]).find((a) => a.id === id);
}

describe('an admin disable', () => {
  it('is recorded as admin in both APIs; the end user cannot enable it (403), not even with a rename', async () => {
    const id = await createBasic('Work CRM');
    const disabled = await vendor('POST', `/api/v1/connector-auths/${id}/disable`);
    expect(disabled.status, disabled.text).toBe(200);
    expect(disabled.body).toMatchObject({ id, status: 'disabled', disabledBy: 'admin' });
    expect(await embedView(id)).toMatchObject({ status: 'disabled', disabledBy: 'admin' });

    expectError(await embed('PATCH', `/embed/api/connector-auths/${id}`, { status: 'active' }), 403, 'forbidden', ENABLE_REFUSED);
    expectError(
      await embed('PATCH', `/embed/api/connector-auths/${id}`, { name: 'Renamed', status: 'active' }),
      403,
      'forbidden',
      ENABLE_REFUSED,
    );
    expect(await row(id)).toMatchObject({ status: 'disabled', disabled_by: 'admin', name: 'Work CRM' });
    // disabling it again from the iframe changes nothing, and does not turn it into the user's disable
    const again = await embed('PATCH', `/embed/api/connector-auths/${id}`, { status: 'disabled' });
    expect(again.status, again.text).toBe(200);
    expect(again.body).toMatchObject({ status: 'disabled', disabledBy: 'admin' });

    const enabled = await vendor('POST', `/api/v1/connector-auths/${id}/enable`);
    expect(enabled.body).toMatchObject({ status: 'active', disabledBy: null });
    expect(await embedView(id)).toMatchObject({ status: 'active', disabledBy: null });
    const actions = (
      await s.app.ctx.db.all<{ action: string; actor_type: string }>(
        sql`SELECT action, actor_type FROM audit_events WHERE object_id = ${id} ORDER BY at, ${insertionOrder(s.app.ctx.db)}`,
      )
    ).map((a) => `${a.action} by ${a.actor_type}`);
    expect(actions).toEqual([
      'connector_auth.created by end_user',
      'connector_auth.disabled by api_token',
      'connector_auth.enabled by api_token',
    ]);
  });

  it('cannot be undone by reconnecting: new credentials and connect tickets are refused (403)', async () => {
    const id = await createBasic('Reconnect me');
    await vendor('POST', `/api/v1/connector-auths/${id}/disable`);
    const before = await row(id);
    expectError(
      await embed('PATCH', `/embed/api/connector-auths/${id}`, { values: { username: 'ada', password: `${PASSWORD}-2` } }),
      403,
      'forbidden',
      RECONNECT_REFUSED,
    );
    expect(await row(id)).toEqual(before);

    const imported = await vendor('POST', '/api/v1/connector-auths', {
      configId: fx.configId,
      connectorId: 'oauthy',
      userId: 'u1',
      accountId: 'acme',
      credentials: { type: 'oauth2', accessToken: 'CANARY-oauthy-access' },
      validate: false,
    });
    expect(imported.status, imported.text).toBe(201);
    expect(imported.body.disabledBy).toBeNull();
    const oauthId = imported.body.id as string;
    await vendor('POST', `/api/v1/connector-auths/${oauthId}/disable`);
    expectError(
      await embed('POST', '/embed/api/connect-tickets', { connectorId: 'oauthy', connectorAuthId: oauthId }),
      403,
      'forbidden',
      RECONNECT_REFUSED,
    );
    await vendor('POST', `/api/v1/connector-auths/${oauthId}/enable`);
    const ticket = await embed('POST', '/embed/api/connect-tickets', { connectorId: 'oauthy', connectorAuthId: oauthId });
    expect(ticket.status, ticket.text).toBe(201);
  });
});

describe("the end user's own disable", () => {
  it('is recorded as user; the end user may enable it again; an admin disable takes it over', async () => {
    const id = await createBasic('Mine');
    const disabled = await embed('PATCH', `/embed/api/connector-auths/${id}`, { status: 'disabled' });
    expect(disabled.body).toMatchObject({ status: 'disabled', disabledBy: 'user' });
    expect((await vendor('GET', `/api/v1/connector-auths/${id}`)).body).toMatchObject({ status: 'disabled', disabledBy: 'user' });
    // reconnecting a disabled auth keeps it disabled
    const reconnected = await embed('PATCH', `/embed/api/connector-auths/${id}`, { values: { username: 'ada', password: PASSWORD } });
    expect(reconnected.body).toMatchObject({ status: 'disabled', disabledBy: 'user' });
    const enabled = await embed('PATCH', `/embed/api/connector-auths/${id}`, { status: 'active' });
    expect(enabled.body).toMatchObject({ status: 'active', disabledBy: null });

    await embed('PATCH', `/embed/api/connector-auths/${id}`, { status: 'disabled' });
    const takenOver = await vendor('POST', `/api/v1/connector-auths/${id}/disable`);
    expect(takenOver.body).toMatchObject({ status: 'disabled', disabledBy: 'admin' });
    const audit = await s.app.ctx.db.all<{ details: string }>(
      sql`SELECT details FROM audit_events WHERE object_id = ${id} AND action = 'connector_auth.disabled' ORDER BY at, ${insertionOrder(s.app.ctx.db)}`,
    );
    expect(JSON.parse(audit.at(-1)?.details ?? '{}')).toEqual({
      connectorId: 'crm',
      previousStatus: 'disabled',
      previousDisabledBy: 'user',
    });
    expectError(await embed('PATCH', `/embed/api/connector-auths/${id}`, { status: 'active' }), 403, 'forbidden', ENABLE_REFUSED);
  });
});

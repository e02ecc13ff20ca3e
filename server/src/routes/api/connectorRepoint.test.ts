/**
 * Credentials stay with the hosts they were issued for (SECURITY.md, C-07). Re-pointing a
 * connector's `baseUrl`, OAuth2 token/revoke URL or OAuth1 token URLs at another origin while
 * connector auths hold credentials answers 409 with their count, unless `force`; forcing drops
 * those credentials (status `needs_reauth`) in the same transaction, so the new host never receives
 * a key or token issued for the old one. Two loopback upstreams play the old and the new host.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../db/sql.ts';
import type { Credentials } from '../../services/connectors/credentials.ts';
import { insertConfig, insertConnectorAuth, insertEndUser } from '../../testing/domainFixtures.ts';
import { type ApiResponse, startTestServer, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';
import { type ReceivedRequest, startUpstream, type TestUpstream } from '../../testing/upstream.ts';

const KEY = 'CANARY-repoint-apikey-3e1f';
const ACCESS = 'CANARY-repoint-access-77ab';
const REFRESH = 'CANARY-repoint-refresh-c0de';
const MINTED = 'CANARY-repoint-minted-9d41';
const CLIENT_SECRET = 'CANARY-repoint-client-secret-51aa';
const CANARIES = [KEY, ACCESS, REFRESH, MINTED];

let s: TestServer;
let owner: string;
let oldHost: TestUpstream;
let newHost: TestUpstream;
let configId: string;
let endUserId: string;
/** While set, the old host's token endpoint holds its answer until the promise resolves. */
let tokenGate: Promise<void> | null = null;

/** The old host: a token endpoint that mints {@link MINTED}, and an echo for everything else. */
function oldHostHandler(req: ReceivedRequest, res: http.ServerResponse): void {
  const answer = () => {
    res.setHeader('content-type', 'application/json');
    if (req.url.startsWith('/oauth/token')) {
      res.end(JSON.stringify({ access_token: MINTED, token_type: 'Bearer', expires_in: 3600 }));
    } else {
      res.end(JSON.stringify({ url: req.url, headers: req.headers }));
    }
  };
  if (req.url.startsWith('/oauth/token') && tokenGate) void tokenGate.then(answer);
  else answer();
}

beforeAll(async () => {
  s = await startTestServer();
  owner = await s.adminToken({ role: 'owner' });
  oldHost = await startUpstream(oldHostHandler);
  newHost = await startUpstream();
  configId = await insertConfig(s.app.ctx);
  endUserId = await insertEndUser(s.app.ctx, configId, { userId: 'u-repoint', accountId: 'acme' });
});
afterAll(async () => {
  await Promise.all([oldHost.close(), newHost.close()]);
  await s.close();
});

const ctx = () => s.app.ctx;
const err = (code: string, message: string, details?: unknown) => ({
  error: { code, message, requestId: expect.any(String), ...(details === undefined ? {} : { details }) },
});
const conflict = (count: number, fields: string[]) =>
  err(
    'conflict',
    `Changing the host of ${fields.join(', ')} would send the credentials of ${count} connector auth(s) to a host they were not ` +
      'issued for; send "force": true to drop those credentials (their users must reconnect)',
    { connectorAuthCount: count, fields },
  );

async function api(method: string, path: string, body?: unknown): Promise<ApiResponse> {
  return s.request(method, path, { token: owner, ...(body === undefined ? {} : { body }) });
}

async function createConnector(body: Record<string, unknown>): Promise<void> {
  const res = await api('POST', '/api/v1/connectors', body);
  expect(res.status, res.text).toBe(201);
}

async function auth(connectorId: string, credentials: Credentials, status: 'active' | 'disabled' | 'revoked' = 'active'): Promise<string> {
  return insertConnectorAuth(ctx(), { configId, connectorId, endUserId, status, credentials: credentials as Record<string, unknown> });
}

interface AuthState {
  status: string;
  credentials_enc: string | null;
  credentials_version: number;
  last_error: string | null;
}
async function state(id: string): Promise<AuthState> {
  const row = await ctx().db.get<AuthState>(
    sql`SELECT status, credentials_enc, credentials_version, last_error FROM connector_auths WHERE id = ${id}`,
  );
  if (!row) throw new Error(`no auth ${id}`);
  return row;
}
/** The state of each auth, by the same keys. */
async function statesOf(auths: Record<string, string>): Promise<Record<string, AuthState>> {
  const out: Record<string, AuthState> = {};
  for (const [k, id] of Object.entries(auths)) out[k] = await state(id);
  return out;
}

/** Everything a host received, as text, to search for credentials. */
function seenBy(host: TestUpstream): string {
  return host.received.map((r) => `${r.method} ${r.url} ${JSON.stringify(r.headers)} ${r.body.toString('utf8')}`).join('\n');
}

async function audits(objectId: string): Promise<{ action: string; actor_type: string; details: unknown }[]> {
  return (
    await ctx().db.all<{ action: string; actor_type: string; details: string }>(
      sql`SELECT action, actor_type, details FROM audit_events WHERE object_id = ${objectId} ORDER BY at, ${insertionOrder(ctx().db)}`,
    )
  ).map((r) => ({ ...r, details: JSON.parse(r.details) }));
}

const apiKey = (key = KEY): Credentials => ({ type: 'api_key', apiKey: key, fields: {} });
const expiredOAuth2 = (): Credentials => ({
  type: 'oauth2',
  accessToken: ACCESS,
  refreshToken: REFRESH,
  tokenType: 'Bearer',
  expiresAt: new Date(s.clock.now() - 3_600_000).toISOString(),
  scope: null,
});

const RELINK =
  'Reconnect needed: the connector now points at another host (baseUrl), so the credentials issued for the old one were dropped';

describe('baseUrl of an API-key connector', () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await createConnector({
      id: 'keyed',
      name: 'Keyed',
      authType: 'api_key',
      baseUrl: `${oldHost.url}/v1`,
      apiKey: { in: 'header', name: 'X-Api-Key' },
    });
    ids.active1 = await auth('keyed', apiKey());
    ids.active2 = await auth('keyed', apiKey(`${KEY}-2`));
    ids.disabled = await auth('keyed', apiKey(`${KEY}-3`), 'disabled');
    ids.revoked = await auth('keyed', { type: 'none' }, 'revoked');
    ids.empty = await auth('keyed', apiKey(`${KEY}-4`));
    // An auth that already holds nothing (e.g. dropped by an earlier re-point) has nothing to leak.
    await ctx().db.run(sql`UPDATE connector_auths SET credentials_enc = NULL, status = 'needs_reauth' WHERE id = ${ids.empty}`);
  });

  it('a path-only change needs no force and keeps the credentials', async () => {
    const res = await api('PATCH', '/api/v1/connectors/keyed', { baseUrl: `${oldHost.url}/v2` });
    expect(res.status, res.text).toBe(200);
    expect(res.body.baseUrl).toBe(`${oldHost.url}/v2`);
    const proxied = await api('GET', `/api/v1/proxy/${ids.active1}/me`);
    expect(proxied.status, proxied.text).toBe(200);
    expect(proxied.body).toMatchObject({ url: '/v2/me', headers: { 'x-api-key': KEY } });
    expect(await state(ids.active1 as string)).toMatchObject({ status: 'active', credentials_version: 0 });
  });

  it('another host answers 409 with the count of auths holding credentials, and changes nothing', async () => {
    const before = await statesOf(ids);
    for (const body of [{ baseUrl: newHost.url }, { baseUrl: `${newHost.url}/v2`, name: 'Moved', force: false }]) {
      const res = await api('PATCH', '/api/v1/connectors/keyed', body);
      expect(res.status).toBe(409);
      expect(res.body).toEqual(conflict(3, ['baseUrl']));
    }
    const connector = await api('GET', '/api/v1/connectors/keyed');
    expect(connector.body).toMatchObject({ name: 'Keyed', baseUrl: `${oldHost.url}/v2` });
    expect(await statesOf(ids)).toEqual(before);
    // another port of the same host is another origin too
    const port = await api('PATCH', '/api/v1/connectors/keyed', { baseUrl: `http://127.0.0.1:${oldHost.port + 1}/v2` });
    expect(port.body).toEqual(conflict(3, ['baseUrl']));
    expect(newHost.received).toEqual([]);
  });

  it('force drops the credentials in the same change: the new host never receives the old key', async () => {
    const versions = Object.fromEntries(Object.entries(await statesOf(ids)).map(([k, row]) => [k, row.credentials_version]));
    const revokedBefore = await state(ids.revoked as string);
    const res = await api('PATCH', '/api/v1/connectors/keyed', { baseUrl: newHost.url, name: 'Keyed 2', force: true });
    expect(res.status, res.text).toBe(200);
    expect(res.body).toMatchObject({ name: 'Keyed 2', baseUrl: newHost.url });

    for (const k of ['active1', 'active2'] as const) {
      expect(await state(ids[k] as string)).toEqual({
        status: 'needs_reauth',
        credentials_enc: null,
        credentials_version: (versions[k] as number) + 1,
        last_error: RELINK,
      });
    }
    // An auth someone disabled stays disabled (its credentials go all the same).
    expect(await state(ids.disabled as string)).toEqual({
      status: 'disabled',
      credentials_enc: null,
      credentials_version: (versions.disabled as number) + 1,
      last_error: RELINK,
    });
    expect(await state(ids.revoked as string)).toEqual(revokedBefore);
    expect(await state(ids.empty as string)).toMatchObject({
      status: 'needs_reauth',
      credentials_version: versions.empty,
      last_error: null,
    });

    const proxied = await api('GET', `/api/v1/proxy/${ids.active1}/me`);
    expect(proxied.status).toBe(422);
    expect(proxied.body).toEqual(
      err('unprocessable', `Connector auth "${ids.active1}" needs to be reconnected by its user`, { reason: 'needs_reauth' }),
    );
    // Enabling the disabled one does not bring back a usable credential: it needs a reconnect.
    const enabled = await api('POST', `/api/v1/connector-auths/${ids.disabled}/enable`);
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.body).toMatchObject({ status: 'needs_reauth', lastError: RELINK });
    expect((await api('GET', `/api/v1/proxy/${ids.disabled}/me`)).status).toBe(422);
    expect(newHost.received).toEqual([]);

    const listed = await api('GET', `/api/v1/connector-auths/${ids.active2}`);
    expect(listed.body).toMatchObject({ status: 'needs_reauth', lastError: RELINK });
  });

  it('audits the connector change with old and new values and one event per auth it dropped', async () => {
    const updates = (await audits('keyed')).filter((a) => a.action === 'connector.updated');
    expect(updates.at(-1)).toEqual({
      action: 'connector.updated',
      actor_type: 'api_token',
      details: {
        changed: ['baseUrl', 'name'],
        changes: [
          { field: 'baseUrl', from: `${oldHost.url}/v2`, to: newHost.url },
          { field: 'name', from: 'Keyed', to: 'Keyed 2' },
        ],
        reconnectRequired: { connectorAuthCount: 3, fields: ['baseUrl'] },
      },
    });
    const dropped = { connectorId: 'keyed', reason: 'connector_moved', fields: ['baseUrl'] };
    expect((await audits(ids.active1 as string)).slice(-1)).toEqual([
      { action: 'connector_auth.needs_reauth', actor_type: 'api_token', details: { ...dropped, previousStatus: 'active' } },
    ]);
    expect((await audits(ids.disabled as string)).map((a) => a.action)).toEqual([
      'connector_auth.credentials_dropped',
      'connector_auth.enabled',
    ]);
    expect((await audits(ids.disabled as string))[0]?.details).toEqual({ ...dropped, previousStatus: 'disabled' });
    expect(await audits(ids.revoked as string)).toEqual([]);
  });

  it('once no auth holds credentials, moving again needs no force', async () => {
    const res = await api('PATCH', '/api/v1/connectors/keyed', { baseUrl: `${oldHost.url}/v3` });
    expect(res.status, res.text).toBe(200);
  });
});

describe('OAuth2 token and revoke URLs', () => {
  const oauth2Connector = (id: string, extra: Record<string, unknown> = {}) =>
    createConnector({
      id,
      name: id,
      authType: 'oauth2',
      baseUrl: `${oldHost.url}/api`,
      oauth2: {
        authorizeUrl: `${oldHost.url}/oauth/authorize`,
        tokenUrl: `${oldHost.url}/oauth/token`,
        clientId: 'client',
        clientSecret: CLIENT_SECRET,
        ...extra,
      },
    });

  it('moving the token URL to another host is 409; forced, the refresh token never reaches it', async () => {
    await oauth2Connector('oa-token');
    const id = await auth('oa-token', expiredOAuth2());
    const path = await api('PATCH', '/api/v1/connectors/oa-token', { oauth2: { tokenUrl: `${oldHost.url}/oauth/token2` } });
    expect(path.status, path.text).toBe(200);
    const moved = { oauth2: { tokenUrl: `${newHost.url}/oauth/token` } };
    expect((await api('PATCH', '/api/v1/connectors/oa-token', moved)).body).toEqual(conflict(1, ['oauth2.tokenUrl']));
    const forced = await api('PATCH', '/api/v1/connectors/oa-token', { ...moved, force: true });
    expect(forced.status, forced.text).toBe(200);
    expect(await state(id)).toMatchObject({ status: 'needs_reauth', credentials_enc: null, credentials_version: 1 });
    expect((await api('GET', `/api/v1/proxy/${id}/me`)).status).toBe(422);
    expect(newHost.received).toEqual([]);
    for (const c of CANARIES) expect(seenBy(newHost)).not.toContain(c);
  });

  it('a revoke URL on another host is 409; on the token host, or cleared, it needs no force', async () => {
    await oauth2Connector('oa-revoke');
    const id = await auth('oa-revoke', expiredOAuth2());
    expect((await api('PATCH', '/api/v1/connectors/oa-revoke', { oauth2: { revokeUrl: `${newHost.url}/revoke` } })).body).toEqual(
      conflict(1, ['oauth2.revokeUrl']),
    );
    // The token host issued these tokens: it may also revoke them.
    const sameHost = await api('PATCH', '/api/v1/connectors/oa-revoke', { oauth2: { revokeUrl: `${oldHost.url}/oauth/revoke` } });
    expect(sameHost.status, sameHost.text).toBe(200);
    const cleared = await api('PATCH', '/api/v1/connectors/oa-revoke', { oauth2: { revokeUrl: null } });
    expect(cleared.status, cleared.text).toBe(200);
    expect(await state(id)).toMatchObject({ status: 'active', credentials_version: 0 });

    const forced = await api('PATCH', '/api/v1/connectors/oa-revoke', { oauth2: { revokeUrl: `${newHost.url}/revoke` }, force: true });
    expect(forced.status, forced.text).toBe(200);
    const revoked = await api('POST', `/api/v1/connector-auths/${id}/revoke`);
    expect(revoked.status, revoked.text).toBe(200);
    expect(newHost.received).toEqual([]);
  });

  it('a catalogue-style connector may gain a baseUrl on its token host without force, not on another', async () => {
    await createConnector({
      id: 'oa-nobase',
      name: 'No base',
      authType: 'oauth2',
      oauth2: { authorizeUrl: `${oldHost.url}/oauth/authorize`, tokenUrl: `${oldHost.url}/oauth/token`, clientId: 'c' },
    });
    await auth('oa-nobase', expiredOAuth2());
    expect((await api('PATCH', '/api/v1/connectors/oa-nobase', { baseUrl: `${newHost.url}/api` })).body).toEqual(conflict(1, ['baseUrl']));
    expect((await api('PATCH', '/api/v1/connectors/oa-nobase', { baseUrl: `${oldHost.url}/api` })).status).toBe(200);
  });

  it('a refresh in flight when the token URL moves cannot store what it got (credentials version compare-and-swap)', async () => {
    await oauth2Connector('oa-race');
    const id = await auth('oa-race', expiredOAuth2());
    let release = () => {};
    tokenGate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const calls = oldHost.received.length;
    const proxied = api('GET', `/api/v1/proxy/${id}/me`);
    try {
      await expect.poll(() => oldHost.received.slice(calls).some((r) => r.url.startsWith('/oauth/token')), { timeout: 10_000 }).toBe(true);
      const forced = await api('PATCH', '/api/v1/connectors/oa-race', {
        baseUrl: `${newHost.url}/api`,
        oauth2: { tokenUrl: `${newHost.url}/oauth/token` },
        force: true,
      });
      expect(forced.status, forced.text).toBe(200);
    } finally {
      tokenGate = null;
      release();
    }
    const res = await proxied;
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual({ reason: 'needs_reauth' });
    expect(await state(id)).toMatchObject({ status: 'needs_reauth', credentials_enc: null, credentials_version: 1 });
    expect((await audits(id)).map((a) => a.action)).toEqual(['connector_auth.needs_reauth']);
    expect(newHost.received).toEqual([]);
  });
});

describe('OAuth1 token URLs', () => {
  it('moving the access-token or request-token URL to another host is 409', async () => {
    await createConnector({
      id: 'o1',
      name: 'O1',
      authType: 'oauth1',
      baseUrl: `${oldHost.url}/api`,
      oauth1: {
        requestTokenUrl: `${oldHost.url}/oauth/request_token`,
        authorizeUrl: `${oldHost.url}/oauth/authorize`,
        accessTokenUrl: `${oldHost.url}/oauth/access_token`,
        consumerKey: 'ck',
        consumerSecret: CLIENT_SECRET,
      },
    });
    await auth('o1', { type: 'oauth1', token: ACCESS, tokenSecret: REFRESH });
    for (const field of ['accessTokenUrl', 'requestTokenUrl']) {
      const res = await api('PATCH', '/api/v1/connectors/o1', { oauth1: { [field]: `${newHost.url}/oauth/x` } });
      expect(res.body).toEqual(conflict(1, [`oauth1.${field}`]));
    }
    // The authorize URL is only visited by the user's browser and carries no stored credential.
    const authorize = await api('PATCH', '/api/v1/connectors/o1', { oauth1: { authorizeUrl: `${newHost.url}/oauth/authorize` } });
    expect(authorize.status, authorize.text).toBe(200);
  });
});

describe('the connector audit trail', () => {
  it('records old and new values of every non-secret field, and only that the secret changed', async () => {
    await createConnector({
      id: 'audited',
      name: 'Audited',
      authType: 'oauth2',
      baseUrl: `${oldHost.url}/api`,
      oauth2: { authorizeUrl: `${oldHost.url}/a`, tokenUrl: `${oldHost.url}/t`, clientId: 'c1', clientSecret: CLIENT_SECRET },
    });
    const res = await api('PATCH', '/api/v1/connectors/audited', {
      iconUrl: 'https://cdn.example.test/i.png',
      oauth2: { clientId: 'c2', clientSecret: `${CLIENT_SECRET}-new`, scopes: ['a', 'b'], pkce: true },
      validation: { method: 'GET', path: '/me', expectStatus: 200 },
    });
    expect(res.status, res.text).toBe(200);
    const last = (await audits('audited')).at(-1);
    expect(last).toEqual({
      action: 'connector.updated',
      actor_type: 'api_token',
      details: {
        changed: ['iconUrl', 'oauth2.clientId', 'oauth2.clientSecret', 'oauth2.scopes', 'validation'],
        changes: [
          { field: 'iconUrl', from: null, to: 'https://cdn.example.test/i.png' },
          { field: 'oauth2.clientId', from: 'c1', to: 'c2' },
          { field: 'oauth2.scopes', from: [], to: ['a', 'b'] },
          { field: 'validation', from: null, to: { method: 'GET', path: '/me', expectStatus: 200 } },
        ],
      },
    });
    const all = await ctx().db.all<{ details: string }>(sql`SELECT details FROM audit_events`);
    for (const row of all) for (const c of [...CANARIES, CLIENT_SECRET]) expect(row.details).not.toContain(c);
  });
});

describe('OpenAPI', () => {
  it('describes force and the 409 on PATCH /api/v1/connectors/{id}', async () => {
    const doc = (await s.request('GET', '/api/v1/openapi.json')).body;
    const patch = doc.paths['/api/v1/connectors/{id}'].patch;
    expect(Object.keys(patch.responses)).toContain('409');
    expect(patch.description).toContain('force');
    const schema = patch.requestBody.content['application/json'].schema;
    const resolved = schema.$ref ? doc.components.schemas[schema.$ref.split('/').at(-1)] : schema;
    expect(resolved.properties.force).toMatchObject({ type: 'boolean' });
  });
});

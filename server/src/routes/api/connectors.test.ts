import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../db/sql.ts';
import { fixtures } from '../../testing/apiFixtures.ts';
import { sqliteFileBytes, startTestServer, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';

let s: TestServer;
let owner: string;
let member: string;
const responses: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  owner = await s.adminToken({ role: 'owner' });
  member = await s.adminToken({ role: 'member' });
});
afterAll(() => s.close());

/** Calls the API and keeps every answer, so C-07 can scan them all. */
async function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await s.request(method, path, { token: owner, ...opts });
  responses.push(res.text);
  return res;
}

const now = () => new Date(s.clock.now()).toISOString();
const publicUrl = () => s.app.ctx.config.publicUrl;
const err = (code: string, message: string, details?: unknown) => ({
  error: { code, message, requestId: expect.any(String), ...(details === undefined ? {} : { details }) },
});
const invalid = (issues: { path: string; message: string }[]) =>
  err('validation_failed', `Invalid request: ${[...new Set(issues.map((i) => i.path))].join(', ')}`, { issues });

const CLIENT_SECRET = 'CANARY-connector-secret-7f3a9b1c';

const crmBody = {
  id: 'crm',
  name: 'Demo CRM',
  authType: 'oauth2',
  baseUrl: 'https://api.crm.example',
  oauth2: {
    authorizeUrl: 'https://crm.example/oauth/authorize',
    tokenUrl: 'https://crm.example/oauth/token',
    clientId: 'crm-client',
    clientSecret: CLIENT_SECRET,
    scopes: ['contacts.read'],
    scopeDelimiter: ' ',
    pkce: true,
    grantType: 'authorization_code',
  },
  validation: { method: 'GET', path: '/me', expectStatus: 200 },
};

function crmExpected(createdAt: string, updatedAt = createdAt) {
  return {
    id: 'crm',
    name: 'Demo CRM',
    authType: 'oauth2',
    catalogKey: null,
    baseUrl: 'https://api.crm.example',
    iconUrl: null,
    redirectUri: `${publicUrl()}/oauth/callback/crm`,
    oauth2: {
      authorizeUrl: 'https://crm.example/oauth/authorize',
      tokenUrl: 'https://crm.example/oauth/token',
      revokeUrl: null,
      clientId: 'crm-client',
      hasClientSecret: true,
      scopes: ['contacts.read'],
      scopeDelimiter: ' ',
      pkce: true,
      grantType: 'authorization_code',
      authorizeParams: {},
    },
    oauth1: null,
    apiKey: null,
    fields: [],
    validation: { method: 'GET', path: '/me', expectStatus: 200 },
    proxy: { forwardHeaders: [] },
    createdAt,
    updatedAt,
  };
}

describe('connectors: protection', () => {
  it.each([
    ['GET', '/api/v1/connectors'],
    ['POST', '/api/v1/connectors'],
    ['GET', '/api/v1/connectors/catalog'],
    ['GET', '/api/v1/connectors/crm'],
    ['PATCH', '/api/v1/connectors/crm'],
    ['DELETE', '/api/v1/connectors/crm'],
  ])('%s %s without a token is 401', async (method, path) => {
    const res = await s.request(method, path, { body: method === 'GET' || method === 'DELETE' ? undefined : {} });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(err('unauthorized', 'Send an API token as `Authorization: Bearer pb_…`'));
  });

  it('a read-only token cannot write', async () => {
    const readOnly = await s.adminToken({ role: 'owner', scopes: ['read'] });
    const res = await s.request('POST', '/api/v1/connectors', { token: readOnly, body: { ...crmBody, id: 'ro-crm' } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(err('insufficient_scope', 'This API token lacks the "write" scope'));
  });
});

describe('connectors: CRUD', () => {
  let crmCreatedAt: string;

  it('creates a custom OAuth2 connector; the secret is sealed and answered only as hasClientSecret', async () => {
    crmCreatedAt = now();
    const res = await call('POST', '/api/v1/connectors', { body: crmBody });
    expect(res.status).toBe(201);
    expect(res.body).toEqual(crmExpected(crmCreatedAt));
    const row = await s.app.ctx.db.get<{ client_secret_enc: string; definition: string }>(
      sql`SELECT client_secret_enc, definition FROM connectors WHERE id = 'crm'`,
    );
    expect(row?.client_secret_enc).toMatch(/^v1\.[^.]+\.[^.]+\.[^.]+\.[^.]+$/);
    expect(row?.definition).not.toContain(CLIENT_SECRET);
  });

  it('reads it back', async () => {
    const res = await call('GET', '/api/v1/connectors/crm');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(crmExpected(crmCreatedAt));
  });

  it('refuses a duplicate id with 409 conflict', async () => {
    const res = await call('POST', '/api/v1/connectors', { body: crmBody });
    expect(res.status).toBe(409);
    expect(res.body).toEqual(err('conflict', 'Connector "crm" already exists'));
  });

  it('creates an API-key service with default credential fields', async () => {
    s.clock.advance(1);
    const createdAt = now();
    const res = await call('POST', '/api/v1/connectors', {
      body: {
        id: 'mailer',
        name: 'Mailer',
        authType: 'api_key',
        baseUrl: 'https://api.mailer.example',
        apiKey: { in: 'header', name: 'X-Api-Key' },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: 'mailer',
      name: 'Mailer',
      authType: 'api_key',
      catalogKey: null,
      baseUrl: 'https://api.mailer.example',
      iconUrl: null,
      redirectUri: null,
      oauth2: null,
      oauth1: null,
      apiKey: { in: 'header', name: 'X-Api-Key', prefix: null },
      fields: [{ key: 'apiKey', label: 'API key', type: 'password', required: true }],
      validation: null,
      proxy: { forwardHeaders: [] },
      createdAt,
      updatedAt: createdAt,
    });
  });

  it('creates a basic-auth service with its own fields and a none service', async () => {
    s.clock.advance(1);
    const basic = await call('POST', '/api/v1/connectors', {
      body: {
        id: 'legacy',
        name: 'Legacy ERP',
        authType: 'basic',
        baseUrl: 'https://erp.example',
        fields: [
          { key: 'user', label: 'User', type: 'text' },
          { key: 'pin', label: 'PIN', type: 'password', required: false },
        ],
      },
    });
    expect(basic.status).toBe(201);
    expect(basic.body.fields).toEqual([
      { key: 'user', label: 'User', type: 'text', required: true },
      { key: 'pin', label: 'PIN', type: 'password', required: false },
    ]);
    expect(basic.body.redirectUri).toBeNull();
    const none = await call('POST', '/api/v1/connectors', { body: { id: 'public-api', name: 'Public API', authType: 'none' } });
    expect(none.status).toBe(201);
    expect(none.body).toMatchObject({ authType: 'none', baseUrl: null, fields: [], oauth2: null, redirectUri: null });
  });

  it('lists connectors newest first with cursor pagination', async () => {
    const first = await call('GET', '/api/v1/connectors?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.items.map((c: { id: string }) => c.id)).toEqual(['public-api', 'legacy']);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await call('GET', `/api/v1/connectors?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: 'mailer' }), crmExpected(crmCreatedAt)], nextCursor: null });
    const bad = await call('GET', '/api/v1/connectors?cursor=nonsense');
    expect(bad.status).toBe(400);
  });

  it('answers 404 for an unknown connector', async () => {
    const res = await call('GET', '/api/v1/connectors/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual(err('not_found', 'Connector "nope" not found'));
  });

  it('patches a connector: merges oauth2, replaces the secret, clears the revoke URL', async () => {
    s.clock.advance(5);
    const patched = await call('PATCH', '/api/v1/connectors/crm', {
      body: {
        name: 'Demo CRM 2',
        oauth2: { clientSecret: 'CANARY-second-secret-88aa', scopes: ['a', 'b'], revokeUrl: 'https://crm.example/revoke' },
      },
    });
    expect(patched.status).toBe(200);
    const expected = crmExpected(crmCreatedAt, now());
    expect(patched.body).toEqual({
      ...expected,
      name: 'Demo CRM 2',
      oauth2: { ...expected.oauth2, scopes: ['a', 'b'], revokeUrl: 'https://crm.example/revoke' },
    });
    const cleared = await call('PATCH', '/api/v1/connectors/crm', { body: { oauth2: { revokeUrl: null } } });
    expect(cleared.body.oauth2.revokeUrl).toBeNull();
    expect(cleared.body.oauth2.hasClientSecret).toBe(true);
  });

  it('refuses settings of another auth type and unknown fields', async () => {
    const wrong = await call('PATCH', '/api/v1/connectors/mailer', { body: { oauth2: { clientId: 'x' } } });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual(invalid([{ path: 'body.oauth2', message: 'not allowed for authType api_key' }]));
    const unknown = await call('PATCH', '/api/v1/connectors/crm', { body: { authType: 'basic' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual(invalid([{ path: 'body', message: 'unknown field(s): authType' }]));
  });

  it('names the missing parts of a custom connector', async () => {
    const res = await call('POST', '/api/v1/connectors', { body: { id: 'half', authType: 'oauth2', oauth2: { clientId: 'x' } } });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues).toEqual([
      { path: 'body.name', message: 'required for a custom connector' },
      { path: 'body.oauth2.tokenUrl', message: 'required for a custom connector' },
      { path: 'body.oauth2.authorizeUrl', message: 'required for authorization_code' },
    ]);
    const reserved = await call('POST', '/api/v1/connectors', { body: { id: 'catalog', name: 'X', authType: 'none' } });
    expect(reserved.status).toBe(400);
    expect(reserved.body).toEqual(invalid([{ path: 'body.id', message: 'is reserved (GET /api/v1/connectors/catalog)' }]));
  });
});

describe('connectors: the built-in catalogue', () => {
  it('searches grant providers by key or name', async () => {
    const res = await call('GET', '/api/v1/connectors/catalog?q=GitHub');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        {
          key: 'github',
          name: 'GitHub',
          authType: 'oauth2',
          authorizeUrl: 'https://github.com/login/oauth/authorize',
          tokenUrl: 'https://github.com/login/oauth/access_token',
          scopeDelimiter: ',',
          needsSubdomain: false,
        },
      ],
      nextCursor: null,
    });
  });

  it('pages through the whole catalogue, at most 50 at a time', async () => {
    const keys: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { key: string }[]; nextCursor: string | null } } = await call(
        'GET',
        `/api/v1/connectors/catalog${cursor ? `?cursor=${cursor}` : ''}`,
      );
      expect(res.body.items.length).toBeLessThanOrEqual(50);
      keys.push(...res.body.items.map((i) => i.key));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(keys.length).toBeGreaterThan(150);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual([...keys].sort());
    expect(keys).toEqual(expect.arrayContaining(['slack', 'github', 'twitter', 'shopify']));
    const tooMany = await call('GET', '/api/v1/connectors/catalog?limit=51');
    expect(tooMany.status).toBe(400);
  });

  it('creates a connector from a catalogue key: URLs and delimiter from grant, credentials from the admin', async () => {
    const createdAt = now();
    const res = await call('POST', '/api/v1/connectors', {
      body: { id: 'slack', catalogKey: 'slack', oauth2: { clientId: 'slack-id', clientSecret: 'slack-secret', scopes: ['chat:write'] } },
    });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: 'slack',
      name: 'Slack',
      authType: 'oauth2',
      catalogKey: 'slack',
      baseUrl: null,
      iconUrl: null,
      redirectUri: `${publicUrl()}/oauth/callback/slack`,
      oauth2: {
        authorizeUrl: 'https://slack.com/oauth/authorize',
        tokenUrl: 'https://slack.com/api/oauth.access',
        revokeUrl: null,
        clientId: 'slack-id',
        hasClientSecret: true,
        scopes: ['chat:write'],
        scopeDelimiter: ',',
        pkce: true,
        grantType: 'authorization_code',
        authorizeParams: {},
      },
      oauth1: null,
      apiKey: null,
      fields: [],
      validation: null,
      proxy: { forwardHeaders: [] },
      createdAt,
      updatedAt: createdAt,
    });
  });

  it('creates an OAuth1 catalogue connector', async () => {
    const res = await call('POST', '/api/v1/connectors', {
      body: { id: 'tw', catalogKey: 'twitter', oauth1: { consumerKey: 'ck', consumerSecret: 'cs' } },
    });
    expect(res.status).toBe(201);
    expect(res.body.oauth1).toEqual({
      requestTokenUrl: 'https://api.twitter.com/oauth/request_token',
      authorizeUrl: 'https://api.twitter.com/oauth/authenticate',
      accessTokenUrl: 'https://api.twitter.com/oauth/access_token',
      consumerKey: 'ck',
      hasConsumerSecret: true,
      signatureMethod: 'HMAC-SHA1',
    });
    expect(res.body.redirectUri).toBe(`${publicUrl()}/oauth/callback/tw`);
  });

  it('needs the real URLs of a subdomain provider', async () => {
    const missing = await call('POST', '/api/v1/connectors', { body: { id: 'shop', catalogKey: 'shopify', oauth2: { clientId: 'x' } } });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.issues.map((i: { path: string }) => i.path)).toEqual([
      'body.oauth2.authorizeUrl',
      'body.oauth2.tokenUrl',
    ]);
    const given = await call('POST', '/api/v1/connectors', {
      body: {
        id: 'shop',
        catalogKey: 'shopify',
        oauth2: {
          clientId: 'x',
          authorizeUrl: 'https://acme.myshopify.com/admin/oauth/authorize',
          tokenUrl: 'https://acme.myshopify.com/admin/oauth/access_token',
        },
      },
    });
    expect(given.status).toBe(201);
    expect(given.body.oauth2).toMatchObject({ authorizeUrl: 'https://acme.myshopify.com/admin/oauth/authorize', hasClientSecret: false });
  });

  it('refuses unknown keys, missing credentials and parts of another auth type', async () => {
    const unknown = await call('POST', '/api/v1/connectors', {
      body: { id: 'zz', catalogKey: 'no-such-provider', oauth2: { clientId: 'x' } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual(
      invalid([{ path: 'body.catalogKey', message: 'unknown catalogue key "no-such-provider" (see GET /api/v1/connectors/catalog)' }]),
    );
    const bare = await call('POST', '/api/v1/connectors', {
      body: { id: 'gh', catalogKey: 'github', authType: 'oauth1', apiKey: { in: 'header', name: 'X' } },
    });
    expect(bare.status).toBe(400);
    expect(bare.body).toEqual(
      invalid([
        { path: 'body.authType', message: 'catalogue entry "github" uses oauth2' },
        { path: 'body.apiKey', message: 'not allowed for catalogue entry "github" (oauth2)' },
        { path: 'body.oauth2', message: 'required: the client credentials for "github"' },
      ]),
    );
  });
});

describe('connectors: URL policy (S-05, S-10)', () => {
  const custom = (id: string, urls: { baseUrl?: string; tokenUrl?: string; iconUrl?: string }) => ({
    id,
    name: 'U',
    authType: 'oauth2',
    ...(urls.baseUrl ? { baseUrl: urls.baseUrl } : {}),
    ...(urls.iconUrl ? { iconUrl: urls.iconUrl } : {}),
    oauth2: { grantType: 'client_credentials', tokenUrl: urls.tokenUrl ?? 'https://auth.example/token', clientId: 'c' },
  });

  it.each([
    ['http://api.example.com', 'must be an https:// URL (plain http:// only for loopback hosts)'],
    ['https://user:pass@api.example.com', 'must not contain credentials (user:pass@)'],
    ['https://10.0.0.2', 'must not point at a private, link-local or reserved address'],
    ['https://169.254.169.254/latest', 'must not point at a private, link-local or reserved address'],
    ['https://[fd00::1]', 'must not point at a private, link-local or reserved address'],
    ['https://192.168.1.1', 'must not point at a private, link-local or reserved address'],
  ])('refuses baseUrl %s', async (baseUrl, message) => {
    const res = await call('POST', '/api/v1/connectors', { body: custom('bad-url', { baseUrl }) });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(invalid([{ path: 'body.baseUrl', message }]));
  });

  it('refuses other schemes in the schema', async () => {
    const res = await call('POST', '/api/v1/connectors', { body: custom('bad-url', { baseUrl: 'file:///etc/passwd' }) });
    expect(res.status).toBe(400);
    expect(res.body.error.details.issues[0].path).toBe('body.baseUrl');
  });

  it('names the offending OAuth URL, in PATCH too', async () => {
    const res = await call('POST', '/api/v1/connectors', {
      body: custom('bad-url', { tokenUrl: 'http://auth.example/token', iconUrl: 'https://u:p@cdn.example/i.png' }),
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      invalid([
        { path: 'body.iconUrl', message: 'must not contain credentials (user:pass@)' },
        { path: 'body.oauth2.tokenUrl', message: 'must be an https:// URL (plain http:// only for loopback hosts)' },
      ]),
    );
    const patch = await call('PATCH', '/api/v1/connectors/crm', { body: { oauth2: { tokenUrl: 'https://10.1.2.3/token' } } });
    expect(patch.status).toBe(400);
    expect(patch.body).toEqual(
      invalid([{ path: 'body.oauth2.tokenUrl', message: 'must not point at a private, link-local or reserved address' }]),
    );
  });

  it('allows plain-HTTP loopback when PATCHBAY_ALLOW_INSECURE_LOOPBACK is on', async () => {
    const res = await call('POST', '/api/v1/connectors', {
      body: custom('local-api', { baseUrl: 'http://127.0.0.1:4010', tokenUrl: 'http://localhost:4011/token' }),
    });
    expect(res.status).toBe(201);
    expect(res.body.baseUrl).toBe('http://127.0.0.1:4010');
  });

  it('refuses loopback hosts when PATCHBAY_ALLOW_INSECURE_LOOPBACK is off', async () => {
    const strict = await startTestServer({ env: { PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'false' } });
    try {
      const token = await strict.adminToken();
      const res = await strict.request('POST', '/api/v1/connectors', {
        token,
        body: custom('local-api', { baseUrl: 'https://localhost:4010', tokenUrl: 'http://127.0.0.1:6379' }),
      });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        invalid([
          { path: 'body.baseUrl', message: 'must not point at a loopback host (PATCHBAY_ALLOW_INSECURE_LOOPBACK is off)' },
          { path: 'body.oauth2.tokenUrl', message: 'must not point at a loopback host (PATCHBAY_ALLOW_INSECURE_LOOPBACK is off)' },
        ]),
      );
      const http = await strict.request('POST', '/api/v1/connectors', {
        token,
        body: custom('plain', { baseUrl: 'http://api.example.com' }),
      });
      expect(http.body).toEqual(invalid([{ path: 'body.baseUrl', message: 'must be an https:// URL' }]));
      const ok = await strict.request('POST', '/api/v1/connectors', {
        token,
        body: custom('fine', { baseUrl: 'https://api.example.com' }),
      });
      expect(ok.status).toBe(201);
    } finally {
      await strict.close();
    }
  });
});

describe('connectors: members', () => {
  it('may read', async () => {
    expect((await s.request('GET', '/api/v1/connectors', { token: member })).status).toBe(200);
    expect((await s.request('GET', '/api/v1/connectors/crm', { token: member })).status).toBe(200);
    expect((await s.request('GET', '/api/v1/connectors/catalog?q=slack', { token: member })).status).toBe(200);
  });

  it.each([
    ['POST', '/api/v1/connectors', { id: 'member-made', name: 'M', authType: 'none' }, 'Only owners and admins can create connectors'],
    ['PATCH', '/api/v1/connectors/crm', { name: 'Hijacked' }, 'Only owners and admins can change connectors'],
    ['DELETE', '/api/v1/connectors/mailer', undefined, 'Only owners and admins can delete connectors'],
  ])('may not %s %s', async (method, path, body, message) => {
    const res = await s.request(method, path, { token: member, body });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(err('forbidden', message));
  });

  it('an admin may write', async () => {
    const admin = await s.adminToken({ role: 'admin' });
    const res = await s.request('POST', '/api/v1/connectors', { token: admin, body: { id: 'admin-made', name: 'A', authType: 'none' } });
    expect(res.status).toBe(201);
  });
});

describe('connectors: DELETE refuses while in use', () => {
  it('lists connector auths, flows and configurations in the 409', async () => {
    const cfg = await call('POST', '/api/v1/embed-configs', {
      body: { name: 'Refs', sharingLevel: 'user', allowedOrigins: ['https://app.acme.example'], proprietaryConnectorId: 'mailer' },
    });
    expect(cfg.status).toBe(201);
    const configId = cfg.body.id as string;
    const ctx = s.app.ctx;
    const authId = await fixtures.connectorAuth(ctx, configId, 'mailer');
    const currentFlow = await fixtures.flow(ctx, [['crm'], ['crm', 'mailer']]);
    const oldUnusedFlow = await fixtures.flow(ctx, [['mailer'], ['crm']]);
    const similarFlow = await fixtures.flow(ctx, [['mailer2', 'xmailer']]);
    expect([oldUnusedFlow, similarFlow]).toHaveLength(2);

    const res = await call('DELETE', '/api/v1/connectors/mailer');
    expect(res.status).toBe(409);
    expect(res.body).toEqual(
      err('in_use', 'Connector "mailer" is still in use; remove these references first', {
        connectorAuths: [authId],
        flows: [currentFlow],
        embedConfigs: [configId],
      }),
    );
  });

  it('counts an old flow version an integration still runs, and group highlights', async () => {
    const ctx = s.app.ctx;
    const cfg = await call('POST', '/api/v1/embed-configs', {
      body: { name: 'Pinned', sharingLevel: 'user', allowedOrigins: ['https://app.acme.example'] },
    });
    const configId = cfg.body.id as string;
    const pinnedFlow = await fixtures.flow(ctx, [['legacy'], ['crm']]);
    const authOnCrm = await fixtures.connectorAuth(ctx, configId, 'public-api');
    await fixtures.integration(ctx, configId, pinnedFlow, authOnCrm, 1);
    const res = await call('DELETE', '/api/v1/connectors/legacy');
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual({ connectorAuths: [], flows: [pinnedFlow], embedConfigs: [] });

    const highlighted = await call('POST', '/api/v1/embed-configs', {
      body: {
        name: 'Hl',
        sharingLevel: 'user',
        allowedOrigins: ['https://app.acme.example'],
        groups: [{ name: 'G', highlightedConnectors: ['tw'] }],
      },
    });
    expect(highlighted.status).toBe(201);
    const tw = await call('DELETE', '/api/v1/connectors/tw');
    expect(tw.status).toBe(409);
    expect(tw.body.error.details).toEqual({ connectorAuths: [], flows: [], embedConfigs: [highlighted.body.id] });
  });

  it('deletes a connector nothing refers to', async () => {
    const res = await call('DELETE', '/api/v1/connectors/slack');
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await call('GET', '/api/v1/connectors/slack')).status).toBe(404);
    expect((await call('DELETE', '/api/v1/connectors/slack')).status).toBe(404);
  });
});

describe('connectors: audit', () => {
  it('records every write without secrets', async () => {
    const rows = await s.app.ctx.db.all<{ action: string; object_id: string; details: string }>(
      sql`SELECT action, object_id, details FROM audit_events WHERE object_type = 'connector' ORDER BY at, ${insertionOrder(s.app.ctx.db)}`,
    );
    expect(rows.filter((r) => r.object_id === 'crm').map((r) => r.action)).toEqual([
      'connector.created',
      'connector.updated',
      'connector.updated',
    ]);
    expect(rows.find((r) => r.object_id === 'slack' && r.action === 'connector.deleted')).toBeDefined();
    const updated = rows.find((r) => r.object_id === 'crm' && r.action === 'connector.updated');
    expect(JSON.parse(updated?.details ?? '{}')).toEqual({
      changed: ['name', 'oauth2.clientSecret', 'oauth2.revokeUrl', 'oauth2.scopes'],
      changes: [
        { field: 'name', from: 'Demo CRM', to: 'Demo CRM 2' },
        { field: 'oauth2.revokeUrl', from: null, to: 'https://crm.example/revoke' },
        { field: 'oauth2.scopes', from: ['contacts.read'], to: ['a', 'b'] },
      ],
    });
    for (const r of rows) expect(r.details).not.toMatch(/CANARY|slack-secret/);
  });
});

describe('connectors: request headers the proxy passes on (SECURITY.md, S-06)', () => {
  const relayBody = {
    id: 'relay',
    name: 'Relay',
    authType: 'api_key',
    baseUrl: 'https://api.relay.example',
    apiKey: { in: 'header', name: 'X-Api-Key' },
  };

  it('stores declared header names in lower case, once each, answers them, and PATCH replaces or clears them', async () => {
    const res = await call('POST', '/api/v1/connectors', {
      body: { ...relayBody, proxy: { forwardHeaders: ['X-Trace-Id', 'x-trace-id', 'X-Tenant', 'Prefer'] } },
    });
    expect(res.status).toBe(201);
    expect(res.body.proxy).toEqual({ forwardHeaders: ['x-trace-id', 'x-tenant', 'prefer'] });
    expect((await call('GET', '/api/v1/connectors/relay')).body.proxy).toEqual({ forwardHeaders: ['x-trace-id', 'x-tenant', 'prefer'] });
    const replaced = await call('PATCH', '/api/v1/connectors/relay', { body: { proxy: { forwardHeaders: ['X-Request-Source'] } } });
    expect(replaced.status).toBe(200);
    expect(replaced.body.proxy).toEqual({ forwardHeaders: ['x-request-source'] });
    const cleared = await call('PATCH', '/api/v1/connectors/relay', { body: { proxy: null } });
    expect(cleared.body.proxy).toEqual({ forwardHeaders: [] });
    const none = await call('POST', '/api/v1/connectors', { body: { ...relayBody, id: 'relay-plain' } });
    expect(none.body.proxy).toEqual({ forwardHeaders: [] });
  });

  const refused = [
    'X-Original-URL',
    'X-Rewrite-URL',
    'X-Original-URI',
    'X-Override-URL',
    'X-HTTP-Method-Override',
    'X-HTTP-Method',
    'X-Method-Override',
    'X-Host',
    'X-Original-Host',
    'X-Forwarded-For',
    'X-Forwarded-Host',
    'X-Forwarded-Proto',
    'X-Forwarded-Prefix',
    'X-Real-IP',
    'X-Client-IP',
    'X-Originating-IP',
    'X-Remote-IP',
    'X-Remote-Addr',
    'True-Client-IP',
    'CF-Connecting-IP',
    'Forwarded',
    'Via',
    'Host',
    'Content-Length',
    'Expect',
    'Connection',
    'Keep-Alive',
    'Transfer-Encoding',
    'TE',
    'Trailer',
    'Upgrade',
    'Proxy-Connection',
    'Proxy-Authorization',
    'Authorization',
    'Cookie',
  ];
  it.each(refused)('refuses to forward %s at save time, on create and on update', async (name) => {
    const message = `"${name}" may not be passed on: Patchbay sets it itself, or it would change how the request is framed, routed or authenticated`;
    const created = await call('POST', '/api/v1/connectors', {
      body: { ...relayBody, id: 'relay-bad', proxy: { forwardHeaders: ['x-fine', name] } },
    });
    expect(created.status).toBe(400);
    expect(created.body).toEqual(invalid([{ path: 'body.proxy.forwardHeaders.1', message }]));
    expect((await call('GET', '/api/v1/connectors/relay-bad')).status).toBe(404);
    const patched = await call('PATCH', '/api/v1/connectors/relay-plain', { body: { proxy: { forwardHeaders: [name] } } });
    expect(patched.status).toBe(400);
    expect(patched.body).toEqual(invalid([{ path: 'body.proxy.forwardHeaders.0', message }]));
    expect((await call('GET', '/api/v1/connectors/relay-plain')).body.proxy).toEqual({ forwardHeaders: [] });
  });

  it.each(['x trace', 'x:trace', 'x-trace\r\nx-other', '', '-x', 'é-header', 'x'.repeat(101)])(
    'refuses the malformed header name %j',
    async (name) => {
      const res = await call('PATCH', '/api/v1/connectors/relay-plain', { body: { proxy: { forwardHeaders: [name] } } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        invalid([{ path: 'body.proxy.forwardHeaders.0', message: 'must be a header name: letters, digits, "-" and "_", at most 100' }]),
      );
    },
  );
});

describe('connectors: secrets never leave (C-01, C-07)', () => {
  it('no API answer carries the client secret', () => {
    expect(responses.length).toBeGreaterThan(20);
    for (const text of responses) {
      expect(text).not.toContain(CLIENT_SECRET);
      expect(text).not.toContain('CANARY-second-secret-88aa');
      expect(text).not.toContain('slack-secret');
      expect(text).not.toMatch(/clientSecret|consumerSecret/);
    }
  });

  // A scan of SQLite's file: on PostgreSQL the bytes are in the database server's own files.
  it.skipIf(TEST_DRIVER !== 'sqlite')('the database file, its WAL and the logs hold only the sealed form', async () => {
    const sealed = (await s.app.ctx.db.get<{ c: string }>(sql`SELECT client_secret_enc AS c FROM connectors WHERE id = 'crm'`))
      ?.c as string;
    const stored = Buffer.concat(sqliteFileBytes(s));
    expect(stored.includes(Buffer.from(sealed))).toBe(true);
    for (const canary of [CLIENT_SECRET, 'CANARY-second-secret-88aa']) {
      expect(stored.includes(Buffer.from(canary))).toBe(false);
      for (const line of s.logs) expect(Buffer.from(line).includes(Buffer.from(canary))).toBe(false);
    }
    expect(s.logs.length).toBeGreaterThan(20);
  });
});

import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { open } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';
import { embedKeyRowKey } from '../../db/repos/embedConfigs.ts';
import { sql } from '../../db/sql.ts';
import { fixtures } from '../../testing/apiFixtures.ts';
import { sqliteFileBytes, startTestServer, type TestServer } from '../../testing/harness.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';

let s: TestServer;
let owner: string;
const responses: string[] = [];
/** Every secret value the API has answered; none may appear anywhere but its one answer. */
const issued: string[] = [];

beforeAll(async () => {
  s = await startTestServer();
  owner = await s.adminToken({ role: 'owner' });
  const connector = await s.request('POST', '/api/v1/connectors', {
    token: owner,
    body: { id: 'crm', name: 'CRM', authType: 'api_key', baseUrl: 'https://api.crm.example', apiKey: { in: 'header', name: 'X-Key' } },
  });
  expect(connector.status).toBe(201);
});
afterAll(() => s.close());

async function call(method: string, path: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await s.request(method, path, { token: owner, ...opts });
  responses.push(res.text);
  return res;
}

const now = () => new Date(s.clock.now()).toISOString();
const err = (code: string, message: string, details?: unknown) => ({
  error: { code, message, requestId: expect.any(String), ...(details === undefined ? {} : { details }) },
});
const invalid = (issues: { path: string; message: string }[]) =>
  err('validation_failed', `Invalid request: ${[...new Set(issues.map((i) => i.path))].join(', ')}`, { issues });

const CFG_ID = /^cfg_[a-z0-9]{26}$/;
const GRP_ID = /^grp_[a-z0-9]{26}$/;
const KID = /^key_[a-z0-9]{26}$/;

/** J-04: a server-generated secret of 32 CSPRNG bytes, base64url. */
function expectStrongSecret(value: string) {
  expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(Buffer.from(value, 'base64url')).toHaveLength(32);
}

/** A Standard Webhooks secret: `whsec_` + base64 of 24 bytes. */
function expectCallbackSecret(value: string) {
  expect(value).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
  expect(Buffer.from(value.slice(6), 'base64')).toHaveLength(24);
}

const base = { name: 'Settings › Integrations', sharingLevel: 'account', allowedOrigins: ['https://app.acme.example'] };

async function createConfig(body: Record<string, unknown> = {}) {
  const res = await call('POST', '/api/v1/embed-configs', { body: { ...base, ...body } });
  expect(res.status).toBe(201);
  if (res.body.secret) issued.push(res.body.secret.value);
  if (res.body.callbackSecret) issued.push(res.body.callbackSecret);
  return res.body as { id: string; groups: { id: string; name: string }[]; secret: { kid: string; value: string } | null };
}

describe('embed configs: protection', () => {
  it.each([
    ['POST', '/api/v1/embed-configs'],
    ['GET', '/api/v1/embed-configs'],
    ['GET', '/api/v1/embed-configs/cfg_0000000000000000000000000a'],
    ['PATCH', '/api/v1/embed-configs/cfg_0000000000000000000000000a'],
    ['DELETE', '/api/v1/embed-configs/cfg_0000000000000000000000000a'],
    ['POST', '/api/v1/embed-configs/cfg_0000000000000000000000000a/rotate-secret'],
    ['GET', '/api/v1/embed-configs/cfg_0000000000000000000000000a/keys'],
    ['POST', '/api/v1/embed-configs/cfg_0000000000000000000000000a/keys'],
    ['DELETE', '/api/v1/embed-configs/cfg_0000000000000000000000000a/keys/key_1'],
    ['POST', '/api/v1/embed-configs/cfg_0000000000000000000000000a/rotate-callback-secret'],
  ])('%s %s without a token is 401', async (method, path) => {
    const res = await s.request(method, path, { body: method === 'POST' || method === 'PATCH' ? {} : undefined });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(err('unauthorized', 'Send an API token as `Authorization: Bearer pb_…`'));
  });

  it.each([
    ['GET', '/api/v1/embed-configs/cfg_0000000000000000000000000a', undefined],
    ['PATCH', '/api/v1/embed-configs/cfg_0000000000000000000000000a', { name: 'x' }],
    ['DELETE', '/api/v1/embed-configs/cfg_0000000000000000000000000a', undefined],
    ['POST', '/api/v1/embed-configs/cfg_0000000000000000000000000a/rotate-secret', {}],
    ['GET', '/api/v1/embed-configs/cfg_0000000000000000000000000a/keys', undefined],
    ['POST', '/api/v1/embed-configs/cfg_0000000000000000000000000a/rotate-callback-secret', undefined],
  ])('%s %s for an unknown id is 404', async (method, path, body) => {
    const res = await call(method, path, { body });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(err('not_found', 'Embed configuration "cfg_0000000000000000000000000a" not found'));
  });
});

describe('embed configs: create and read', () => {
  let flowA: string;
  let flowB: string;

  beforeAll(async () => {
    flowA = await fixtures.flow(s.app.ctx, [['crm']]);
    flowB = await fixtures.flow(s.app.ctx, [[]]);
  });

  it('creates a configuration and answers its secrets exactly once', async () => {
    const createdAt = now();
    const res = await call('POST', '/api/v1/embed-configs', {
      body: {
        ...base,
        consent: { enabled: true, text: 'We sync your contacts.' },
        branding: { title: 'Acme', mode: 'dark', colors: { primary: '#ff6600' } },
        defaultLanguage: 'de',
        groups: [
          { name: 'CRM', flowIds: [flowA, flowB], highlightedConnectors: ['crm'] },
          { name: 'Other', flowIds: [] },
        ],
        proprietaryConnectorId: 'crm',
        callbackUrl: 'https://hooks.acme.example/patchbay',
      },
    });
    expect(res.status).toBe(201);
    const body = res.body;
    expect(body).toEqual({
      id: expect.stringMatching(CFG_ID),
      name: 'Settings › Integrations',
      sharingLevel: 'account',
      allowedOrigins: ['https://app.acme.example'],
      consent: { enabled: true, text: 'We sync your contacts.' },
      branding: { title: 'Acme', mode: 'dark', colors: { primary: '#ff6600' } },
      defaultLanguage: 'de',
      groups: [
        { id: expect.stringMatching(GRP_ID), name: 'CRM', flowIds: [flowA, flowB], highlightedConnectors: ['crm'] },
        { id: expect.stringMatching(GRP_ID), name: 'Other', flowIds: [], highlightedConnectors: [] },
      ],
      proprietaryConnectorId: 'crm',
      callbackUrl: 'https://hooks.acme.example/patchbay',
      callbacksDisabledAt: null,
      enabled: true,
      embedUrl: `${s.app.ctx.config.publicUrl}/embed/${body.id}`,
      createdAt,
      updatedAt: createdAt,
      secret: { kid: expect.stringMatching(KID), value: expect.any(String) },
      callbackSecret: expect.any(String),
    });
    expectStrongSecret(body.secret.value);
    expectCallbackSecret(body.callbackSecret);
    issued.push(body.secret.value, body.callbackSecret);

    // The sealed secrets open to exactly what was answered, under their own row's location.
    const key = await s.app.ctx.db.get<{ secret_enc: string }>(
      sql`SELECT secret_enc FROM embed_config_keys WHERE config_id = ${body.id} AND kid = ${body.secret.kid}`,
    );
    const at = secretLocation('embed_config_keys', 'secret_enc', embedKeyRowKey(body.id, body.secret.kid));
    expect(open(s.app.ctx.keyring, at, key?.secret_enc as string)).toBe(body.secret.value);
    const cfg = await s.app.ctx.db.get<{ callback_secret_enc: string }>(
      sql`SELECT callback_secret_enc FROM embed_configs WHERE id = ${body.id}`,
    );
    expect(
      open(s.app.ctx.keyring, secretLocation('embed_configs', 'callback_secret_enc', body.id), cfg?.callback_secret_enc as string),
    ).toBe(body.callbackSecret);

    const { secret: _secret, callbackSecret: _callbackSecret, ...config } = body;
    const read = await call('GET', `/api/v1/embed-configs/${body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(config);

    const keys = await call('GET', `/api/v1/embed-configs/${body.id}/keys`);
    expect(keys.body).toEqual({
      items: [{ kid: body.secret.kid, alg: 'HS256', accountId: null, status: 'active', expiresAt: null, createdAt, revokedAt: null }],
      nextCursor: null,
    });
  });

  it('fills defaults; no callback URL means no callback secret; createSecret false means no secret', async () => {
    const createdAt = now();
    const res = await call('POST', '/api/v1/embed-configs', { body: { ...base, sharingLevel: 'user', createSecret: false } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(CFG_ID),
      name: base.name,
      sharingLevel: 'user',
      allowedOrigins: base.allowedOrigins,
      consent: { enabled: false, text: null },
      branding: {},
      defaultLanguage: 'en',
      groups: [],
      proprietaryConnectorId: null,
      callbackUrl: null,
      callbacksDisabledAt: null,
      enabled: true,
      embedUrl: `${s.app.ctx.config.publicUrl}/embed/${res.body.id}`,
      createdAt,
      updatedAt: createdAt,
      secret: null,
      callbackSecret: null,
    });
    expect((await call('GET', `/api/v1/embed-configs/${res.body.id}/keys`)).body).toEqual({ items: [], nextCursor: null });
  });

  it('J-04: every configuration gets a fresh 32-byte secret; a secret cannot be chosen', async () => {
    const a = await createConfig();
    const b = await createConfig();
    expectStrongSecret(a.secret?.value as string);
    expectStrongSecret(b.secret?.value as string);
    expect(a.secret?.value).not.toBe(b.secret?.value);
    for (const field of ['secret', 'secrets', 'signingSecret']) {
      const res = await call('POST', '/api/v1/embed-configs', { body: { ...base, [field]: 'secret123' } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(invalid([{ path: 'body', message: `unknown field(s): ${field}` }]));
    }
    const rotate = await call('POST', `/api/v1/embed-configs/${a.id}/rotate-secret`, { body: { value: 'secret123' } });
    expect(rotate.status).toBe(400);
    expect(rotate.body).toEqual(invalid([{ path: 'body', message: 'unknown field(s): value' }]));
    const account = await call('POST', `/api/v1/embed-configs/${a.id}/keys`, {
      body: { type: 'accountSecret', accountId: 'x', value: 'secret123' },
    });
    expect(account.status).toBe(400);
    expect(account.body.error.details.issues).toEqual([{ path: 'body', message: 'unknown field(s): value' }]);
    const patch = await call('PATCH', `/api/v1/embed-configs/${a.id}`, { body: { secret: 'secret123' } });
    expect(patch.status).toBe(400);
  });

  it('refuses unknown flows, connectors and group ids, naming each field', async () => {
    const res = await call('POST', '/api/v1/embed-configs', {
      body: {
        ...base,
        groups: [
          { name: 'Ok', flowIds: [flowA] },
          { name: 'Bad', flowIds: [flowA, 'flow_00000000000000000000000000', flowA], highlightedConnectors: ['crm', 'nope'] },
          { id: 'grp_00000000000000000000000000', name: 'Stolen' },
        ],
        proprietaryConnectorId: 'ghost',
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      invalid([
        { path: 'body.groups.1.flowIds.1', message: 'unknown flow "flow_00000000000000000000000000"' },
        { path: 'body.groups.1.flowIds.2', message: `flow "${flowA}" is listed twice` },
        { path: 'body.groups.1.highlightedConnectors.1', message: 'unknown connector "nope"' },
        { path: 'body.groups.2.id', message: 'unknown group "grp_00000000000000000000000000" of this configuration' },
        { path: 'body.proprietaryConnectorId', message: 'unknown connector "ghost"' },
      ]),
    );
  });

  it('lists configurations newest first with cursor pagination', async () => {
    s.clock.advance(1);
    const x = await createConfig({ name: 'X' });
    s.clock.advance(1);
    const y = await createConfig({ name: 'Y' });
    const first = await call('GET', '/api/v1/embed-configs?limit=1');
    expect(first.body.items.map((c: { id: string }) => c.id)).toEqual([y.id]);
    const second = await call('GET', `/api/v1/embed-configs?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items.map((c: { id: string }) => c.id)).toEqual([x.id]);
    expect(second.body.nextCursor).toEqual(expect.any(String));
    expect(first.body.items[0]).not.toHaveProperty('secret');
  });
});

describe('embed configs: allowed origins (P-12)', () => {
  it.each([
    '*',
    'https://*',
    'https://*.com',
    'http://example.com',
    'https://a.com/path',
    'https://a.com?x=1',
    'https://a.com; script-src *',
    'null',
    'HTTPS://APP.ACME.EXAMPLE',
    'https://App.acme.example',
  ])('refuses %j', async (origin) => {
    const res = await call('POST', '/api/v1/embed-configs', { body: { ...base, allowedOrigins: ['https://ok.example', origin] } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      invalid([
        {
          path: 'body.allowedOrigins.1',
          message: 'must be an origin like https://app.example.com or https://*.example.com (no path, no query)',
        },
      ]),
    );
  });

  it('accepts exact, wildcard and loopback origins, in PATCH too', async () => {
    const origins = [
      'https://app.acme.example',
      'https://*.acme.example',
      'http://localhost:5173',
      'http://127.0.0.1:8080',
      'http://[::1]:3000',
    ];
    const cfg = await createConfig({ allowedOrigins: origins });
    expect((await call('GET', `/api/v1/embed-configs/${cfg.id}`)).body.allowedOrigins).toEqual(origins);
    const patched = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, { body: { allowedOrigins: ['https://*.eu.acme.example'] } });
    expect(patched.body.allowedOrigins).toEqual(['https://*.eu.acme.example']);
    const bad = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, { body: { allowedOrigins: ['*'] } });
    expect(bad.status).toBe(400);
    const empty = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, { body: { allowedOrigins: [] } });
    expect(empty.status).toBe(400);
  });
});

describe('embed configs: update', () => {
  it('refuses a sharing level change: it is fixed at creation', async () => {
    const cfg = await createConfig();
    for (const sharingLevel of ['user', 'account']) {
      const res = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, { body: { sharingLevel } });
      expect(res.status).toBe(400);
      expect(res.body).toEqual(
        err('validation_failed', 'sharingLevel is fixed at creation; create a new embed configuration to change it', {
          issues: [{ path: 'body.sharingLevel', message: 'is fixed at creation' }],
        }),
      );
    }
    expect((await call('GET', `/api/v1/embed-configs/${cfg.id}`)).body.sharingLevel).toBe('account');
  });

  it('changes fields and answers the whole configuration', async () => {
    const cfg = await createConfig({ callbackUrl: 'https://hooks.acme.example/a' });
    const before = (await call('GET', `/api/v1/embed-configs/${cfg.id}`)).body;
    s.clock.advance(60);
    const res = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, {
      body: {
        name: 'Renamed',
        consent: { enabled: true },
        enabled: false,
        defaultLanguage: 'de',
        callbackUrl: 'https://hooks.acme.example/b',
      },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      ...before,
      name: 'Renamed',
      consent: { enabled: true, text: null },
      enabled: false,
      defaultLanguage: 'de',
      callbackUrl: 'https://hooks.acme.example/b',
      updatedAt: now(),
    });
  });

  it('answers a callback secret once when a first callback URL is set, and clears it with the URL', async () => {
    const cfg = await createConfig();
    const set = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, { body: { callbackUrl: 'https://hooks.acme.example/x' } });
    expect(set.status).toBe(200);
    expectCallbackSecret(set.body.callbackSecret);
    issued.push(set.body.callbackSecret);
    const again = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, { body: { callbackUrl: 'https://hooks.acme.example/y' } });
    expect(again.body).not.toHaveProperty('callbackSecret');
    const cleared = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, { body: { callbackUrl: null } });
    expect(cleared.body.callbackUrl).toBeNull();
    const row = await s.app.ctx.db.get<{ c: string | null }>(sql`SELECT callback_secret_enc AS c FROM embed_configs WHERE id = ${cfg.id}`);
    expect(row?.c).toBeNull();
  });

  it('applies the URL policy to the callback and logo URLs', async () => {
    const create = await call('POST', '/api/v1/embed-configs', {
      body: { ...base, callbackUrl: 'http://hooks.acme.example/x', branding: { logoUrl: 'https://169.254.169.254/logo.png' } },
    });
    expect(create.status).toBe(400);
    expect(create.body).toEqual(
      invalid([
        { path: 'body.callbackUrl', message: 'must be an https:// URL (plain http:// only for loopback hosts)' },
        { path: 'body.branding.logoUrl', message: 'must not point at a private, link-local or reserved address' },
      ]),
    );
    const cfg = await createConfig();
    const patch = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, { body: { callbackUrl: 'https://a:b@hooks.acme.example/' } });
    expect(patch.body).toEqual(invalid([{ path: 'body.callbackUrl', message: 'must not contain credentials (user:pass@)' }]));
  });

  it('replaces groups in one go, keeping the ids (and member permissions) of groups given with id', async () => {
    const flow1 = await fixtures.flow(s.app.ctx, [[]]);
    const flow2 = await fixtures.flow(s.app.ctx, [[]]);
    const cfg = await createConfig({
      groups: [
        { name: 'Keep', flowIds: [flow1] },
        { name: 'Drop', flowIds: [flow2] },
      ],
    });
    const keep = cfg.groups[0] as { id: string };
    const drop = cfg.groups[1] as { id: string };
    const keepViewer = await s.adminToken({ role: 'member', groups: [{ groupId: keep.id, view: true }] });
    const dropViewer = await s.adminToken({ role: 'member', groups: [{ groupId: drop.id, view: true }] });
    expect((await s.request('GET', `/api/v1/embed-configs/${cfg.id}`, { token: dropViewer })).status).toBe(200);

    const res = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, {
      body: {
        groups: [
          { name: 'New', flowIds: [flow2, flow1], highlightedConnectors: ['crm'] },
          { id: keep.id, name: 'Kept', flowIds: [flow2] },
        ],
      },
    });
    expect(res.status).toBe(200);
    expect(res.body.groups).toEqual([
      { id: expect.stringMatching(GRP_ID), name: 'New', flowIds: [flow2, flow1], highlightedConnectors: ['crm'] },
      { id: keep.id, name: 'Kept', flowIds: [flow2], highlightedConnectors: [] },
    ]);
    expect([keep.id, drop.id]).not.toContain(res.body.groups[0].id);
    expect((await s.request('GET', `/api/v1/embed-configs/${cfg.id}`, { token: keepViewer })).status).toBe(200);
    expect((await s.request('GET', `/api/v1/embed-configs/${cfg.id}`, { token: dropViewer })).status).toBe(404);
    const perms = await s.app.ctx.db.all(sql`SELECT group_id FROM admin_group_permissions WHERE group_id IN (${keep.id}, ${drop.id})`);
    expect(perms).toEqual([{ group_id: keep.id }]);
  });

  it('refuses a group of another configuration and an unknown flow, changing nothing', async () => {
    const flow = await fixtures.flow(s.app.ctx, [[]]);
    const other = await createConfig({ groups: [{ name: 'Theirs' }] });
    const cfg = await createConfig({ groups: [{ name: 'Mine', flowIds: [flow] }] });
    const before = (await call('GET', `/api/v1/embed-configs/${cfg.id}`)).body;
    const res = await call('PATCH', `/api/v1/embed-configs/${cfg.id}`, {
      body: {
        name: 'Changed',
        groups: [
          { id: other.groups[0]?.id, name: 'Stolen' },
          { name: 'X', flowIds: ['flow_00000000000000000000000000'] },
        ],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      invalid([
        { path: 'body.groups.0.id', message: `unknown group "${other.groups[0]?.id}" of this configuration` },
        { path: 'body.groups.1.flowIds.0', message: 'unknown flow "flow_00000000000000000000000000"' },
      ]),
    );
    expect((await call('GET', `/api/v1/embed-configs/${cfg.id}`)).body).toEqual(before);
  });
});

describe('embed configs: signing keys', () => {
  const rsa2048 = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsa1024 = crypto.generateKeyPairSync('rsa', { modulusLength: 1024 });
  const p256 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const p384 = crypto.generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const pem = (k: crypto.KeyObject) => k.export({ type: 'spki', format: 'pem' }).toString();

  it('rotates the HS256 secret with a grace period, then without', async () => {
    const cfg = await createConfig();
    const first = cfg.secret as { kid: string; value: string };
    s.clock.advance(1);
    const account = await call('POST', `/api/v1/embed-configs/${cfg.id}/keys`, { body: { type: 'accountSecret', accountId: 'acct-9' } });
    issued.push(account.body.value);
    s.clock.advance(10);
    const rotatedAt = now();
    const second = await call('POST', `/api/v1/embed-configs/${cfg.id}/rotate-secret`, { body: { graceSeconds: 3600 } });
    expect(second.status).toBe(201);
    expect(second.body).toEqual({ kid: expect.stringMatching(KID), value: expect.any(String) });
    expectStrongSecret(second.body.value);
    issued.push(second.body.value);
    const graceEnd = new Date(s.clock.now() + 3600_000).toISOString();
    let keys = (await call('GET', `/api/v1/embed-configs/${cfg.id}/keys`)).body.items;
    expect(keys).toEqual([
      { kid: second.body.kid, alg: 'HS256', accountId: null, status: 'active', expiresAt: null, createdAt: rotatedAt, revokedAt: null },
      expect.objectContaining({ kid: account.body.kid, accountId: 'acct-9', status: 'active', expiresAt: null }),
      expect.objectContaining({ kid: first.kid, status: 'active', expiresAt: graceEnd }),
    ]);

    s.clock.advance(10);
    const third = await call('POST', `/api/v1/embed-configs/${cfg.id}/rotate-secret`, { body: { graceSeconds: 0 } });
    issued.push(third.body.value);
    keys = (await call('GET', `/api/v1/embed-configs/${cfg.id}/keys`)).body.items;
    expect(keys.map((k: { kid: string; status: string }) => [k.kid, k.status])).toEqual([
      [third.body.kid, 'active'],
      [second.body.kid, 'revoked'],
      [account.body.kid, 'active'],
      [first.kid, 'revoked'],
    ]);
    expect(keys[1].revokedAt).toBe(now());
    for (const text of [JSON.stringify(keys)]) {
      for (const v of [first.value, second.body.value, third.body.value, account.body.value]) expect(text).not.toContain(v);
    }
  });

  it('the default grace is one day', async () => {
    const cfg = await createConfig();
    s.clock.advance(1);
    const rotated = await call('POST', `/api/v1/embed-configs/${cfg.id}/rotate-secret`, { body: {} });
    issued.push(rotated.body.value);
    const keys = (await call('GET', `/api/v1/embed-configs/${cfg.id}/keys`)).body.items;
    expect(keys[1]).toMatchObject({ kid: cfg.secret?.kid, expiresAt: new Date(s.clock.now() + 86_400_000).toISOString() });
    const bad = await call('POST', `/api/v1/embed-configs/${cfg.id}/rotate-secret`, { body: { graceSeconds: -1 } });
    expect(bad.status).toBe(400);
  });

  it('registers RS256 and ES256 public keys that fit their algorithm', async () => {
    const cfg = await createConfig({ createSecret: false, publicKeys: [{ kid: 'vendor-rsa', alg: 'RS256', pem: pem(rsa2048.publicKey) }] });
    const createdAt = now();
    const es = await call('POST', `/api/v1/embed-configs/${cfg.id}/keys`, {
      body: { type: 'publicKey', alg: 'ES256', pem: pem(p256.publicKey) },
    });
    expect(es.status).toBe(201);
    expect(es.body).toEqual({
      kid: expect.stringMatching(KID),
      alg: 'ES256',
      accountId: null,
      status: 'active',
      expiresAt: null,
      createdAt,
      revokedAt: null,
    });
    const keys = (await call('GET', `/api/v1/embed-configs/${cfg.id}/keys`)).body.items;
    expect(keys.map((k: { kid: string; alg: string }) => [k.kid, k.alg]).sort()).toEqual(
      [
        ['vendor-rsa', 'RS256'],
        [es.body.kid, 'ES256'],
      ].sort(),
    );
    const dup = await call('POST', `/api/v1/embed-configs/${cfg.id}/keys`, {
      body: { type: 'publicKey', kid: 'vendor-rsa', alg: 'RS256', pem: pem(rsa2048.publicKey) },
    });
    expect(dup.status).toBe(409);
    expect(dup.body).toEqual(err('conflict', 'Key "vendor-rsa" already exists on this configuration'));
  });

  it.each([
    ['RS256', () => pem(rsa1024.publicKey), 'RS256 needs an RSA public key of at least 2048 bits'],
    ['RS256', () => pem(p256.publicKey), 'RS256 needs an RSA public key of at least 2048 bits'],
    ['ES256', () => pem(p384.publicKey), 'ES256 needs an EC public key on the P-256 curve'],
    ['ES256', () => pem(rsa2048.publicKey), 'ES256 needs an EC public key on the P-256 curve'],
    ['RS256', () => `-----BEGIN PUBLIC KEY-----\n${'A'.repeat(120)}\n-----END PUBLIC KEY-----\n`, 'is not a PEM public key'],
  ])('refuses a %s key that does not fit: %#', async (alg, makePem, message) => {
    const cfg = await createConfig();
    const res = await call('POST', `/api/v1/embed-configs/${cfg.id}/keys`, { body: { type: 'publicKey', alg, pem: makePem() } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(invalid([{ path: 'body.pem', message }]));
    const atCreate = await call('POST', '/api/v1/embed-configs', { body: { ...base, publicKeys: [{ alg, pem: makePem() }] } });
    expect(atCreate.body).toEqual(invalid([{ path: 'body.publicKeys.0.pem', message }]));
  });

  it('refuses a private key without storing it', async () => {
    const cfg = await createConfig();
    const privatePem = rsa2048.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const sneaky = `${pem(rsa2048.publicKey)}${privatePem}`;
    const res = await call('POST', `/api/v1/embed-configs/${cfg.id}/keys`, { body: { type: 'publicKey', alg: 'RS256', pem: sneaky } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      invalid([{ path: 'body.pem', message: 'is a private key: register only the public key (and replace this one)' }]),
    );
    const plain = await call('POST', `/api/v1/embed-configs/${cfg.id}/keys`, {
      body: { type: 'publicKey', alg: 'RS256', pem: privatePem },
    });
    expect(plain.status).toBe(400);
  });

  it('issues one per-account secret at a time and revokes keys', async () => {
    const cfg = await createConfig();
    const createdAt = now();
    const res = await call('POST', `/api/v1/embed-configs/${cfg.id}/keys`, { body: { type: 'accountSecret', accountId: 'acct-1' } });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      kid: expect.stringMatching(KID),
      alg: 'HS256',
      accountId: 'acct-1',
      status: 'active',
      expiresAt: null,
      createdAt,
      revokedAt: null,
      value: expect.any(String),
    });
    expectStrongSecret(res.body.value);
    issued.push(res.body.value);
    const again = await call('POST', `/api/v1/embed-configs/${cfg.id}/keys`, { body: { type: 'accountSecret', accountId: 'acct-1' } });
    expect(again.status).toBe(409);
    expect(again.body).toEqual(err('conflict', 'Account "acct-1" already has an active secret; revoke it first', { kid: res.body.kid }));

    s.clock.advance(3);
    const revoked = await call('DELETE', `/api/v1/embed-configs/${cfg.id}/keys/${res.body.kid}`);
    expect(revoked.status).toBe(200);
    expect(revoked.body).toEqual({
      kid: res.body.kid,
      alg: 'HS256',
      accountId: 'acct-1',
      status: 'revoked',
      expiresAt: null,
      createdAt,
      revokedAt: now(),
    });
    const twice = await call('DELETE', `/api/v1/embed-configs/${cfg.id}/keys/${res.body.kid}`);
    expect(twice.body).toEqual(revoked.body);
    const unknown = await call('DELETE', `/api/v1/embed-configs/${cfg.id}/keys/key_nope`);
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual(err('not_found', 'Key "key_nope" not found'));
    const fresh = await call('POST', `/api/v1/embed-configs/${cfg.id}/keys`, { body: { type: 'accountSecret', accountId: 'acct-1' } });
    expect(fresh.status).toBe(201);
    issued.push(fresh.body.value);
  });

  it('rotates the callback secret', async () => {
    const cfg = await createConfig({ callbackUrl: 'https://hooks.acme.example/cb' });
    const res = await call('POST', `/api/v1/embed-configs/${cfg.id}/rotate-callback-secret`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ callbackSecret: expect.any(String) });
    expectCallbackSecret(res.body.callbackSecret);
    issued.push(res.body.callbackSecret);
    const row = await s.app.ctx.db.get<{ c: string }>(sql`SELECT callback_secret_enc AS c FROM embed_configs WHERE id = ${cfg.id}`);
    expect(open(s.app.ctx.keyring, secretLocation('embed_configs', 'callback_secret_enc', cfg.id), row?.c as string)).toBe(
      res.body.callbackSecret,
    );
  });
});

describe('embed configs: delete', () => {
  it('refuses while integrations exist, then deletes with force', async () => {
    const ctx = s.app.ctx;
    const flow = await fixtures.flow(ctx, [['crm']]);
    const cfg = await createConfig({ groups: [{ name: 'G', flowIds: [flow] }] });
    const auth = await fixtures.connectorAuth(ctx, cfg.id, 'crm');
    const integration = await fixtures.integration(ctx, cfg.id, flow, auth);
    const res = await call('DELETE', `/api/v1/embed-configs/${cfg.id}`);
    expect(res.status).toBe(409);
    expect(res.body).toEqual(
      err('in_use', `Embed configuration "${cfg.id}" has 1 integration(s); pass ?force=true to delete them too`, {
        integrations: [integration],
        integrationCount: 1,
      }),
    );
    const forced = await call('DELETE', `/api/v1/embed-configs/${cfg.id}?force=true`);
    expect(forced.status).toBe(204);
    expect((await call('GET', `/api/v1/embed-configs/${cfg.id}`)).status).toBe(404);
    for (const table of ['integrations', 'connector_auths', 'end_users', 'embed_groups', 'embed_config_keys']) {
      expect((await ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${sql.raw(table)} WHERE config_id = ${cfg.id}`))?.n).toBe(0);
    }
    expect((await ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM flows WHERE id = ${flow}`))?.n).toBe(1);
  });

  it('deletes a configuration without integrations at once', async () => {
    const cfg = await createConfig();
    expect((await call('DELETE', `/api/v1/embed-configs/${cfg.id}`)).status).toBe(204);
    expect((await call('DELETE', `/api/v1/embed-configs/${cfg.id}`)).status).toBe(404);
  });
});

describe('embed configs: members', () => {
  let visible: { id: string; groups: { id: string }[] };
  let hidden: { id: string };
  let viewer: string;

  beforeAll(async () => {
    visible = await createConfig({ name: 'Visible', groups: [{ name: 'Seen' }] });
    hidden = await createConfig({ name: 'Hidden', groups: [{ name: 'Unseen' }] });
    viewer = await s.adminToken({ role: 'member', groups: [{ groupId: visible.groups[0]?.id as string, view: true, manage: true }] });
  });

  it('lists only configurations with a group the member may view', async () => {
    const res = await s.request('GET', '/api/v1/embed-configs?limit=200', { token: viewer });
    expect(res.status).toBe(200);
    expect(res.body.items.map((c: { id: string }) => c.id)).toEqual([visible.id]);
    const nobody = await s.adminToken({ role: 'member' });
    expect((await s.request('GET', '/api/v1/embed-configs', { token: nobody })).body).toEqual({ items: [], nextCursor: null });
  });

  it('reads a visible configuration and its keys', async () => {
    expect((await s.request('GET', `/api/v1/embed-configs/${visible.id}`, { token: viewer })).status).toBe(200);
    const keys = await s.request('GET', `/api/v1/embed-configs/${visible.id}/keys`, { token: viewer });
    expect(keys.status).toBe(200);
    expect(keys.body.items).toHaveLength(1);
  });

  it.each([
    ['GET', ''],
    ['PATCH', ''],
    ['DELETE', ''],
    ['GET', '/keys'],
    ['POST', '/keys'],
    ['POST', '/rotate-secret'],
    ['POST', '/rotate-callback-secret'],
  ])('gets 404 for %s on a hidden configuration%s', async (method, suffix) => {
    const writeBody = method === 'PATCH' ? { name: 'x' } : suffix === '/keys' ? { type: 'accountSecret', accountId: 'a' } : {};
    const body = method === 'GET' || method === 'DELETE' ? undefined : writeBody;
    const res = await s.request(method, `/api/v1/embed-configs/${hidden.id}${suffix}`, { token: viewer, body });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(err('not_found', `Embed configuration "${hidden.id}" not found`));
  });

  it.each([
    ['PATCH', '', { name: 'x' }, 'change embed configurations'],
    ['DELETE', '', undefined, 'delete embed configurations'],
    ['POST', '/keys', { type: 'accountSecret', accountId: 'a' }, 'add signing keys'],
    ['POST', '/rotate-secret', {}, 'rotate signing secrets'],
    ['POST', '/rotate-callback-secret', undefined, 'rotate callback secrets'],
    ['DELETE', '/keys/key_x', undefined, 'revoke signing keys'],
  ])('gets 403 for %s%s on a visible configuration, even with manage', async (method, suffix, body, action) => {
    const res = await s.request(method, `/api/v1/embed-configs/${visible.id}${suffix}`, { token: viewer, body });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(err('forbidden', `Only owners and admins can ${action}`));
  });

  it('cannot create configurations', async () => {
    const res = await s.request('POST', '/api/v1/embed-configs', { token: viewer, body: base });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(err('forbidden', 'Only owners and admins can create embed configurations'));
  });
});

describe('embed configs: audit and secrets (C-01, C-07)', () => {
  it('records every write, with no secret in the details', async () => {
    const rows = await s.app.ctx.db.all<{ action: string; details: string }>(
      sql`SELECT action, details FROM audit_events WHERE object_type = 'embed_config'`,
    );
    const actions = new Set(rows.map((r) => r.action));
    expect([...actions].sort()).toEqual([
      'embed_config.callback_secret_rotated',
      'embed_config.created',
      'embed_config.deleted',
      'embed_config.key_added',
      'embed_config.key_revoked',
      'embed_config.secret_rotated',
      'embed_config.updated',
    ]);
    const all = rows.map((r) => r.details).join('\n');
    for (const value of issued) expect(all).not.toContain(value);
  });

  it('each secret appears in exactly one API answer', () => {
    expect(issued.length).toBeGreaterThan(15);
    for (const value of issued) expect(responses.filter((text) => text.includes(value))).toHaveLength(1);
  });

  // A scan of SQLite's file: on PostgreSQL the bytes are in the database server's own files.
  it.skipIf(TEST_DRIVER !== 'sqlite')('the database file, its WAL and the logs never hold a secret in the clear', async () => {
    const stored = Buffer.concat(sqliteFileBytes(s));
    const sealed = await s.app.ctx.db.all<{ v: string }>(sql`SELECT secret_enc AS v FROM embed_config_keys WHERE secret_enc IS NOT NULL`);
    expect(sealed.length).toBeGreaterThan(10);
    for (const { v } of sealed) expect(stored.includes(Buffer.from(v))).toBe(true);
    for (const value of issued) {
      expect(stored.includes(Buffer.from(value))).toBe(false);
      for (const line of s.logs) expect(Buffer.from(line).includes(Buffer.from(value))).toBe(false);
    }
  });
});

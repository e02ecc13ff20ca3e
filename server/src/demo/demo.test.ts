import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchDemo } from '../cli/demo.ts';
import { generateKey } from '../crypto/keyring.ts';
import { sql } from '../db/sql.ts';
import { openCliContext } from '../openContext.ts';
import { driveOAuth2Login } from '../testing/connectFlow.ts';
import { createTestDatabase, type TestDatabase } from '../testing/testDatabase.ts';
import { acmeCsp } from './acmeApp.ts';
import { seedDemo } from './demoSeed.ts';
import { freePort } from './listen.ts';
import { DEMO_ACTIVITY, seedDemoActivity } from './seedActivity.ts';
import { seedDemoWorld } from './seedWorld.ts';
import { type RunningDemo, startDemo } from './startDemo.ts';

const FREE = { patchbay: 0, acme: 0, crm: 0, crmApi: 0, mailer: 0 };
const dirs: string[] = [];
let demo: RunningDemo;
let env: Record<string, string>;

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-demo-'));
  dirs.push(dir);
  return dir;
}

/** JSON request to the demo's Patchbay. */
async function api(method: string, route: string, opts: { token?: string; body?: unknown } = {}) {
  const res = await fetch(`${demo.urls.patchbay}${route}`, {
    method,
    headers: {
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...(opts.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(opts.body === undefined ? {} : { body: JSON.stringify(opts.body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, text };
}

/** What Acme's backend answers for a user, and the session Patchbay makes of it. */
async function sessionFor(user: string) {
  const tokenRes = await fetch(`${demo.urls.acme}/api/patchbay-token?user=${user}`);
  expect(tokenRes.status).toBe(200);
  expect(tokenRes.headers.get('cache-control')).toBe('no-store');
  const token = await tokenRes.text();
  return api('POST', '/embed/api/session', { body: { token, configId: demo.seed.configId } });
}

/** A session of `user` past the consent screen (the iframe shows it before any change); answers its token. */
async function consentedSessionFor(user: string): Promise<string> {
  const s = await sessionFor(user);
  expect(s.status, s.text).toBe(200);
  const token = s.body.sessionToken as string;
  const consent = await api('POST', '/embed/api/consent', { token });
  expect(consent.status, consent.text).toBe(200);
  return token;
}

/** A GET with an explicit Host header (fetch cannot set one). */
function getWithHost(url: string, host: string): Promise<{ status: number; location: string | undefined }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { host } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location });
      })
      .on('error', reject);
  });
}

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase(tempDir());
  env = { ...database.env, PATCHBAY_ENCRYPTION_KEY: generateKey(), PATCHBAY_LOG_LEVEL: 'silent' };
  demo = await startDemo({ ports: FREE, env });
}, 60_000);

afterAll(async () => {
  await demo?.close();
  await database?.drop();
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the demo stack', () => {
  it('listens where it says: Patchbay on 127.0.0.1 with that public URL, Acme CRM on localhost (another origin)', async () => {
    expect(demo.urls.patchbay).toBe(`http://127.0.0.1:${demo.ports.patchbay}`);
    expect(demo.config.publicUrl).toBe(demo.urls.patchbay);
    expect(demo.config.allowInsecureLoopback).toBe(true);
    expect(demo.urls.acme).toBe(`http://localhost:${demo.ports.acme}`);
    expect(new URL(demo.urls.acme).origin).not.toBe(new URL(demo.urls.patchbay).origin);
    expect(await (await fetch(`${demo.urls.patchbay}/healthz`)).json()).toEqual({ status: 'ok' });
  });

  it('seeds the configuration, connectors, flows and groups the brief describes', async () => {
    const cfg = await api('GET', `/api/v1/embed-configs/${demo.seed.configId}`, { token: demo.seed.apiToken });
    expect(cfg.status, cfg.text).toBe(200);
    expect(cfg.body).toMatchObject({
      id: demo.seed.configId,
      name: 'Acme CRM › Integrations',
      sharingLevel: 'account',
      allowedOrigins: expect.arrayContaining([demo.urls.acme]),
      consent: { enabled: true, text: expect.stringContaining('Acme CRM uses Patchbay') },
      branding: { title: 'Acme CRM › Integrations', colors: expect.objectContaining({ primary: '#4f46e5' }) },
      groups: [
        {
          name: 'CRM',
          flowIds: [demo.world.flowIds.pushContacts, demo.world.flowIds.syncDeals],
          highlightedConnectors: ['crm'],
        },
        { name: 'Communication', flowIds: [demo.world.flowIds.weeklyDigest], highlightedConnectors: ['mailer'] },
      ],
      embedUrl: `${demo.urls.patchbay}/embed/${demo.seed.configId}`,
    });

    const crm = await api('GET', '/api/v1/connectors/crm', { token: demo.seed.apiToken });
    expect(crm.body).toMatchObject({
      id: 'crm',
      name: 'Demo CRM',
      authType: 'oauth2',
      baseUrl: demo.urls.crmApi,
      redirectUri: `${demo.urls.patchbay}/oauth/callback/crm`,
      oauth2: {
        authorizeUrl: `${demo.urls.crmSignIn}/auth`,
        tokenUrl: `${demo.urls.crmSignIn}/token`,
        pkce: true,
        hasClientSecret: true,
        grantType: 'authorization_code',
      },
    });
    const mailer = await api('GET', '/api/v1/connectors/mailer', { token: demo.seed.apiToken });
    expect(mailer.body).toMatchObject({
      id: 'mailer',
      name: 'Demo Mailer',
      authType: 'basic',
      baseUrl: demo.urls.mailerApi,
      validation: { method: 'GET', path: '/me', expectStatus: 200 },
    });

    const push = await api('GET', `/api/v1/flows/${demo.world.flowIds.pushContacts}`, { token: demo.seed.apiToken });
    expect(push.body).toMatchObject({
      name: 'Push new contacts to Demo CRM',
      definition: {
        slots: [{ key: 'crm', connectorId: 'crm' }],
        inputs: [
          { key: 'list', type: 'select', label: 'List', options: expect.arrayContaining([{ value: 'customers', label: 'Customers' }]) },
        ],
        trigger: { type: 'schedule', everyMinutes: 60 },
      },
    });
    const digest = await api('GET', `/api/v1/flows/${demo.world.flowIds.weeklyDigest}`, { token: demo.seed.apiToken });
    expect(digest.body).toMatchObject({
      name: 'Send a weekly digest',
      definition: { slots: [{ key: 'mailer', connectorId: 'mailer' }], inputs: [{ key: 'recipient', type: 'text', label: 'Recipient' }] },
    });
    const sync = await api('GET', `/api/v1/flows/${demo.world.flowIds.syncDeals}`, { token: demo.seed.apiToken });
    expect(sync.body.definition.slots.map((s: { connectorId: string }) => s.connectorId)).toEqual(['crm', 'mailer']);
  });

  it('gives every console page something to show: runs that succeeded and failed, a connection to reconnect, a failed callback', async () => {
    const token = demo.seed.apiToken;
    const { activity } = demo;
    expect(activity.created).toBe(true);
    const runs = await api('GET', `/api/v1/runs?integrationId=${activity.integrationId}`, { token });
    expect(runs.status, runs.text).toBe(200);
    expect(runs.body.items.map((r: { status: string }) => r.status)).toEqual(['error', 'success']);
    const failed = await api('GET', `/api/v1/runs/${activity.runIds[1]}`, { token });
    expect(failed.body).toMatchObject({
      status: 'error',
      trigger: 'schedule',
      errorCode: 'upstream_status',
      steps: [{ id: 'send', status: 'error', httpStatus: 401, requests: [{ method: 'POST', path: '/messages', status: 401 }] }],
    });
    const integration = await api('GET', `/api/v1/integrations/${activity.integrationId}`, { token });
    expect(integration.body).toMatchObject({
      flowId: demo.world.flowIds.weeklyDigest,
      status: 'enabled',
      latestRun: { id: activity.runIds[1], status: 'error' },
      bindings: { mailer: activity.connectorAuthId },
    });
    const reauth = await api('GET', '/api/v1/connector-auths?status=needs_reauth', { token });
    expect(reauth.body.items.map((a: { id: string; name: string }) => [a.id, a.name])).toEqual([
      [activity.connectorAuthId, DEMO_ACTIVITY.authName],
    ]);
    const overview = await api('GET', '/api/v1/overview', { token });
    expect(overview.body).toMatchObject({
      connectorAuths: { needsReauth: 1 },
      last24h: { runsFailed: 1, callbacksFailed: 1 },
    });
    const cli = await openCliContext(demo.config);
    try {
      const delivery = await cli.ctx.db.get<{ status: string; attempt: number; event_type: string }>(
        sql`SELECT status, attempt, event_type FROM callback_deliveries WHERE id = ${activity.callbackDeliveryId}`,
      );
      expect(delivery).toEqual({ status: 'failed', attempt: 3, event_type: 'connectorAuth.needsReauth' });
      const attempts = await cli.ctx.db.get<{ n: number }>(
        sql`SELECT count(*) AS n FROM callback_delivery_attempts WHERE delivery_id = ${activity.callbackDeliveryId} AND status_code = 503`,
      );
      expect(Number(attempts?.n)).toBe(3);
    } finally {
      await cli.close();
    }
  });

  it('seeding is idempotent: a second run over the same database finds the same ids and changes nothing', async () => {
    const cli = await openCliContext(demo.config);
    try {
      const count = () =>
        cli.ctx.db.get<Record<string, number>>(sql`SELECT
          (SELECT count(*) FROM admin_users) AS admins, (SELECT count(*) FROM api_tokens) AS tokens,
          (SELECT count(*) FROM embed_configs) AS configs, (SELECT count(*) FROM embed_config_keys) AS keys,
          (SELECT count(*) FROM connectors) AS connectors, (SELECT count(*) FROM flows) AS flows,
          (SELECT count(*) FROM embed_groups) AS groups, (SELECT count(*) FROM audit_events) AS audits,
          (SELECT count(*) FROM connector_auths) AS auths, (SELECT count(*) FROM integrations) AS integrations,
          (SELECT count(*) FROM runs) AS runs, (SELECT count(*) FROM callback_deliveries) AS deliveries`);
      const before = await count();
      const seed = await seedDemo(cli.ctx);
      const urls = {
        crm: {
          authorizeUrl: demo.crmProvider.authorizeUrl,
          tokenUrl: demo.crmProvider.tokenUrl,
          revocationUrl: demo.crmProvider.revocationUrl,
          clientId: demo.crmProvider.clientId,
          clientSecret: demo.crmProvider.clientSecret,
        },
        crmApiUrl: demo.crmApi.url,
        mailerApiUrl: demo.mailer.url,
        acmeOrigin: demo.urls.acme,
      };
      const world = await seedDemoWorld(cli.ctx, seed.adminUserId, urls);
      expect(seed).toEqual({ ...demo.seed, created: [] });
      expect(world).toEqual({ ...demo.world, changed: [] });
      expect(await seedDemoActivity(cli.ctx, seed.adminUserId, world)).toEqual({ ...demo.activity, created: false });
      expect(await count()).toEqual(before);
      expect(before).toMatchObject({ admins: 1, tokens: 1, configs: 1, keys: 1, connectors: 2, flows: 3, groups: 2 });

      // A demo started on other ports re-points the connectors, and only them.
      const moved = await seedDemoWorld(cli.ctx, seed.adminUserId, { ...urls, mailerApiUrl: 'http://127.0.0.1:1' });
      expect(moved).toEqual({ ...demo.world, changed: ['connector mailer (new URLs)'] });
      const back = await seedDemoWorld(cli.ctx, seed.adminUserId, urls);
      expect(back.changed).toEqual(['connector mailer (new URLs)']);
      expect(await count()).toMatchObject({ ...before, audits: (before?.audits ?? 0) + 2 });
    } finally {
      await cli.close();
    }
  });
});

describe('Acme CRM', () => {
  it("mints tokens Patchbay accepts for both users: one account, two users, the configuration's consent", async () => {
    const ada = await sessionFor('ada');
    const grace = await sessionFor('grace');
    expect(ada.status, ada.text).toBe(200);
    expect(grace.status, grace.text).toBe(200);
    expect(ada.body.user).toEqual({ id: 'ada', name: 'Ada Lovelace', email: 'ada@acme.example', language: null });
    expect(grace.body.user).toEqual({ id: 'grace', name: 'Grace Hopper', email: 'grace@acme.example', language: null });
    expect(ada.body.account).toEqual({ id: 'acme', name: 'Acme Inc.' });
    expect(grace.body.account).toEqual({ id: 'acme', name: 'Acme Inc.' });
    expect(ada.body.config).toMatchObject({
      id: demo.seed.configId,
      sharingLevel: 'account',
      consent: { enabled: true, given: false },
      branding: { title: 'Acme CRM › Integrations' },
    });
    expect(ada.body.sessionToken).not.toBe(grace.body.sessionToken);
  });

  it("receives Patchbay's callbacks on Acme's backend, verified with verifyCallback, and shows them on its page", async () => {
    const cfg = await api('GET', `/api/v1/embed-configs/${demo.seed.configId}`, { token: demo.seed.apiToken });
    expect(cfg.body.callbackUrl).toBe(`http://127.0.0.1:${demo.ports.acme}/api/patchbay-callbacks`);
    type Kept = { id: string; type: string; data: Record<string, unknown> };
    const kept = async () => ((await (await fetch(`${demo.urls.acme}/api/patchbay-callbacks`)).json()) as { items: Kept[] }).items;
    const before = await kept();
    // A change in the portal (here the test button) reaches Acme's backend as a signed callback.
    const test = await api('POST', `/api/v1/embed-configs/${demo.seed.configId}/test-callback`, { token: demo.seed.apiToken });
    expect(test.status, test.text).toBe(200);
    expect(test.body.attempt.statusCode).toBe(204);
    await consentedSessionFor('grace');
    const end = Date.now() + 15_000;
    let items: Kept[] = [];
    while (Date.now() < end) {
      items = await kept();
      if (items.some((c) => c.type === 'consent.given' && c.data.userId === 'grace')) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(items.length).toBeGreaterThan(before.length);
    expect(items.find((c) => c.id === test.body.delivery.id)?.type).toBe('ping');
    expect(items.find((c) => c.type === 'consent.given')?.data).toMatchObject({
      configId: demo.seed.configId,
      userId: 'grace',
      accountId: 'acme',
    });
    // A forged one is refused.
    const forged = await fetch(`${demo.urls.acme}/api/patchbay-callbacks`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_x',
        'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
        'webhook-signature': 'v1,AAAA',
      },
      body: JSON.stringify({ type: 'ping', timestamp: new Date().toISOString(), data: {} }),
    });
    expect(forged.status).toBe(400);
    const html = await (await fetch(`${demo.urls.acme}/`)).text();
    expect(html).toContain('<ol id="callbacks"');
    expect(html).toContain('<script src="/acme-callbacks.js" defer></script>');
    const js = await (await fetch(`${demo.urls.acme}/acme-callbacks.js`)).text();
    expect(js).toContain("fetch('/api/patchbay-callbacks'");
  });

  it('refuses to mint a token for an unknown user', async () => {
    const res = await fetch(`${demo.urls.acme}/api/patchbay-token?user=mallory`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('Unknown demo user; use one of: ada, grace');
  });

  it('serves a page that loads the SDK from Patchbay and mounts the portal with the configuration id, under a tight CSP', async () => {
    const res = await fetch(`${demo.urls.acme}/`);
    expect(res.status).toBe(200);
    const patchbay = demo.urls.patchbay;
    expect(res.headers.get('content-security-policy')).toBe(acmeCsp(patchbay));
    expect(acmeCsp(patchbay)).toContain(`script-src 'self' ${patchbay};`);
    expect(acmeCsp(patchbay)).toContain(`frame-src ${patchbay};`);
    const html = await res.text();
    expect(html).toContain(`<script src="${patchbay}/sdk/v1/patchbay.js"></script>`);
    expect(html).toContain(`<meta name="patchbay-config-id" content="${demo.seed.configId}">`);
    expect(html).toContain(`<meta name="patchbay-url" content="${patchbay}">`);
    expect(html).toContain('<div id="integrations"');
    expect(html).toContain('<option value="ada">Ada Lovelace</option><option value="grace">Grace Hopper</option>');
    expect(html).toContain('<ol id="events"');
    expect(html).not.toMatch(/<script>(?!\s*\n?\s*const portal)/); // no inline script (the snippet is escaped text)
    expect(html).not.toMatch(/https?:\/\/(?!127\.0\.0\.1|localhost)[a-z]/i); // no external resource

    const js = await (await fetch(`${demo.urls.acme}/acme.js`)).text();
    expect(js).toContain('window.Patchbay.mountPortal({');
    expect(js).toContain("container: '#integrations'");
    expect(js).toContain("meta('patchbay-config-id')");
    expect(js).toContain("fetch('/api/patchbay-token?user=' + encodeURIComponent(user))");
    expect(js).toContain('portal.destroy()');
    // The language and theme switches drive the mounted portal at runtime.
    expect(html).toContain(
      '<select id="lang"><option value="">Browser</option><option value="en">English</option><option value="de">Deutsch</option></select>',
    );
    expect(html).toContain(
      '<select id="theme"><option value="light">Light</option><option value="dark">Dark</option><option value="auto">System</option></select>',
    );
    expect(js).toContain('portal.setLanguage(langSelect.value)');
    expect(js).toContain('portal.setTheme({ mode: themeSelect.value })');
    const css = await fetch(`${demo.urls.acme}/acme.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
  });

  it('sends a visit on 127.0.0.1 to localhost, the origin Patchbay allows', async () => {
    const res = await getWithHost(`http://127.0.0.1:${demo.ports.acme}/`, `127.0.0.1:${demo.ports.acme}`);
    expect(res).toEqual({ status: 302, location: `${demo.urls.acme}/` });
  });
});

describe('Demo Mailer and Demo CRM', () => {
  it('lists both connectors to the end user', async () => {
    const s = await sessionFor('ada');
    const res = await api('GET', '/embed/api/connectors', { token: s.body.sessionToken });
    expect(res.status, res.text).toBe(200);
    expect(res.body.items.map((c: { id: string; name: string; authType: string }) => [c.id, c.name, c.authType])).toEqual([
      ['crm', 'Demo CRM', 'oauth2'],
      ['mailer', 'Demo Mailer', 'basic'],
    ]);
  });

  it('the Demo Mailer connector refuses wrong credentials and accepts the documented ones', async () => {
    const token = await consentedSessionFor('grace');
    const wrong = await api('POST', '/embed/api/connector-auths', {
      token,
      body: { connectorId: 'mailer', values: { username: 'demo', password: 'wrong-password' } },
    });
    expect(wrong.status, wrong.text).toBe(422);
    expect(wrong.body).toEqual({
      error: {
        code: 'unprocessable',
        message: 'The service refused these credentials (HTTP 401).',
        requestId: expect.any(String),
        details: { upstreamStatus: 401 },
      },
    });
    const right = await api('POST', '/embed/api/connector-auths', {
      token,
      body: { connectorId: 'mailer', values: { username: 'demo', password: 'demo-password' } },
    });
    expect(right.status, right.text).toBe(201);
    expect(right.body).toMatchObject({ connectorId: 'mailer', status: 'active', sharingLevel: 'account', ownedByMe: true });
  });

  it('connects a Demo CRM account through the real sign-in pages, and the Demo CRM API accepts its token', async () => {
    const token = await consentedSessionFor('ada');
    const ticket = await api('POST', '/embed/api/connect-tickets', { token, body: { connectorId: 'crm' } });
    expect(ticket.status, ticket.text).toBe(201);
    const run = await driveOAuth2Login(ticket.body.url, { login: 'ada@crm.example' });
    expect(run.authorizeUrl.startsWith(`${demo.urls.crmSignIn}/auth?`)).toBe(true);
    expect(new URL(run.authorizeUrl).searchParams.get('code_challenge_method')).toBe('S256');
    expect(run.submitted).toEqual(['login', 'consent']);
    expect(run.response?.status).toBe(200);
    const status = await api('GET', `/embed/api/connect-tickets/${ticket.body.id}`, { token });
    expect(status.body).toMatchObject({ status: 'success', connectorAuthId: expect.stringMatching(/^ca_/) });
    const auths = await api('GET', '/embed/api/connector-auths?connectorId=crm', { token });
    expect(auths.body.items).toEqual([expect.objectContaining({ id: status.body.connectorAuthId, status: 'active' })]);
    // The stored token works at the Demo CRM API, through Patchbay's proxy.
    const contacts = await api('GET', `/api/v1/proxy/${status.body.connectorAuthId}/contacts`, { token: demo.seed.apiToken });
    expect(contacts.status, contacts.text).toBe(200);
    expect(contacts.body.items).toContainEqual({ id: 'c1', name: 'Grace Hopper', email: 'grace@example.test', list: 'customers' });
    expect(demo.crmApi.calls.at(-1)).toEqual({ method: 'GET', path: '/contacts', authorized: true });
  });

  it('the Demo CRM authorize URL answers (redirects to its sign-in page) and its API refuses calls without a token', async () => {
    const res = await fetch(`${demo.urls.crmSignIn}/auth?client_id=patchbay-demo&response_type=code&scope=openid`, { redirect: 'manual' });
    expect(res.status).toBeLessThan(500);
    const api401 = await fetch(`${demo.urls.crmApi}/contacts`);
    expect(api401.status).toBe(401);
    const mailer401 = await fetch(`${demo.urls.mailerApi}/me`, { headers: { authorization: `Basic ${btoa('demo:nope')}` } });
    expect(mailer401.status).toBe(401);
    const mailerOk = await fetch(`${demo.urls.mailerApi}/me`, { headers: { authorization: `Basic ${btoa('demo:demo-password')}` } });
    expect(mailerOk.status).toBe(200);
  });
});

// The command keeps its data (and its generated key) in files, so it runs on SQLite whatever the test driver.
describe('patchbay demo (the command)', () => {
  it('prints where to open, the admin login, the Demo CRM and Demo Mailer hints; a second run reuses the data', async () => {
    const dir = tempDir();
    // Fixed (free) ports, the same for both runs, as a newcomer's two runs would have.
    const cmdEnv = {
      PATCHBAY_DB: path.join(dir, 'demo.db'),
      PORT: String(await freePort()),
      PATCHBAY_DEMO_ACME_PORT: String(await freePort()),
      PATCHBAY_DEMO_CRM_PORT: String(await freePort()),
      PATCHBAY_DEMO_CRM_API_PORT: String(await freePort()),
      PATCHBAY_DEMO_MAILER_PORT: String(await freePort()),
      PATCHBAY_LOG_LEVEL: 'silent',
    };
    const runOnce = async () => {
      const out: string[] = [];
      const err: string[] = [];
      const running = await launchDemo(cmdEnv, { out: (t) => out.push(t), err: (t) => err.push(t) });
      await running.close();
      return { running, out: out.join('\n'), err: err.join('\n') };
    };
    const first = await runOnce();
    const { running, out } = first;
    expect(first.err).toContain('generated a new encryption key for this demo');
    expect(fs.existsSync(path.join(dir, 'demo.key'))).toBe(true);
    expect(first.err).toContain('Seeded: admin, api token, embed configuration, connector crm, connector mailer');
    expect(running.urls.acme).toBe(`http://localhost:${cmdEnv.PATCHBAY_DEMO_ACME_PORT}`);
    expect(running.urls.patchbay).toBe(`http://127.0.0.1:${cmdEnv.PORT}`);
    expect(out).toContain(`▶ Open Acme CRM:      ${running.urls.acme}`);
    expect(out).toContain(`Patchbay:             ${running.urls.patchbay}`);
    expect(out).toContain(`▶ Admin console:      http://127.0.0.1:${cmdEnv.PORT}/admin`);
    expect(out).toContain(`Admin login:          ${running.seed.adminEmail}`);
    expect(out).toContain(`Admin password:       ${running.seed.adminPassword}`);
    expect(running.seed.adminPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(out).toContain(`API token:            ${running.seed.apiToken}`);
    expect(out).toContain(`Embed configuration:  ${running.seed.configId}`);
    expect(out).toContain('accepts any login and password');
    expect(out).toContain('username "demo", password "demo-password"');
    expect(out).toContain('Ctrl+C');

    const second = await runOnce();
    expect(second.err).toContain('Using the demo encryption key saved in');
    expect(second.err).toContain('Demo data was seeded before; reusing it.');
    expect(second.running.seed).toEqual({ ...running.seed, created: [] });
    expect(second.out).toContain(`Admin password:       ${running.seed.adminPassword}`);
  }, 60_000);
});

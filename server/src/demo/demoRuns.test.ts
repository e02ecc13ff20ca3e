/**
 * The demo's flows really run (docs/runs.md; README "Demo"): on the seeded demo, with a Demo CRM
 * account connected through the real sign-in pages and the Demo Mailer's documented credentials,
 * "Run now" of each demo flow ends `success` against the Demo CRM API and the Demo Mailer, run by
 * the worker `patchbay serve` starts; "Sync deals" runs every minute from the moment it is enabled.
 * A database seeded by an older demo gets today's flow definitions pushed as a new version.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKey } from '../crypto/keyring.ts';
import { sql } from '../db/sql.ts';
import { openCliContext } from '../openContext.ts';
import { driveOAuth2Login } from '../testing/connectFlow.ts';
import { createTestDatabase, TEST_DRIVER, type TestDatabase } from '../testing/testDatabase.ts';
import { DEMO_MAILER_CREDENTIALS } from './demoMailerApi.ts';
import { seedDemo } from './demoSeed.ts';
import { DEMO_WORLD, seedDemoWorld } from './seedWorld.ts';
import { type RunningDemo, startDemo } from './startDemo.ts';

const FREE = { patchbay: 0, acme: 0, crm: 0, crmApi: 0, mailer: 0 };
let dir: string;
let database: TestDatabase;
let demo: RunningDemo;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-demo-runs-'));
  database = await createTestDatabase(dir);
  demo = await startDemo({ ports: FREE, env: { ...database.env, PATCHBAY_ENCRYPTION_KEY: generateKey(), PATCHBAY_LOG_LEVEL: 'silent' } });
}, 60_000);
afterAll(async () => {
  await demo?.close();
  await database?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

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

/** A session of an Acme user as the Acme page gets it, past the consent screen. */
async function sessionOf(user: string): Promise<string> {
  const token = await (await fetch(`${demo.urls.acme}/api/patchbay-token?user=${user}`)).text();
  const s = await api('POST', '/embed/api/session', { body: { token, configId: demo.seed.configId } });
  expect(s.status, s.text).toBe(200);
  const consent = await api('POST', '/embed/api/consent', { token: s.body.sessionToken });
  expect(consent.status, consent.text).toBe(200);
  return s.body.sessionToken as string;
}

async function runToEnd(token: string, integrationId: string) {
  const started = await api('POST', `/embed/api/integrations/${integrationId}/runs`, { token });
  expect(started.status, started.text).toBe(202);
  const runId = started.body.run.id as string;
  const deadline = Date.now() + 20_000;
  for (;;) {
    const r = await api('GET', `/embed/api/runs/${runId}`, { token });
    expect(r.status, r.text).toBe(200);
    if (r.body.status !== 'queued' && r.body.status !== 'running') return r.body;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish: ${r.text}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe(`the demo's flows run (${TEST_DRIVER})`, () => {
  it('Run now of every demo flow succeeds against the Demo CRM API and the Demo Mailer; Sync deals is due a minute after enabling', async () => {
    const ada = await sessionOf('ada');
    const ticket = await api('POST', '/embed/api/connect-tickets', { token: ada, body: { connectorId: DEMO_WORLD.crm } });
    expect(ticket.status, ticket.text).toBe(201);
    await driveOAuth2Login(ticket.body.url, { login: 'ada@crm.example' });
    const connected = await api('GET', `/embed/api/connect-tickets/${ticket.body.id}`, { token: ada });
    expect(connected.body).toMatchObject({ status: 'success' });
    const crm = connected.body.connectorAuthId as string;
    const mailerAuth = await api('POST', '/embed/api/connector-auths', {
      token: ada,
      body: { connectorId: DEMO_WORLD.mailer, values: { ...DEMO_MAILER_CREDENTIALS } },
    });
    expect(mailerAuth.status, mailerAuth.text).toBe(201);
    const mailer = mailerAuth.body.id as string;
    const { flowIds } = demo.world;

    // Sync deals: the default recipient is enough; its first scheduled run is a minute away
    const enabledAt = Date.now();
    const sync = await api('POST', '/embed/api/integrations', {
      token: ada,
      body: { flowId: flowIds.syncDeals, bindings: { crm, mailer } },
    });
    expect(sync.status, sync.text).toBe(201);
    const due = Date.parse(sync.body.nextRunAt) - enabledAt;
    expect(due).toBeGreaterThan(55_000);
    expect(due).toBeLessThanOrEqual(61_000);
    const synced = await runToEnd(ada, sync.body.id);
    expect(synced).toMatchObject({
      trigger: 'manual',
      status: 'success',
      steps: [
        { id: 'contacts', status: 'success', httpStatus: 200 },
        { id: 'summary', status: 'success', httpStatus: 201 },
      ],
    });
    expect(demo.mailer.sent.at(-1)).toMatchObject({
      to: 'sales@acme.example',
      subject: 'Deals synced',
      text: '2 contacts synced from Demo CRM.',
    });

    const push = await api('POST', '/embed/api/integrations', {
      token: ada,
      body: { flowId: flowIds.pushContacts, bindings: { crm }, inputs: { list: 'leads' } },
    });
    expect(push.status, push.text).toBe(201);
    expect((await runToEnd(ada, push.body.id)).status).toBe('success');
    expect(demo.crmApi.calls.filter((c) => c.method === 'POST' && c.path === '/contacts').at(-1)).toEqual({
      method: 'POST',
      path: '/contacts',
      authorized: true,
    });

    // The demo's activity already enabled the Weekly digest for the account (bound to the Mailer
    // connection that needs reconnecting): Grace, of the same account, binds it to the working one.
    const grace = await sessionOf('grace');
    const digest = await api('PATCH', `/embed/api/integrations/${demo.activity.integrationId}`, {
      token: grace,
      body: { bindings: { mailer }, inputs: { recipient: 'grace@acme.example' } },
    });
    expect(digest.status, digest.text).toBe(200);
    expect(digest.body.nextRunAt).not.toBeNull();
    expect((await runToEnd(grace, digest.body.id)).status).toBe('success');
    expect(demo.mailer.sent.at(-1)).toMatchObject({ to: 'grace@acme.example', subject: 'Your weekly Acme CRM digest' });

    // the runs show in the iframe's history, newest first
    const history = await api('GET', `/embed/api/integrations/${sync.body.id}/runs`, { token: ada });
    expect(history.body.items.map((r: { trigger: string; status: string }) => [r.trigger, r.status])).toEqual([['manual', 'success']]);
  }, 60_000);

  it('a database seeded by an older demo gets today\u2019s flow definitions as a new version, pushed to its integrations', async () => {
    const cli = await openCliContext(demo.config);
    try {
      const { syncDeals } = demo.world.flowIds;
      const old = { slots: [], inputs: [], trigger: { type: 'schedule', everyMinutes: 15 }, steps: [] };
      const current = await cli.ctx.db.get<{ v: number }>(sql`SELECT current_version AS v FROM flows WHERE id = ${syncDeals}`);
      const v = (current?.v ?? 0) + 1;
      await cli.ctx.db.run(sql`INSERT INTO flow_versions (flow_id, version, definition, created_at)
        VALUES (${syncDeals}, ${v}, ${JSON.stringify(old)}, ${new Date().toISOString()})`);
      await cli.ctx.db.run(sql`UPDATE flows SET current_version = ${v} WHERE id = ${syncDeals}`);
      const seed = await seedDemo(cli.ctx);
      const world = await seedDemoWorld(cli.ctx, seed.adminUserId, {
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
      });
      expect(world.changed).toEqual(['flow "Sync deals" (new version)']);
      const flow = await api('GET', `/api/v1/flows/${syncDeals}`, { token: demo.seed.apiToken });
      expect(flow.body).toMatchObject({ version: v + 1, definition: { trigger: { type: 'schedule', everyMinutes: 1 } } });
      const moved = await cli.ctx.db.all<{ flow_version: number }>(sql`SELECT flow_version FROM integrations WHERE flow_id = ${syncDeals}`);
      expect(moved.map((r) => r.flow_version)).toEqual([v + 1]);
    } finally {
      await cli.close();
    }
  });
});

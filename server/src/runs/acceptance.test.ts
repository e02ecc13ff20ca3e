/**
 * Acceptance of issue 9 (runs) and the run events of issue 10 (callbacks), through a real server,
 * a real worker, a real loopback upstream and a real callback receiver, on the test driver:
 * - no credential (API key, basic password, OAuth access and refresh token, password input) in
 *   any run answer (vendor and embed), end-user log, server log, callback, or the database in the
 *   clear (SQLite: the file's bytes; PostgreSQL: every table's rows as text); no run body in a
 *   `run.succeeded` / `run.failed` callback;
 * - another account's or configuration's end user gets 404 for a run and its integration;
 * - Liquid's include/render/layout and prototype/process probes are refused or render nothing in a
 *   real run; a million loops or 100 MB of output fail that run with `template_limit` while the
 *   server keeps answering.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CallbackWorker, startCallbackWorker } from '../callbacks/worker.ts';
import { findEndUserByIdentity } from '../db/repos/endUsers.ts';
import { sql } from '../db/sql.ts';
import { createLogger } from '../log.ts';
import { newCallbackSecret, sealCallbackSecret } from '../services/embed/configs.ts';
import { insertConnector, insertConnectorAuth, insertFlow, insertGroup } from '../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture, type EmbedFixture } from '../testing/embedFixtures.ts';
import { sqliteFileBytes, startTestServer, type TestServer } from '../testing/harness.ts';
import { TEST_DRIVER } from '../testing/testDatabase.ts';
import { type ReceivedRequest, startUpstream, type TestUpstream } from '../testing/upstream.ts';
import { RunWorker } from './worker.ts';

const API_KEY = 'CANARY-apikey-9001';
const BASIC_PASSWORD = 'CANARY-basicpw-9002';
const ACCESS_TOKEN = 'CANARY-access-9003';
const REFRESH_TOKEN = 'CANARY-refresh-9004';
const PASSWORD_INPUT = 'CANARY-pwinput-9005';
/** What the upstream puts in its answers: run data, which a callback never carries. */
const BODY_MARK = 'BODYMARK-answer-9006';
/** A trigger payload: run data too. */
const PAYLOAD_MARK = 'PAYLOADMARK-9007';
const SECRETS = [API_KEY, BASIC_PASSWORD, ACCESS_TOKEN, REFRESH_TOKEN, PASSWORD_INPUT];
/** Each secret as sent: plain, and inside the Basic header's base64. */
const FORMS = [...SECRETS, Buffer.from(`ada:${BASIC_PASSWORD}`).toString('base64')];

let s: TestServer;
let upstream: TestUpstream;
let worker: RunWorker;
let callbacks: CallbackWorker;
let receiver: http.Server;
let receiverUrl: string;
const received: { headers: http.IncomingHttpHeaders; body: string }[] = [];

function echo(r: ReceivedRequest, res: http.ServerResponse): void {
  res.setHeader('content-type', 'application/json');
  if (r.url.startsWith('/fail')) res.statusCode = 400;
  // an upstream that echoes what it got: headers (with the injected credential) and the body
  res.end(JSON.stringify({ mark: BODY_MARK, headers: r.headers, got: r.body.toString('utf8'), access_token: ACCESS_TOKEN }));
}

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000', PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true' } });
  upstream = await startUpstream((r, res) => echo(r, res));
  for (const [id, authType] of [
    ['key', 'api_key'],
    ['basic', 'basic'],
    ['oauth', 'oauth2'],
  ] as const) {
    await insertConnector(s.app.ctx, { id, name: `Conn ${id}`, authType });
    await s.app.ctx.db.run(sql`UPDATE connectors SET base_url = ${upstream.url} WHERE id = ${id}`);
  }
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/patchbay`;
  worker = new RunWorker({ app: s.app.ctx, clock: s.app.ctx.clock, log: createLogger('silent') }, { pollMs: 50, scheduleEveryMs: null });
  worker.start();
  callbacks = startCallbackWorker(s.app.ctx, { pollMs: 20, random: () => 0.5 });
});
afterAll(async () => {
  await callbacks?.stop();
  await worker?.stop(2_000);
  await upstream?.close();
  await new Promise((resolve) => receiver.close(resolve));
  await s?.close();
});

async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function session(fx: EmbedFixture, userId: string, accountId: string): Promise<string> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: userId, embed_account_id: accountId }) },
  });
  expect(res.status, res.text).toBe(200);
  await acceptConsent(s, res.body.sessionToken, res.body);
  return res.body.sessionToken as string;
}

async function finished(token: string, runId: string): Promise<Record<string, any>> {
  return until(`run ${runId} to finish`, async () => {
    const r = await s.request('GET', `/embed/api/runs/${runId}`, { token });
    expect(r.status, r.text).toBe(200);
    return ['success', 'error', 'canceled'].includes(r.body.status) ? (r.body as Record<string, any>) : undefined;
  });
}

function expectNoSecret(where: string, text: string): void {
  for (const f of FORMS) expect(text.includes(f), `${where} holds ${f}`).toBe(false);
}

/** Every row of every table of the database, as text (PostgreSQL), for the scan for plaintext secrets. */
async function postgresText(): Promise<string> {
  const tables = await s.app.ctx.db.all<{ table_name: string }>(
    sql`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
  );
  expect(tables.length).toBeGreaterThan(10);
  const parts: string[] = [];
  for (const { table_name } of tables) {
    const rows = await s.app.ctx.db.all<{ t: string }>(sql`SELECT t::text AS t FROM ${sql.raw(`"${table_name}"`)} t`);
    parts.push(...rows.map((r) => r.t));
  }
  return parts.join('\n');
}

interface World {
  fx: EmbedFixture;
  token: string;
  endUserId: string;
}

async function world(withCallbacks = false): Promise<World> {
  const fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'] });
  if (withCallbacks) {
    await s.app.ctx.db.run(sql`UPDATE embed_configs SET callback_url = ${receiverUrl},
      callback_secret_enc = ${sealCallbackSecret(s.app.ctx, fx.configId, newCallbackSecret())} WHERE id = ${fx.configId}`);
  }
  const token = await session(fx, 'ada', 'acme');
  const row = await findEndUserByIdentity(s.app.ctx.db, fx.configId, 'acme', 'ada');
  if (!row) throw new Error('no end user');
  return { fx, token, endUserId: row.id };
}

async function enable(w: World, definition: Record<string, unknown>, bindings: Record<string, string>, inputs = {}): Promise<string> {
  const flow = await insertFlow(s.app.ctx, { name: 'Acceptance', definition: { inputs: [], trigger: { type: 'manual' }, ...definition } });
  await insertGroup(s.app.ctx, w.fx.configId, { name: `G ${flow}`, flowIds: [flow] });
  const created = await s.request('POST', '/embed/api/integrations', { token: w.token, body: { flowId: flow, bindings, inputs } });
  expect(created.status, created.text).toBe(201);
  return created.body.id as string;
}

async function runNow(w: World, integrationId: string): Promise<string> {
  const started = await s.request('POST', `/embed/api/integrations/${integrationId}/runs`, { token: w.token });
  expect(started.status, started.text).toBe(202);
  return started.body.run.id as string;
}

describe(`run acceptance on ${TEST_DRIVER}: secrets`, () => {
  it('no credential in any run answer, end-user log, server log, callback or the database; no run body in a run callback', async () => {
    const w = await world(true);
    const auth = async (connectorId: string, credentials: Record<string, unknown>) =>
      insertConnectorAuth(s.app.ctx, { configId: w.fx.configId, connectorId, endUserId: w.endUserId, accountId: 'acme', credentials });
    const bindings = {
      k: await auth('key', { type: 'api_key', apiKey: API_KEY, fields: {} }),
      b: await auth('basic', { type: 'basic', username: 'ada', password: BASIC_PASSWORD, fields: {} }),
      o: await auth('oauth', {
        type: 'oauth2',
        accessToken: ACCESS_TOKEN,
        refreshToken: REFRESH_TOKEN,
        tokenType: 'bearer',
        expiresAt: null,
        scope: null,
      }),
    };
    const slots = [
      { key: 'k', connectorId: 'key', label: 'Key' },
      { key: 'b', connectorId: 'basic', label: 'Basic' },
      { key: 'o', connectorId: 'oauth', label: 'OAuth' },
    ];
    const inputs = [{ key: 'token', type: 'password', label: 'Token' }];
    const step = (slot: string, path: string) => ({
      id: `s${slot}`,
      type: 'http',
      slot,
      method: 'POST',
      path: `${path}?token={{ inputs.token }}`,
      body: { token: '{{ inputs.token }}', again: 'x {{ inputs.token }} y' },
    });
    const endUserLog = {
      overview: [{ status: '{{ status }}', numberOfRecords: 1 }],
      details: [{ entity: 'echo', status: 'success', numberOfRecords: 1 }],
      errors: [
        {
          id: '{{ steps.sk.body.headers["x-api-key"] }}',
          error:
            '{{ steps.sb.body.headers.authorization }} {{ steps.so.body.headers.authorization }} {{ steps.so.body.got }} {{ inputs.token }}',
          entity: 'echo',
        },
      ],
    };
    const ok = await enable(w, { slots, inputs, endUserLog, steps: [step('k', '/ok'), step('b', '/ok'), step('o', '/ok')] }, bindings, {
      token: PASSWORD_INPUT,
    });
    const bad = await enable(w, { slots, inputs, steps: [step('k', '/ok'), step('o', '/fail')] }, bindings, { token: PASSWORD_INPUT });

    const okRun = await runNow(w, ok);
    const owner = await s.adminToken();
    const adminRun = await s.request('POST', `/api/v1/integrations/${bad}/runs`, {
      token: owner,
      body: { payload: { note: PAYLOAD_MARK } },
    });
    expect(adminRun.status, adminRun.text).toBe(202);
    const badRun = adminRun.body.run.id as string;

    const okDone = await finished(w.token, okRun);
    const badDone = await finished(w.token, badRun);
    expect([okDone.status, badDone.status, badDone.errorCode]).toEqual(['success', 'error', 'upstream_status']);

    // the upstream really got every credential and the password input (so the scans below can fail)
    const sent = JSON.stringify(upstream.received.map((r) => [r.url, r.headers, r.body.toString('utf8')]));
    for (const f of FORMS.filter((x) => x !== BASIC_PASSWORD && x !== REFRESH_TOKEN)) expect(sent).toContain(f);

    // every run answer, vendor and embed, detail and list; the end-user log is in the details
    const answers = [
      await s.request('GET', `/embed/api/runs/${okRun}`, { token: w.token }),
      await s.request('GET', `/embed/api/runs/${badRun}`, { token: w.token }),
      await s.request('GET', `/embed/api/integrations/${ok}/runs`, { token: w.token }),
      await s.request('GET', `/embed/api/integrations/${bad}/runs`, { token: w.token }),
      await s.request('GET', `/api/v1/runs/${okRun}`, { token: owner }),
      await s.request('GET', `/api/v1/runs/${badRun}`, { token: owner }),
      await s.request('GET', `/api/v1/runs?configId=${w.fx.configId}`, { token: owner }),
      await s.request('GET', `/api/v1/integrations/${ok}`, { token: owner }),
    ];
    for (const a of answers) {
      expect(a.status, a.text).toBe(200);
      expectNoSecret('a run answer', a.text);
    }
    const vendorDetail = answers[4]?.body as { endUserLog: { errors: { id: string; error: string }[] } | null };
    // the end-user log was rendered (over the echoed credentials), redacted
    expect(vendorDetail.endUserLog?.errors).toHaveLength(1);
    expect(vendorDetail.endUserLog?.errors[0]?.error).toContain('[redacted]');
    expectNoSecret('the end-user log', JSON.stringify(vendorDetail.endUserLog));
    expectNoSecret('the embed end-user log', JSON.stringify(answers[0]?.body));

    // run callbacks: delivered, with ids and statuses only (no credential, no answer body)
    const runEvents = await until('run.succeeded and run.failed delivered', async () => {
      const bodies = received.map((r) => JSON.parse(r.body) as { type: string; data: Record<string, unknown> });
      const ofRuns = bodies.filter((b) => b.type === 'run.succeeded' || b.type === 'run.failed');
      return ofRuns.length >= 2 ? ofRuns : undefined;
    });
    expect(runEvents.map((e) => [e.type, e.data.runId]).sort()).toEqual(
      [
        ['run.failed', badRun],
        ['run.succeeded', okRun],
      ].sort(),
    );
    const allCallbacks = JSON.stringify(received);
    expectNoSecret('a callback', allCallbacks);
    expect(allCallbacks).not.toContain(BODY_MARK);
    expect(allCallbacks).not.toContain(PAYLOAD_MARK);

    // the server's log
    expect(s.logs.length).toBeGreaterThan(0);
    expectNoSecret('the server log', s.logs.join('\n'));

    // the database in the clear
    if (TEST_DRIVER === 'sqlite') {
      const files = sqliteFileBytes(s, 'TRUNCATE');
      expect(files.some((bytes) => bytes.includes(Buffer.from(okRun)))).toBe(true);
      for (const [i, bytes] of files.entries()) {
        for (const f of FORMS) expect(bytes.includes(Buffer.from(f)), `file ${i}: ${f}`).toBe(false);
      }
    } else {
      const text = await postgresText();
      expect(text).toContain(okRun);
      expectNoSecret('a PostgreSQL table', text);
    }
  });
});

describe(`run acceptance on ${TEST_DRIVER}: admin and retry triggers`, () => {
  it('an admin run and its retry each call the upstream with the templated request and the injected credential', async () => {
    const w = await world();
    const auth = await insertConnectorAuth(s.app.ctx, {
      configId: w.fx.configId,
      connectorId: 'key',
      endUserId: w.endUserId,
      accountId: 'acme',
      credentials: { type: 'api_key', apiKey: 'trigger-key', fields: {} },
    });
    const id = await enable(
      w,
      {
        slots: [{ key: 'k', connectorId: 'key', label: 'K' }],
        steps: [
          { id: 's', type: 'http', slot: 'k', method: 'POST', path: '/trig/{{ embed.user_id }}', body: { n: '{{ trigger.payload.n }}' } },
        ],
      },
      { k: auth },
    );
    const owner = await s.adminToken();
    const first = await s.request('POST', `/api/v1/integrations/${id}/runs`, { token: owner, body: { payload: { n: 7 } } });
    expect(first.status, first.text).toBe(202);
    const firstId = first.body.run.id as string;
    expect((await finished(w.token, firstId)).status).toBe('success');
    const retried = await s.request('POST', `/api/v1/runs/${firstId}/retry`, { token: owner });
    expect(retried.status, retried.text).toBe(202);
    const retryId = retried.body.run.id as string;
    const done = await finished(w.token, retryId);
    expect([done.status, done.trigger]).toEqual(['success', 'retry']);
    const calls = upstream.received.filter((r) => r.url.startsWith('/trig/'));
    expect(calls.map((r) => [r.url, r.headers['x-api-key'], r.headers['idempotency-key'], JSON.parse(r.body.toString('utf8'))])).toEqual([
      ['/trig/ada', 'trigger-key', `${firstId}.s`, { n: 7 }],
      ['/trig/ada', 'trigger-key', `${retryId}.s`, { n: 7 }],
    ]);
  });
});

describe(`run acceptance on ${TEST_DRIVER}: isolation`, () => {
  it('another account’s or configuration’s end user gets 404 for the run and its integration', async () => {
    const w = await world();
    const auth = await insertConnectorAuth(s.app.ctx, {
      configId: w.fx.configId,
      connectorId: 'key',
      endUserId: w.endUserId,
      accountId: 'acme',
      credentials: { type: 'api_key', apiKey: 'iso-key', fields: {} },
    });
    const id = await enable(
      w,
      { slots: [{ key: 'k', connectorId: 'key', label: 'K' }], steps: [{ id: 's', type: 'http', slot: 'k', method: 'GET', path: '/ok' }] },
      { k: auth },
    );
    const runId = await runNow(w, id);
    expect((await finished(w.token, runId)).status).toBe('success');

    const otherAccount = await session(w.fx, 'ada', 'globex');
    const other = await world();
    for (const token of [otherAccount, other.token]) {
      for (const [method, path] of [
        ['GET', `/embed/api/runs/${runId}`],
        ['GET', `/embed/api/integrations/${id}/runs`],
        ['POST', `/embed/api/integrations/${id}/runs`],
      ] as const) {
        const res = await s.request(method, path, { token });
        expect([path, res.status, res.body?.error?.code]).toEqual([path, 404, 'not_found']);
      }
    }
    const count = await s.app.ctx.db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM runs WHERE integration_id = ${id}`);
    expect(Number(count?.n)).toBe(1);
  });
});

describe(`run acceptance on ${TEST_DRIVER}: Liquid in a real run`, () => {
  let w: World;
  let auth: string;
  beforeAll(async () => {
    w = await world();
    auth = await insertConnectorAuth(s.app.ctx, {
      configId: w.fx.configId,
      connectorId: 'key',
      endUserId: w.endUserId,
      accountId: 'acme',
      credentials: { type: 'api_key', apiKey: 'liquid-key', fields: {} },
    });
  });
  const flowOf = (path: string, body?: Record<string, unknown>) => ({
    slots: [{ key: 'k', connectorId: 'key', label: 'K' }],
    steps: [{ id: 's', type: 'http', slot: 'k', method: body ? 'POST' : 'GET', path, ...(body ? { body } : {}) }],
  });

  it('include, render and layout fail the run with template_error; prototype and process probes render nothing', async () => {
    for (const tag of ['{% include "/etc/passwd" %}', '{% render "secrets" %}', '{% layout "base" %}']) {
      const id = await enable(w, flowOf(`/tag${tag}`), { k: auth });
      const done = await finished(w.token, await runNow(w, id));
      expect([tag, done.status, done.errorCode]).toEqual([tag, 'error', 'template_error']);
    }
    expect(upstream.received.filter((r) => r.url.startsWith('/tag'))).toEqual([]);

    const probes = {
      a: '{{ inputs.constructor }}',
      b: '{{ inputs.__proto__ }}',
      c: '{{ run.constructor.constructor }}',
      d: '{{ process }}{{ process.env }}{{ process.env.PATH }}',
      e: '{{ trigger.constructor.name }}{{ embed.user_id.constructor.name }}',
      f: '{{ global }}{{ globalThis }}{{ require }}',
    };
    const id = await enable(w, flowOf('/probe{{ process.env.HOME }}{{ inputs.constructor }}', probes), { k: auth });
    const done = await finished(w.token, await runNow(w, id));
    expect(done.status).toBe('success');
    const got = upstream.received.filter((r) => r.url.startsWith('/probe'));
    expect(got.map((r) => r.url)).toEqual(['/probe']);
    expect(JSON.parse(got[0]?.body.toString('utf8') ?? '')).toEqual({ a: null, b: null, c: null, d: '', e: '', f: '' });
  });

  it('a million loops or 100 MB of output fail that run with template_limit, and the server keeps answering', async () => {
    const loop = await enable(w, flowOf('/loop{% for i in (1..1000000) %}{% for j in (1..10) %}{% endfor %}{% endfor %}'), { k: auth });
    const big = await enable(w, flowOf('/big', { s: '{% for i in (1..10000000) %}xxxxxxxxxx{% endfor %}' }), { k: auth });
    const fine = await enable(w, flowOf('/fine'), { k: auth });
    const runs = [await runNow(w, loop), await runNow(w, big), await runNow(w, fine)];
    // while the runs work, the server answers promptly
    const latencies: number[] = [];
    const probing = (async () => {
      for (let i = 0; i < 10; i += 1) {
        const t = performance.now();
        const res = await s.request('GET', '/healthz');
        latencies.push(performance.now() - t);
        expect(res.status).toBe(200);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const [l, b, f] = [
      await finished(w.token, runs[0] ?? ''),
      await finished(w.token, runs[1] ?? ''),
      await finished(w.token, runs[2] ?? ''),
    ];
    await probing;
    expect([l.status, l.errorCode]).toEqual(['error', 'template_limit']);
    expect([b.status, b.errorCode]).toEqual(['error', 'template_limit']);
    expect(f.status).toBe('success');
    expect(upstream.received.filter((r) => r.url.startsWith('/loop') || r.url.startsWith('/big'))).toEqual([]);
    // generous on a shared 2-core machine: a blocked event loop would hold answers for the whole render
    expect(Math.max(...latencies)).toBeLessThan(2_000);
  });
});

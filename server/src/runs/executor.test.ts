import crypto from 'node:crypto';
import fs from 'node:fs';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import type { AppContext } from '../context.ts';
import { newId } from '../crypto/tokens.ts';
import type { Db } from '../db/driver.ts';
import { insertRun, type RunRow, requestCancel } from '../db/repos/runs.ts';
import { sql } from '../db/sql.ts';
import { createLogger } from '../log.ts';
import { type OpenedContext, openContext } from '../openContext.ts';
import {
  insertConfig,
  insertConnector,
  insertConnectorAuth,
  insertEndUser,
  insertFlow,
  insertIntegration,
} from '../testing/domainFixtures.ts';
import { TestClock } from '../testing/harness.ts';
import { createTestDatabase, TEST_DRIVER, type TestDatabase } from '../testing/testDatabase.ts';
import { type ReceivedRequest, startUpstream, type TestUpstream } from '../testing/upstream.ts';
import { LeaseQueue } from './queue.ts';
import { RunWorker } from './worker.ts';

/*
 * The executor end to end: a real worker over a real database, calling a real loopback upstream
 * through the proxy's call path (credential injection, egress), on the test driver's database
 * (SQLite or PostgreSQL); the test reads the run rows through a second handle on it.
 */

const API_KEY = 'sk-CANARY-apikey-0001';
const PASSWORD_INPUT = 'pw-CANARY-input-0002';

let dir: string;
let database: TestDatabase;
let opened: OpenedContext;
let app: AppContext;
let db: Db;
let upstream: TestUpstream;
let handler: (req: ReceivedRequest, res: http.ServerResponse) => void;
let workers: RunWorker[];
const clock = TestClock.realTime();

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-runs-'));
  database = await createTestDatabase(dir);
  const config = loadConfig({
    ...database.env,
    PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true',
    PATCHBAY_LOG_LEVEL: 'silent',
  });
  opened = await openContext(config, { clock, log: createLogger('silent') });
  app = opened.ctx;
  db = database.open();
  handler = (r, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true, url: r.url }));
  };
  upstream = await startUpstream((r, res) => handler(r, res));
  workers = [];
});
afterEach(async () => {
  for (const w of workers) await w.stop(0);
  await upstream.close();
  await db.close();
  await opened.close();
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface World {
  integrationId: string;
  authId: string;
}

async function world(definition: Record<string, unknown>, opts: { authStatus?: 'active' | 'needs_reauth' } = {}): Promise<World> {
  const connectorId = await insertConnector(app, { authType: 'api_key' });
  await app.db.run(sql`UPDATE connectors SET base_url = ${`${upstream.url}/v1`} WHERE id = ${connectorId}`);
  const configId = await insertConfig(app);
  const endUserId = await insertEndUser(app, configId, { userId: 'user-7', name: 'Ada' });
  const flowId = await insertFlow(app, {
    definition: {
      slots: [{ key: 'crm', connectorId, label: 'CRM' }],
      inputs: [
        { key: 'list', type: 'text', label: 'List' },
        { key: 'token', type: 'password', label: 'Token' },
      ],
      trigger: { type: 'manual' },
      ...definition,
    },
  });
  const authId = await insertConnectorAuth(app, {
    configId,
    connectorId,
    endUserId,
    status: opts.authStatus ?? 'active',
    credentials: { type: 'api_key', apiKey: API_KEY, fields: {} },
  });
  const integrationId = await insertIntegration(app, {
    configId,
    flowId,
    endUserId,
    bindings: { crm: authId },
    inputs: { list: 'leads' },
    secretInputs: { token: PASSWORD_INPUT },
  });
  return { integrationId, authId };
}

async function enqueue(integrationId: string, trigger: 'manual' | 'webhook' = 'manual', payload: unknown = null): Promise<string> {
  const id = newId('run');
  const now = new Date(clock.now()).toISOString();
  await insertRun(db, {
    id,
    integration_id: integrationId,
    trigger,
    trigger_payload: payload === null ? null : JSON.stringify(payload),
    max_attempts: 1,
    retry_of: null,
    not_before: now,
    created_at: now,
  });
  return id;
}

function startWorker(opts: ConstructorParameters<typeof RunWorker>[1] = {}): RunWorker {
  const w = new RunWorker(
    { app, clock, log: createLogger('silent'), random: () => 0 },
    { pollMs: 50, scheduleEveryMs: null, retentionDays: null, ...opts },
  );
  workers.push(w);
  w.start();
  return w;
}

async function finished(runId: string, timeoutMs = 15_000): Promise<RunRow & Record<string, unknown>> {
  const started = Date.now();
  for (;;) {
    const row = await db.get<RunRow & Record<string, unknown>>(sql`SELECT * FROM runs WHERE id = ${runId}`);
    if (row && ['success', 'error', 'canceled'].includes(row.status)) return row;
    if (Date.now() - started > timeoutMs) throw new Error(`run ${runId} still ${row?.status} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const steps = (row: RunRow) => JSON.parse(row.steps) as { id: string; status: string; requests: Record<string, unknown>[] }[];

describe(`the executor on ${TEST_DRIVER}`, () => {
  it('templates each call, injects the credential, calls once per forEach item with an Idempotency-Key, and records no secret', async () => {
    handler = (r, res) => {
      res.setHeader('content-type', 'application/json');
      if (r.url.startsWith('/v1/contacts?')) {
        res.end(JSON.stringify({ items: [{ id: 'a1' }, { id: 'b2' }], echo: `key ${r.headers['x-api-key']}`, access_token: 'at-CANARY' }));
      } else res.end(JSON.stringify({ synced: true, echo: r.body.toString('utf8') }));
    };
    const w = await world({
      steps: [
        { id: 'list', type: 'http', slot: 'crm', method: 'GET', path: '/contacts', query: { list: '{{ inputs.list }}' } },
        {
          id: 'sync',
          type: 'http',
          slot: 'crm',
          method: 'POST',
          path: '/contacts/{{ item.id | url_encode }}/sync',
          forEach: '{{ steps.list.body.items }}',
          body: { who: '{{ embed.user_id }}', n: '{{ index }}', token: '{{ inputs.token }}', from: '{{ trigger.payload.source }}' },
        },
      ],
    });
    const runId = await enqueue(w.integrationId, 'webhook', { source: 'hook' });
    startWorker();
    const run = await finished(runId);
    expect(run.status).toBe('success');
    expect(upstream.received.map((r) => [r.method, r.url, r.headers['x-api-key'], r.headers['idempotency-key']])).toEqual([
      ['GET', '/v1/contacts?list=leads', API_KEY, `${runId}.list`],
      ['POST', '/v1/contacts/a1/sync', API_KEY, `${runId}.sync.0`],
      ['POST', '/v1/contacts/b2/sync', API_KEY, `${runId}.sync.1`],
    ]);
    expect(JSON.parse(upstream.received[1]?.body.toString('utf8') ?? '')).toEqual({
      who: 'user-7',
      n: 0,
      token: PASSWORD_INPUT,
      from: 'hook',
    });
    const recorded = steps(run);
    expect(recorded.map((s) => [s.id, s.status, s.requests.map((r) => [r.method, r.path, r.status, r.index])])).toEqual([
      ['list', 'success', [['GET', '/contacts?list=[redacted]', 200, null]]],
      [
        'sync',
        'success',
        [
          ['POST', '/contacts/a1/sync', 200, 0],
          ['POST', '/contacts/b2/sync', 200, 1],
        ],
      ],
    ]);
    expect(JSON.parse(run.end_user_log ?? 'null')).toEqual({
      overview: [{ status: 'success', numberOfRecords: 3 }],
      details: [
        { entity: 'list', status: 'success', numberOfRecords: 1 },
        { entity: 'sync', status: 'success', numberOfRecords: 2 },
      ],
      errors: [],
    });
    expect(JSON.stringify(run)).not.toMatch(/CANARY/);
    const integration = await app.db.get<{ latest_run_id: string; latest_run_status: string }>(
      sql`SELECT latest_run_id, latest_run_status FROM integrations WHERE id = ${w.integrationId}`,
    );
    expect(integration).toEqual({ latest_run_id: runId, latest_run_status: 'success' });
  });

  it('renders the flow\u2019s end-user log over the steps, redacted of every secret the run handled', async () => {
    handler = (r, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(
        JSON.stringify({ created: 4, failed: [{ email: 'x@example.test', why: 'duplicate' }], echo: `sent ${r.headers['x-api-key']}` }),
      );
    };
    const w = await world({
      steps: [{ id: 'push', type: 'http', slot: 'crm', method: 'POST', path: '/contacts', body: {} }],
      endUserLog: {
        overview: [{ status: '{{ status }}', numberOfRecords: '{{ steps.push.body.created }}' }],
        details: [{ entity: 'contact', status: 'success', numberOfRecords: '{{ steps.push.body.created }}' }],
        errors: [
          {
            id: '{{ steps.push.body.failed[0].email }}',
            error: '{{ steps.push.body.failed[0].why }} ({{ steps.push.body.echo }}, {{ inputs.token }})',
            entity: 'contact',
          },
        ],
      },
    });
    const runId = await enqueue(w.integrationId);
    startWorker();
    const run = await finished(runId);
    expect(run.status).toBe('success');
    expect(JSON.parse(run.end_user_log ?? 'null')).toEqual({
      overview: [{ status: 'success', numberOfRecords: 4 }],
      details: [{ entity: 'contact', status: 'success', numberOfRecords: 4 }],
      // an answer that echoed the injected key, and a password input, never reach the stored log
      errors: [{ id: 'x@example.test', error: 'duplicate (sent [redacted], [redacted])', entity: 'contact', internalId: null }],
    });
    expect(JSON.stringify(run)).not.toMatch(/CANARY/);
  });

  it('runs a due schedule: the worker\u2019s scheduler enqueues it and the run calls the upstream', async () => {
    const w = await world({
      trigger: { type: 'schedule', everyMinutes: 1 },
      steps: [{ id: 'tick', type: 'http', slot: 'crm', method: 'POST', path: '/tick', body: { slot: '{{ trigger.payload.slot }}' } }],
    });
    const slot = new Date(clock.now() - 1_000).toISOString();
    await app.db.run(sql`UPDATE integrations SET next_run_at = ${slot} WHERE id = ${w.integrationId}`);
    startWorker({ scheduleEveryMs: 50 });
    while (upstream.received.length === 0) await new Promise((r) => setTimeout(r, 20));
    const [run] = await db.all<RunRow>(sql`SELECT * FROM runs WHERE integration_id = ${w.integrationId}`);
    expect(run?.trigger).toBe('schedule');
    expect((await finished(run?.id ?? '')).status).toBe('success');
    expect(JSON.parse(upstream.received[0]?.body.toString('utf8') ?? '')).toEqual({ slot });
    expect(upstream.received[0]?.headers['x-api-key']).toBe(API_KEY);
    const next = await app.db.get<{ next_run_at: string }>(sql`SELECT next_run_at FROM integrations WHERE id = ${w.integrationId}`);
    expect(next?.next_run_at).toBe(new Date(Date.parse(slot) + 60_000).toISOString());
  });

  it('starts an everyMinutes run within 2 s of its slot with the default scheduler pass, once', async () => {
    const w = await world({
      trigger: { type: 'schedule', everyMinutes: 1 },
      steps: [{ id: 'tick', type: 'http', slot: 'crm', method: 'POST', path: '/tick', body: {} }],
    });
    const slot = clock.now() + 1_500;
    await app.db.run(sql`UPDATE integrations SET next_run_at = ${new Date(slot).toISOString()} WHERE id = ${w.integrationId}`);
    startWorker({ scheduleEveryMs: 1_000 });
    while (upstream.received.length === 0) await new Promise((r) => setTimeout(r, 20));
    const [run] = await db.all<RunRow>(sql`SELECT * FROM runs WHERE integration_id = ${w.integrationId}`);
    const done = await finished(run?.id ?? '');
    const lag = Date.parse(done.started_at ?? '') - slot;
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await db.all(sql`SELECT id FROM runs WHERE integration_id = ${w.integrationId}`)).length).toBe(1);
    const next = await app.db.get<{ next_run_at: string }>(sql`SELECT next_run_at FROM integrations WHERE id = ${w.integrationId}`);
    expect(next?.next_run_at).toBe(new Date(slot + 60_000).toISOString());
  });

  it('retries 503 twice and succeeds on the third attempt, with the same Idempotency-Key each time', async () => {
    let n = 0;
    handler = (_r, res) => {
      n += 1;
      res.statusCode = n <= 2 ? 503 : 200;
      res.end('{}');
    };
    const w = await world({
      retry: { maxAttempts: 3, backoffSeconds: 1 },
      steps: [{ id: 'push', type: 'http', slot: 'crm', method: 'POST', path: '/contacts', body: { a: 1 } }],
    });
    const runId = await enqueue(w.integrationId);
    startWorker();
    const run = await finished(runId);
    expect([run.status, run.attempt, run.max_attempts, run.error_code]).toEqual(['success', 3, 3, null]);
    expect(upstream.received.map((r) => r.headers['idempotency-key'])).toEqual([`${runId}.push`, `${runId}.push`, `${runId}.push`]);
    expect((JSON.parse(run.logs) as { message: string }[]).map((l) => l.message)).toEqual([
      'Attempt 1 failed (upstream_status); attempt 2 in 1 s',
      'Attempt 2 failed (upstream_status); attempt 3 in 1 s',
    ]);
  });

  it('ends in error after maxAttempts of 500, does not retry a 400, and accepts the statuses a step lists', async () => {
    handler = (r, res) => {
      res.statusCode = r.url.includes('always500') ? 500 : r.url.includes('bad') ? 400 : 404;
      res.end('{"error":"nope"}');
    };
    const five = await world({
      retry: { maxAttempts: 2, backoffSeconds: 1 },
      steps: [{ id: 's', type: 'http', slot: 'crm', method: 'GET', path: '/always500' }],
    });
    const four = await world({
      retry: { maxAttempts: 3, backoffSeconds: 1 },
      steps: [{ id: 's', type: 'http', slot: 'crm', method: 'GET', path: '/bad' }],
    });
    const accepted = await world({ steps: [{ id: 's', type: 'http', slot: 'crm', method: 'GET', path: '/missing', accept: [404] }] });
    const [a, b, c] = [await enqueue(five.integrationId), await enqueue(four.integrationId), await enqueue(accepted.integrationId)];
    startWorker();
    const [ra, rb, rc] = [await finished(a), await finished(b), await finished(c)];
    expect([ra.status, ra.attempt, ra.error_code, ra.error]).toEqual([
      'error',
      2,
      'upstream_status',
      'Step "s": the connector answered 500',
    ]);
    expect([rb.status, rb.attempt, rb.error_code]).toEqual(['error', 1, 'upstream_status']);
    expect(rc.status).toBe('success');
    expect(upstream.received.filter((r) => r.url === '/v1/always500').length).toBe(2);
    expect(upstream.received.filter((r) => r.url === '/v1/bad').length).toBe(1);
    expect(JSON.parse(ra.end_user_log ?? 'null')).toMatchObject({
      errors: [{ id: 's', error: 'Step "s": the connector answered 500', entity: 's' }],
    });
  });

  it('waits at least what a 429 asks with Retry-After', async () => {
    let n = 0;
    handler = (_r, res) => {
      n += 1;
      if (n === 1) {
        res.statusCode = 429;
        res.setHeader('retry-after', '3');
      }
      res.end('{}');
    };
    const times: number[] = [];
    const inner = handler;
    handler = (r, res) => {
      times.push(Date.now());
      inner(r, res);
    };
    const w = await world({
      retry: { maxAttempts: 2, backoffSeconds: 1 },
      steps: [{ id: 's', type: 'http', slot: 'crm', method: 'GET', path: '/x' }],
    });
    const runId = await enqueue(w.integrationId);
    startWorker();
    expect((await finished(runId)).status).toBe('success');
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(2_950);
  });

  it('fails with connector_auth_inactive when the slot\u2019s auth needs reconnecting, without calling', async () => {
    const w = await world(
      { retry: { maxAttempts: 3, backoffSeconds: 1 }, steps: [{ id: 's', type: 'http', slot: 'crm', method: 'GET', path: '/x' }] },
      { authStatus: 'needs_reauth' },
    );
    startWorker();
    const run = await finished(await enqueue(w.integrationId));
    expect([run.status, run.attempt, run.error_code, run.error]).toEqual([
      'error',
      1,
      'connector_auth_inactive',
      'The connector auth of slot "crm" needs to be reconnected',
    ]);
    expect(upstream.received).toEqual([]);
  });

  it('cancels a running run within a second and aborts its HTTP call', async () => {
    let closed: Promise<void> | undefined;
    handler = (_r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"slow":');
      closed = new Promise((resolve) => res.on('close', () => resolve()));
    };
    const w = await world({ steps: [{ id: 's', type: 'http', slot: 'crm', method: 'GET', path: '/slow' }] });
    const runId = await enqueue(w.integrationId);
    startWorker();
    while (upstream.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    const asked = Date.now();
    expect(await requestCancel(db, runId, new Date().toISOString())).toBe('requested');
    const run = await finished(runId);
    expect(Date.now() - asked).toBeLessThan(1_000);
    await closed;
    expect([run.status, run.error_code]).toEqual(['canceled', 'canceled']);
    expect(steps(run).map((s) => [s.id, s.status])).toEqual([['s', 'canceled']]);
  });

  it('cancels within a second a run whose call is still waiting for the upstream\u2019s headers, closing that connection', async () => {
    let closed: Promise<'closed'> | undefined;
    handler = (_r, res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve('closed')));
    }; // never answers
    const w = await world({ steps: [{ id: 's', type: 'http', slot: 'crm', method: 'GET', path: '/hang' }] });
    const runId = await enqueue(w.integrationId);
    startWorker();
    while (upstream.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    const asked = Date.now();
    await requestCancel(db, runId, new Date().toISOString());
    expect((await finished(runId)).status).toBe('canceled');
    expect(Date.now() - asked).toBeLessThan(1_000);
    // the egress layer got the abort: the connection is gone at once, not after the 30 s step limit
    const late = new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), 2_000));
    expect(await Promise.race([closed, late])).toBe('closed');
  });

  it('cancels a queued run at once', async () => {
    const w = await world({ steps: [{ id: 's', type: 'http', slot: 'crm', method: 'GET', path: '/x' }] });
    const runId = await enqueue(w.integrationId);
    expect(await requestCancel(db, runId, new Date().toISOString())).toBe('canceled');
    expect(await requestCancel(db, runId, new Date().toISOString())).toBe('finished');
    expect(await requestCancel(db, 'run_missing', new Date().toISOString())).toBe('not_found');
    startWorker();
    await new Promise((r) => setTimeout(r, 200));
    expect(upstream.received).toEqual([]);
  });

  it('fails a run whose template loops a million times with template_limit, and goes on with the next run', async () => {
    const bad = await world({
      steps: [{ id: 's', type: 'http', slot: 'crm', method: 'GET', path: '/x{% for i in (1..1000000) %}{% endfor %}' }],
    });
    const good = await world({ steps: [{ id: 's', type: 'http', slot: 'crm', method: 'GET', path: '/fine' }] });
    const [b, g] = [await enqueue(bad.integrationId), await enqueue(good.integrationId)];
    startWorker({ concurrency: 1 });
    const rb = await finished(b);
    expect([rb.status, rb.error_code]).toEqual(['error', 'template_limit']);
    expect((await finished(g)).status).toBe('success');
  });

  it('takes up a run whose worker died after its lease ran out (attempt 2), with the same Idempotency-Key', async () => {
    const w = await world({ steps: [{ id: 's', type: 'http', slot: 'crm', method: 'POST', path: '/once', body: {} }] });
    const runId = await enqueue(w.integrationId);
    // a worker that claimed it, called the upstream, and died
    const dead = new LeaseQueue(db, (await import('../db/repos/runs.ts')).RUNS_QUEUE, { clock, leaseMs: 300 });
    expect((await dead.claim('dead-worker', 1)).map((l) => l.id)).toEqual([runId]);
    startWorker({ leaseMs: 300 });
    const run = await finished(runId);
    expect([run.status, run.attempt, run.reclaims]).toEqual(['success', 2, 1]);
    expect(upstream.received.map((r) => r.headers['idempotency-key'])).toEqual([`${runId}.s`]);
  });

  it('hands its run back on shutdown; another worker finishes it', async () => {
    let n = 0;
    handler = (_r, res) => {
      n += 1;
      if (n === 1) return; // the first call hangs until the worker stops
      res.end('{}');
    };
    const w = await world({ steps: [{ id: 's', type: 'http', slot: 'crm', method: 'POST', path: '/x', body: {} }] });
    const runId = await enqueue(w.integrationId);
    const first = startWorker();
    while (upstream.received.length === 0) await new Promise((r) => setTimeout(r, 10));
    await first.stop(100);
    expect(await db.get(sql`SELECT status, attempt, lease_owner FROM runs WHERE id = ${runId}`)).toEqual({
      status: 'queued',
      attempt: 1,
      lease_owner: null,
    });
    expect(first.heartbeat()).toMatchObject({ state: 'stopped', running: 0, executed: { released: 1 } });
    startWorker();
    const run = await finished(runId);
    expect([run.status, run.attempt]).toEqual(['success', 1]);
    expect(upstream.received.map((r) => r.headers['idempotency-key'])).toEqual([`${runId}.s`, `${runId}.s`]);
  });
});

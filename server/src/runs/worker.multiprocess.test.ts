import { type ChildProcessByStdio, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { type Config, loadConfig } from '../config.ts';
import type { AppContext } from '../context.ts';
import { newId } from '../crypto/tokens.ts';
import type { Db } from '../db/driver.ts';
import { insertRun } from '../db/repos/runs.ts';
import { sql } from '../db/sql.ts';
import { createLogger } from '../log.ts';
import { type OpenedContext, openContext } from '../openContext.ts';
import { webhookUrlsOf } from '../services/integrations/webhooks.ts';
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

/*
 * Workers as separate OS processes on one database of the test driver (SQLite or PostgreSQL).
 * The `patchbay worker` command takes the place of `testing/runWorkerProcess.ts` once the CLI is wired.
 */

let dir: string;
let database: TestDatabase;
let config: Config;
let file: string;
let key: string;
let opened: OpenedContext;
let app: AppContext;
let db: Db;
let upstream: TestUpstream;
let onRequest: (r: ReceivedRequest, res: import('node:http').ServerResponse) => void;
type Child = ChildProcessByStdio<Writable, Readable, null>;
const children: Child[] = [];
const clock = TestClock.realTime();

beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-workers-'));
  database = await createTestDatabase(dir);
  // the SQLite file, or the PostgreSQL URL: what the worker processes open
  file = database.file ?? database.url ?? '';
  key = crypto.randomBytes(32).toString('base64');
  config = loadConfig({
    ...database.env,
    PATCHBAY_ENCRYPTION_KEY: key,
    PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true',
    PATCHBAY_LOG_LEVEL: 'silent',
  });
  opened = await openContext(config, { clock, log: createLogger('silent') });
  app = opened.ctx;
  db = database.open();
  onRequest = (_r, res) => res.end('{}');
  upstream = await startUpstream((r, res) => onRequest(r, res));
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await upstream.close();
  await db.close();
  await opened.close();
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function startWorkerProcess(leaseMs: number, concurrency: number): Promise<{ child: Child; next: () => Promise<string> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/testing/runWorkerProcess.ts', file, key, String(leaseMs), String(concurrency)],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  const lines = readline.createInterface({ input: child.stdout });
  const queued: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => {
    const w = waiting.shift();
    if (w) w(line);
    else queued.push(line);
  });
  const next = () => {
    const line = queued.shift();
    return line !== undefined ? Promise.resolve(line) : new Promise<string>((resolve) => waiting.push(resolve));
  };
  expect(await next()).toBe('ready');
  return { child, next };
}

/** Integrations (each of its own end user) of one flow with one POST step; answers their ids. */
async function integrations(count: number): Promise<string[]> {
  const connectorId = await insertConnector(app, { authType: 'api_key' });
  await app.db.run(sql`UPDATE connectors SET base_url = ${upstream.url} WHERE id = ${connectorId}`);
  const configId = await insertConfig(app);
  const flowId = await insertFlow(app, {
    definition: {
      slots: [{ key: 'crm', connectorId, label: 'CRM' }],
      trigger: { type: 'webhook' },
      steps: [{ id: 'push', type: 'http', slot: 'crm', method: 'POST', path: '/push', body: { n: '{{ trigger.payload.n }}' } }],
    },
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const endUserId = await insertEndUser(app, configId);
    const authId = await insertConnectorAuth(app, {
      configId,
      connectorId,
      endUserId,
      credentials: { type: 'api_key', apiKey: 'k', fields: {} },
    });
    ids.push(await insertIntegration(app, { configId, flowId, endUserId, bindings: { crm: authId } }));
  }
  return ids;
}

async function enqueue(integrationId: string, n: number): Promise<string> {
  const id = newId('run');
  const now = new Date().toISOString();
  await insertRun(db, {
    id,
    integration_id: integrationId,
    trigger: 'webhook',
    trigger_payload: JSON.stringify({ n }),
    max_attempts: 1,
    retry_of: null,
    not_before: now,
    created_at: now,
  });
  return id;
}

async function until(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe(`workers in separate processes on ${TEST_DRIVER}`, () => {
  it('after kill -9 mid-step the run is finished by the next worker (attempt 2) with the same Idempotency-Key', async () => {
    let calls = 0;
    onRequest = (_r, res) => {
      calls += 1;
      if (calls === 1) return; // the first worker dies while this call is open
      res.end('{}');
    };
    const [integrationId] = await integrations(1);
    const runId = await enqueue(integrationId as string, 1);
    const first = await startWorkerProcess(1_000, 1);
    await until(async () => upstream.received.length === 1, 15_000, 'the first call');
    first.child.kill('SIGKILL');
    await new Promise((r) => first.child.once('exit', r));
    expect(await db.get(sql`SELECT status, attempt FROM runs WHERE id = ${runId}`)).toEqual({ status: 'running', attempt: 1 });
    const second = await startWorkerProcess(1_000, 1);
    await until(
      async () => (await db.get<{ status: string }>(sql`SELECT status FROM runs WHERE id = ${runId}`))?.status === 'success',
      15_000,
      'the run',
    );
    expect(await db.get(sql`SELECT status, attempt, reclaims FROM runs WHERE id = ${runId}`)).toEqual({
      status: 'success',
      attempt: 2,
      reclaims: 1,
    });
    expect(await db.get(sql`SELECT COUNT(*) AS n FROM runs WHERE status = 'running'`)).toEqual({ n: 0 });
    expect(upstream.received.map((r) => r.headers['idempotency-key'])).toEqual([`${runId}.push`, `${runId}.push`]);
    second.child.stdin.end();
    expect(await second.next()).toMatch(/^stopped /);
  });

  it('two worker processes execute 200 webhook runs fired at once (POST /hooks/{token}) exactly once each', async () => {
    const ids = await integrations(200);
    const a = await startWorkerProcess(10_000, 16);
    const b = await startWorkerProcess(10_000, 16);
    // the HTTP side: a Patchbay without a worker on the same database, fired at through each integration's webhook URL
    const patchbay = await createApp({ config, clock, log: createLogger('silent') });
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const listening = patchbay.app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    let runIds: string[];
    try {
      const base = `http://127.0.0.1:${(server.address() as import('node:net').AddressInfo).port}`;
      const urls = await webhookUrlsOf(patchbay.ctx, ids);
      runIds = await Promise.all(
        ids.map(async (integrationId, n) => {
          const hook = new URL(urls.get(integrationId) as string);
          const res = await fetch(`${base}${hook.pathname}`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ n }),
          });
          expect(res.status).toBe(202);
          return ((await res.json()) as { runId: string }).runId;
        }),
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await patchbay.close();
    }
    expect(new Set(runIds).size).toBe(200);
    await until(
      async () => (await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM runs WHERE status = 'success'`))?.n === 200,
      60_000,
      '200 runs',
    );
    const keys = upstream.received.map((r) => r.headers['idempotency-key']);
    expect(keys.length).toBe(200);
    expect(new Set(keys).size).toBe(200);
    expect([...keys].sort()).toEqual(runIds.map((id) => `${id}.push`).sort());
    expect(upstream.received.map((r) => JSON.parse(r.body.toString('utf8')).n).sort((x, y) => x - y)).toEqual(ids.map((_, n) => n));
    a.child.stdin.end();
    b.child.stdin.end();
    const [sa, sb] = [await a.next(), await b.next()];
    const executed = [sa, sb].map((line) => JSON.parse(line.replace(/^stopped /, '')) as { success: number });
    expect(executed[0]?.success).toBeGreaterThan(0);
    expect(executed[1]?.success).toBeGreaterThan(0);
    expect((executed[0]?.success ?? 0) + (executed[1]?.success ?? 0)).toBe(200);
  }, 90_000);
});

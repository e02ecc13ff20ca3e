/**
 * Callback delivery (docs/callbacks.md) against a real receiver on loopback: every delivery
 * verifies with the reference library (`standardwebhooks`) and with our `verifyCallback`, tampering
 * is refused by both; the retry schedule with a controllable clock keeps one `webhook-id`; 429 with
 * `Retry-After`, 400 (one attempt), 410 (callbacks stop, visible, audited); a private address is
 * refused when sent.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { CallbackVerificationError, verifyCallback } from '@patchbay/sdk/node';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../context.ts';
import { findCallbackDelivery, findCallbackTarget, listCallbackAttempts } from '../db/repos/callbackDeliveries.ts';
import { sql } from '../db/sql.ts';
import { newCallbackSecret, sealCallbackSecret } from '../services/embed/configs.ts';
import { insertConfig } from '../testing/domainFixtures.ts';
import { startTestServer, TestClock, type TestServer } from '../testing/harness.ts';
import { JITTER, RETRY_SCHEDULE_MS } from './deliver.ts';
import { enqueue, writeDelivery } from './outbox.ts';
import { type CallbackWorker, startCallbackWorker } from './worker.ts';

const T0 = Date.parse('2026-11-23T09:30:00.000Z');

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let s: TestServer;
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];
/** Answers the receiver gives, in turn (one with `forId` only to that webhook-id); when none fits, 200. */
const answers: { status: number; headers?: Record<string, string>; body?: string; forId?: string }[] = [];
let worker: CallbackWorker | null = null;

beforeAll(async () => {
  s = await startTestServer({ clock: new TestClock(T0) });
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const i = answers.findIndex((x) => x.forId === undefined || x.forId === req.headers['webhook-id']);
      const a = (i >= 0 ? answers.splice(i, 1)[0] : undefined) ?? { status: 200, body: 'ok' };
      res.writeHead(a.status, a.headers ?? {});
      res.end(a.body ?? '');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/patchbay`;
});
afterEach(async () => {
  await worker?.stop();
  worker = null;
  received.length = 0;
  answers.length = 0;
});
afterAll(async () => {
  await new Promise((resolve) => receiver.close(resolve));
  await s.close();
});

const ctx = () => s.app.ctx;

async function configWithCallbacks(url = receiverUrl): Promise<{ configId: string; secret: string }> {
  const configId = await insertConfig(ctx());
  const secret = newCallbackSecret();
  await ctx().db.run(sql`UPDATE embed_configs SET callback_url = ${url}, callback_secret_enc = ${sealCallbackSecret(ctx(), configId, secret)}
    WHERE id = ${configId}`);
  return { configId, secret };
}

async function event(configId: string, objectId = 'int_1'): Promise<string> {
  const id = await inTransaction(ctx(), (tx) =>
    enqueue(tx, {
      type: 'integration.enabled',
      subject: { configId, userId: 'u-7', accountId: 'acct-42', sharingLevel: 'user' },
      objectId,
      fields: { integrationId: objectId, flowId: 'flw_1', status: 'enabled' },
    }),
  );
  if (!id) throw new Error('nothing enqueued');
  return id;
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 8000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function start(): CallbackWorker {
  worker = startCallbackWorker(ctx(), { pollMs: 20, random: () => 0.5 });
  return worker;
}

async function settled(id: string, status: 'delivered' | 'failed' | 'pending', attempts: number) {
  return until(`${id} ${status} after ${attempts}`, async () => {
    const row = await findCallbackDelivery(ctx().db, id);
    const n = (await listCallbackAttempts(ctx().db, id)).length;
    return row?.status === status && n === attempts ? row : undefined;
  });
}

describe('callback delivery', () => {
  it('signs each delivery so standardwebhooks and verifyCallback accept it, and refuse it tampered', async () => {
    const { configId, secret } = await configWithCallbacks();
    const id = await event(configId);
    start();
    await settled(id, 'delivered', 1);
    expect(received).toHaveLength(1);
    const got = received[0] as Received;
    const headers = {
      'webhook-id': String(got.headers['webhook-id']),
      'webhook-timestamp': String(got.headers['webhook-timestamp']),
      'webhook-signature': String(got.headers['webhook-signature']),
    };
    expect(headers['webhook-id']).toBe(id);
    expect(got.headers['content-type']).toBe('application/json');
    const ref = new Webhook(secret).verify(got.body, headers) as { type: string; data: Record<string, unknown> };
    expect(ref.type).toBe('integration.enabled');
    const ours = verifyCallback(got.body, headers, secret);
    expect(ours).toEqual({
      type: 'integration.enabled',
      timestamp: new Date(T0).toISOString(),
      data: {
        configId,
        userId: 'u-7',
        accountId: 'acct-42',
        sharingLevel: 'user',
        integrationId: 'int_1',
        flowId: 'flw_1',
        status: 'enabled',
      },
    });
    const tampered = [
      { body: got.body.replace('enabled', 'disabled'), headers },
      { body: got.body, headers: { ...headers, 'webhook-timestamp': String(Number(headers['webhook-timestamp']) - 1) } },
      { body: got.body, headers: { ...headers, 'webhook-signature': `v1,${Buffer.alloc(32).toString('base64')}` } },
    ];
    for (const t of tampered) {
      expect(() => new Webhook(secret).verify(t.body, t.headers)).toThrow();
      expect(() => verifyCallback(t.body, t.headers, secret)).toThrow(CallbackVerificationError);
    }
    const attempt = (await listCallbackAttempts(ctx().db, id))[0];
    expect(attempt).toMatchObject({ status_code: 200, error: null, response_excerpt: 'ok' });
  });

  it('retries 503 on the schedule with one webhook-id, then delivers once', async () => {
    const { configId } = await configWithCallbacks();
    answers.push({ status: 503, body: 'x'.repeat(3000) }, { status: 500 });
    const id = await event(configId);
    start();
    const first = await settled(id, 'pending', 1);
    const step1 = Date.parse(first.not_before) - s.clock.now();
    // random() = 0.5: the middle of the jitter band
    expect(step1).toBe(RETRY_SCHEDULE_MS[0]);
    expect((await listCallbackAttempts(ctx().db, id))[0]?.response_excerpt).toHaveLength(1024);
    s.clock.advance(4);
    await new Promise((r) => setTimeout(r, 200));
    expect(received).toHaveLength(1);
    s.clock.advance(2);
    const second = await settled(id, 'pending', 2);
    expect(Date.parse(second.not_before) - s.clock.now()).toBe(RETRY_SCHEDULE_MS[1]);
    s.clock.advance((RETRY_SCHEDULE_MS[1] ?? 0) / 1000);
    await settled(id, 'delivered', 3);
    expect(received.map((r) => r.headers['webhook-id'])).toEqual([id, id, id]);
    await new Promise((r) => setTimeout(r, 150));
    expect(received).toHaveLength(3);
    expect(JITTER).toBeGreaterThan(0);
  });

  it('honours Retry-After on 429; tries a 400 once', async () => {
    const { configId } = await configWithCallbacks();
    answers.push({ status: 429, headers: { 'retry-after': '3' } });
    const limited = await event(configId, 'int_a');
    start();
    const row = await settled(limited, 'pending', 1);
    expect(Date.parse(row.not_before) - s.clock.now()).toBe(3000);
    s.clock.advance(3);
    await settled(limited, 'delivered', 2);

    answers.push({ status: 400, body: 'bad' });
    const bad = await event(configId, 'int_b');
    const failed = await settled(bad, 'failed', 1);
    expect(failed.last_status_code).toBe(400);
    s.clock.advance(3600);
    await new Promise((r) => setTimeout(r, 150));
    expect(await listCallbackAttempts(ctx().db, bad)).toHaveLength(1);
  });

  it('keeps the deliveries of one object in order while the first waits for a retry', async () => {
    const { configId } = await configWithCallbacks();
    const a = await event(configId, 'int_same');
    // The 503 is for `a` whichever delivery the worker sends first (other objects may go in parallel).
    answers.push({ status: 503, forId: a });
    const b = await event(configId, 'int_same');
    const other = await event(configId, 'int_other');
    start();
    await settled(a, 'pending', 1);
    await settled(other, 'delivered', 1);
    await new Promise((r) => setTimeout(r, 150));
    expect((await findCallbackDelivery(ctx().db, b))?.status).toBe('pending');
    expect(await listCallbackAttempts(ctx().db, b)).toHaveLength(0);
    s.clock.advance(6);
    await settled(b, 'delivered', 1);
    const order = received.map((r) => r.headers['webhook-id']);
    expect(order.indexOf(a, 1)).toBeLessThan(order.indexOf(b));
  });

  it('stops a configuration whose backend answers 410, visibly and audited', async () => {
    const { configId } = await configWithCallbacks();
    answers.push({ status: 410 });
    const id = await event(configId);
    start();
    await settled(id, 'failed', 1);
    const target = await findCallbackTarget(ctx().db, configId);
    expect(target?.callbacks_disabled_at).not.toBeNull();
    const audit = await ctx().db.get<{ action: string }>(
      sql`SELECT action FROM audit_events WHERE object_id = ${configId} AND action = 'embed_config.callbacks_disabled'`,
    );
    expect(audit?.action).toBe('embed_config.callbacks_disabled');
    const next = await inTransaction(ctx(), (tx) =>
      enqueue(tx, { type: 'consent.given', subject: { configId, userId: 'u', accountId: 'a', sharingLevel: 'user' }, objectId: 'eu' }),
    );
    expect(next).toBeNull();
  });

  it('refuses a private or metadata address when sending, without retrying', async () => {
    for (const url of ['https://10.1.2.3/hook', 'https://169.254.169.254/latest/meta-data']) {
      const { configId } = await configWithCallbacks(url);
      const id = await inTransaction(ctx(), (tx) =>
        writeDelivery(tx, { type: 'ping', subject: { configId, userId: '', accountId: '', sharingLevel: 'user' }, objectId: configId }),
      );
      worker ??= start();
      const row = await settled(id, 'failed', 1);
      expect(row.last_error).toMatch(/private|internal|not allowed|blocked|address/i);
      expect(await listCallbackAttempts(ctx().db, id)).toMatchObject([{ status_code: null }]);
    }
    expect(received).toHaveLength(0);
  });
});

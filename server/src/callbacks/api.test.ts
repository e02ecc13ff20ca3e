/**
 * Callbacks through the vendor API (docs/callbacks.md) against a real receiver on loopback:
 * secret rotation (both secrets sign for 24 h, verified by `standardwebhooks` and
 * `verifyCallback`), the deliveries list/detail/redeliver and the test callback with member
 * permissions and audit, the 410 stop visible as `callbacksDisabledAt` and `enable-callbacks`,
 * the worker woken by a commit (no poll), and callback URLs to private addresses refused when saved.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyCallback } from '@patchbay/sdk/node';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../context.ts';
import { findCallbackDelivery, listCallbackDeliveriesOfConfig } from '../db/repos/callbackDeliveries.ts';
import { sql } from '../db/sql.ts';
import { insertConfig } from '../testing/domainFixtures.ts';
import { startTestServer, TestClock, type TestServer } from '../testing/harness.ts';
import { TEST_DRIVER } from '../testing/testDatabase.ts';
import { CALLBACK_CHANNEL, enqueue, newWebhookId } from './outbox.ts';
import { type CallbackWorker, startCallbackWorker } from './worker.ts';

interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let s: TestServer;
let owner: string;
let receiver: http.Server;
let receiverUrl: string;
const received: Received[] = [];
/** Answers the receiver gives, in turn (one with `forId` only to that webhook-id); when none fits, 200. */
const answers: { status: number; body?: string; forId?: string }[] = [];
let worker: CallbackWorker | null = null;

beforeAll(async () => {
  s = await startTestServer({ clock: new TestClock(Date.now()) });
  owner = await s.adminToken();
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const i = answers.findIndex((x) => x.forId === undefined || x.forId === req.headers['webhook-id']);
      const a = (i >= 0 ? answers.splice(i, 1)[0] : undefined) ?? { status: 200, body: 'thanks' };
      res.writeHead(a.status);
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

async function createConfig(callbackUrl: string | null = receiverUrl) {
  const res = await s.request('POST', '/api/v1/embed-configs', {
    token: owner,
    body: {
      name: 'Callbacks',
      sharingLevel: 'user',
      allowedOrigins: ['https://app.acme.example'],
      ...(callbackUrl ? { callbackUrl } : {}),
      groups: [{ name: 'G', flowIds: [] }],
    },
  });
  expect(res.status, res.text).toBe(201);
  return { id: res.body.id as string, secret: res.body.callbackSecret as string, groupId: res.body.groups[0].id as string };
}

async function event(configId: string, objectId = 'int_1'): Promise<string | null> {
  return inTransaction(ctx(), (tx) =>
    enqueue(tx, {
      type: 'integration.enabled',
      subject: { configId, userId: 'u-7', accountId: 'acct-42', sharingLevel: 'user' },
      objectId,
      fields: { integrationId: objectId, flowId: 'flw_1', status: 'enabled' },
    }),
  );
}

async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const headersOf = (r: Received) => ({
  'webhook-id': String(r.headers['webhook-id']),
  'webhook-timestamp': String(r.headers['webhook-timestamp']),
  'webhook-signature': String(r.headers['webhook-signature']),
});

async function audit(action: string, objectId: string) {
  return ctx().db.all<{ action: string; details: string }>(
    sql`SELECT action, details FROM audit_events WHERE action = ${action} AND object_id = ${objectId}`,
  );
}

describe(`callbacks in the vendor API on ${TEST_DRIVER}`, () => {
  it('rotation: the old and the new secret both sign for 24 h, verified by standardwebhooks and verifyCallback; then only the new', async () => {
    const cfg = await createConfig();
    const rotated = await s.request('POST', `/api/v1/embed-configs/${cfg.id}/rotate-callback-secret`, { token: owner });
    expect(rotated.status, rotated.text).toBe(200);
    const fresh = rotated.body.callbackSecret as string;
    expect(fresh).toMatch(/^whsec_/);
    expect(fresh).not.toBe(cfg.secret);
    expect((await audit('embed_config.callback_secret_rotated', cfg.id))[0]?.details).toContain('previousSignsUntil');

    const test = await s.request('POST', `/api/v1/embed-configs/${cfg.id}/test-callback`, { token: owner });
    expect(test.status, test.text).toBe(200);
    expect(test.body.attempt).toMatchObject({ statusCode: 200, error: null, responseExcerpt: 'thanks' });
    expect(test.body.delivery).toMatchObject({ configId: cfg.id, eventType: 'ping', status: 'delivered', attemptCount: 1 });
    expect(received).toHaveLength(1);
    const during = received[0] as Received;
    const h = headersOf(during);
    expect(h['webhook-id']).toBe(test.body.delivery.id);
    expect(h['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [cfg.secret, fresh]) {
      expect((new Webhook(secret).verify(during.body, h) as { type: string }).type).toBe('ping');
      expect(verifyCallback(during.body, h, secret).type).toBe('ping');
    }
    // a receiver holding both (mid-switch) accepts too
    expect(verifyCallback(during.body, h, [fresh, cfg.secret]).type).toBe('ping');

    s.clock.advance(24 * 3600 + 1);
    const after = await s.request('POST', `/api/v1/embed-configs/${cfg.id}/test-callback`, { token: owner });
    expect(after.status).toBe(200);
    const later = received[1] as Received;
    const h2 = headersOf(later);
    expect(h2['webhook-signature'].split(' ')).toHaveLength(1);
    expect(verifyCallback(later.body, h2, fresh).type).toBe('ping');
    expect(new Webhook(fresh).verify(later.body, h2)).toBeTruthy();
    expect(() => verifyCallback(later.body, h2, cfg.secret)).toThrow();
    expect(() => new Webhook(cfg.secret).verify(later.body, h2)).toThrow();

    // removing the callback URL drops both secrets
    await s.request('POST', `/api/v1/embed-configs/${cfg.id}/rotate-callback-secret`, { token: owner });
    const cleared = await s.request('PATCH', `/api/v1/embed-configs/${cfg.id}`, { token: owner, body: { callbackUrl: null } });
    expect(cleared.status).toBe(200);
    const row = await ctx().db.get<{ a: string | null; b: string | null; c: string | null }>(
      sql`SELECT callback_secret_enc AS a, callback_secret_prev_enc AS b, callback_previous_signs_until AS c FROM embed_configs WHERE id = ${cfg.id}`,
    );
    expect(row).toEqual({ a: null, b: null, c: null });
  });

  it('lists deliveries with filters and cursor, details every attempt, redelivers the same webhook-id, audited', async () => {
    const cfg = await createConfig();
    const other = await createConfig();
    const first = (await event(cfg.id, 'int_a')) as string;
    answers.push({ status: 500, body: 'boom', forId: first });
    worker = startCallbackWorker(ctx(), { pollMs: 50, random: () => 0.5 });
    await until('first attempt', async () => (await findCallbackDelivery(ctx().db, first))?.last_status_code === 500);
    const second = (await event(cfg.id, 'int_b')) as string;
    await until('second delivered', async () => (await findCallbackDelivery(ctx().db, second))?.status === 'delivered');
    await event(other.id, 'int_c');

    const all = await s.request('GET', `/api/v1/callback-deliveries?configId=${cfg.id}`, { token: owner });
    expect(all.status, all.text).toBe(200);
    expect(all.body.items.map((d: { id: string }) => d.id)).toEqual([second, first]);
    expect(all.body.items[1]).toMatchObject({
      id: first,
      configId: cfg.id,
      eventType: 'integration.enabled',
      status: 'pending',
      attemptCount: 1,
      lastStatusCode: 500,
      lastError: 'The backend answered 500',
      deliveredAt: null,
    });
    expect(all.body.items[1].nextAttemptAt).toEqual(expect.any(String));
    expect(all.body.items[0]).toMatchObject({ status: 'delivered', nextAttemptAt: null, attemptCount: 1, lastStatusCode: 200 });
    const pending = await s.request('GET', `/api/v1/callback-deliveries?configId=${cfg.id}&status=pending`, { token: owner });
    expect(pending.body.items.map((d: { id: string }) => d.id)).toEqual([first]);
    const none = await s.request('GET', `/api/v1/callback-deliveries?configId=${cfg.id}&eventType=run.failed`, { token: owner });
    expect(none.body).toEqual({ items: [], nextCursor: null });
    const page1 = await s.request('GET', `/api/v1/callback-deliveries?configId=${cfg.id}&limit=1`, { token: owner });
    expect(page1.body.items.map((d: { id: string }) => d.id)).toEqual([second]);
    const page2 = await s.request('GET', `/api/v1/callback-deliveries?configId=${cfg.id}&limit=1&cursor=${page1.body.nextCursor}`, {
      token: owner,
    });
    expect(page2.body.items.map((d: { id: string }) => d.id)).toEqual([first]);
    expect(page2.body.nextCursor).toBeNull();
    const bad = await s.request('GET', '/api/v1/callback-deliveries?status=sending', { token: owner });
    expect(bad.status).toBe(400);

    const detail = await s.request('GET', `/api/v1/callback-deliveries/${first}`, { token: owner });
    expect(detail.status).toBe(200);
    expect(detail.body.payload).toMatchObject({ type: 'integration.enabled', data: { configId: cfg.id, integrationId: 'int_a' } });
    expect(detail.body.attempts).toEqual([
      {
        id: expect.any(String),
        at: expect.any(String),
        durationMs: expect.any(Number),
        statusCode: 500,
        error: 'The backend answered 500',
        responseExcerpt: 'boom',
      },
    ]);
    expect(JSON.stringify(detail.body)).not.toContain('whsec_');

    const again = await s.request('POST', `/api/v1/callback-deliveries/${second}/redeliver`, { token: owner });
    expect(again.status, again.text).toBe(202);
    expect(again.body.delivery).toMatchObject({ id: second, status: 'pending' });
    await until('redelivered', async () => received.filter((r) => r.headers['webhook-id'] === second).length === 2);
    const bodies = received.filter((r) => r.headers['webhook-id'] === second).map((r) => r.body);
    expect(bodies[0]).toBe(bodies[1]);
    await until('redelivery recorded', async () => {
      const d = await s.request('GET', `/api/v1/callback-deliveries/${second}`, { token: owner });
      return d.body.status === 'delivered' && d.body.attempts.length === 2;
    });
    expect(await audit('callback_delivery.redelivered', second)).toHaveLength(1);
    const missing = await s.request('POST', '/api/v1/callback-deliveries/msg_nope/redeliver', { token: owner });
    expect(missing.status).toBe(404);
  });

  it('members: view sees the deliveries of its configurations (others 404), redeliver and test need manage (403)', async () => {
    const cfg = await createConfig();
    const hidden = await createConfig();
    const mine = (await event(cfg.id)) as string;
    const theirs = (await event(hidden.id)) as string;
    const viewer = await s.adminToken({ role: 'member', groups: [{ groupId: cfg.groupId, view: true }] });
    const manager = await s.adminToken({ role: 'member', groups: [{ groupId: cfg.groupId, view: true, manage: true }] });

    const list = await s.request('GET', '/api/v1/callback-deliveries', { token: viewer });
    const ids = list.body.items.map((d: { id: string }) => d.id);
    expect(ids).toContain(mine);
    expect(ids).not.toContain(theirs);
    expect((await s.request('GET', `/api/v1/callback-deliveries/${mine}`, { token: viewer })).status).toBe(200);
    expect((await s.request('GET', `/api/v1/callback-deliveries/${theirs}`, { token: viewer })).status).toBe(404);
    expect((await s.request('POST', `/api/v1/callback-deliveries/${theirs}/redeliver`, { token: manager })).status).toBe(404);

    const denied = await s.request('POST', `/api/v1/callback-deliveries/${mine}/redeliver`, { token: viewer });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('forbidden');
    expect((await s.request('POST', `/api/v1/embed-configs/${cfg.id}/test-callback`, { token: viewer })).status).toBe(403);
    expect((await s.request('POST', `/api/v1/embed-configs/${cfg.id}/enable-callbacks`, { token: viewer })).status).toBe(403);
    expect((await s.request('POST', `/api/v1/embed-configs/${hidden.id}/test-callback`, { token: manager })).status).toBe(404);
    expect(received).toHaveLength(0);

    const allowed = await s.request('POST', `/api/v1/callback-deliveries/${mine}/redeliver`, { token: manager });
    expect(allowed.status, allowed.text).toBe(202);
    const tested = await s.request('POST', `/api/v1/embed-configs/${cfg.id}/test-callback`, { token: manager });
    expect(tested.status, tested.text).toBe(200);
    expect(await audit('embed_config.callback_tested', cfg.id)).toHaveLength(1);

    const readOnly = await s.adminToken({ scopes: ['read'] });
    expect((await s.request('POST', `/api/v1/embed-configs/${cfg.id}/test-callback`, { token: readOnly })).status).toBe(403);
    expect((await s.request('GET', '/api/v1/callback-deliveries', { token: readOnly })).status).toBe(200);
  });

  it('a 410 stops later events, visibly (callbacksDisabledAt); enable-callbacks starts them again, audited', async () => {
    const cfg = await createConfig();
    const gone = (await event(cfg.id, 'int_x')) as string;
    answers.push({ status: 410, body: 'gone', forId: gone });
    worker = startCallbackWorker(ctx(), { pollMs: 50 });
    await until('410 settled', async () => (await findCallbackDelivery(ctx().db, gone))?.status === 'failed');
    const stopped = await s.request('GET', `/api/v1/embed-configs/${cfg.id}`, { token: owner });
    expect(stopped.body.callbacksDisabledAt).toEqual(expect.any(String));
    const listed = await s.request('GET', '/api/v1/embed-configs?limit=100', { token: owner });
    expect(listed.body.items.find((c: { id: string }) => c.id === cfg.id)?.callbacksDisabledAt).toBe(stopped.body.callbacksDisabledAt);

    expect(await event(cfg.id, 'int_x')).toBeNull();
    const refused = await s.request('POST', `/api/v1/callback-deliveries/${gone}/redeliver`, { token: owner });
    expect(refused.status).toBe(409);
    await new Promise((r) => setTimeout(r, 200));
    expect(received.filter((r) => String(r.body).includes(cfg.id))).toHaveLength(1);

    const enabled = await s.request('POST', `/api/v1/embed-configs/${cfg.id}/enable-callbacks`, { token: owner });
    expect(enabled.status, enabled.text).toBe(200);
    expect(enabled.body).toMatchObject({ id: cfg.id, callbacksDisabledAt: null });
    expect(await audit('embed_config.callbacks_enabled', cfg.id)).toHaveLength(1);
    const again = await s.request('POST', `/api/v1/embed-configs/${cfg.id}/enable-callbacks`, { token: owner });
    expect(again.status).toBe(200);
    expect(await audit('embed_config.callbacks_enabled', cfg.id)).toHaveLength(1);

    const next = (await event(cfg.id, 'int_x')) as string;
    expect(next).toEqual(expect.any(String));
    await until('sent again', async () => (await findCallbackDelivery(ctx().db, next))?.status === 'delivered');
    expect(received.filter((r) => r.body.includes(cfg.id)).map((r) => r.headers['webhook-id'])).toEqual([gone, next]);
  });

  it('wakes the worker when an enqueue commits (no poll needed); a rolled-back transaction sends nothing', async () => {
    const cfg = await createConfig();
    // nothing else waiting: only this test's event can bring the worker back
    await ctx().db.run(sql`UPDATE callback_deliveries SET status = 'failed' WHERE status = 'pending'`);
    worker = startCallbackWorker(ctx(), { pollMs: 60_000 });
    // let the worker's first look at the empty queue pass, so only a wake-up can bring it back
    await new Promise((r) => setTimeout(r, 300));
    await expect(
      inTransaction(ctx(), async (tx) => {
        await enqueue(tx, {
          type: 'consent.given',
          subject: { configId: cfg.id, userId: 'u', accountId: 'a', sharingLevel: 'user' },
          objectId: 'eu_1',
        });
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect(await listCallbackDeliveriesOfConfig(ctx().db, cfg.id)).toHaveLength(0);
    const started = Date.now();
    const id = (await event(cfg.id)) as string;
    await until('delivered without a poll', async () => (await findCallbackDelivery(ctx().db, id))?.status === 'delivered', 20_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(received.filter((r) => r.body.includes(cfg.id)).map((r) => r.headers['webhook-id'])).toEqual([id]);
  });

  it('refuses a callback URL to a private or metadata address when saved; test-callback without a URL is 409', async () => {
    for (const callbackUrl of ['https://169.254.169.254/latest/meta-data', 'https://10.0.0.7/hook', 'https://[fd00::1]/hook']) {
      const res = await s.request('POST', '/api/v1/embed-configs', {
        token: owner,
        body: { name: 'x', sharingLevel: 'user', allowedOrigins: ['https://app.acme.example'], callbackUrl },
      });
      expect(res.status, callbackUrl).toBe(400);
      expect(res.body.error.details.issues).toEqual([
        { path: 'body.callbackUrl', message: 'must not point at a private, link-local or reserved address' },
      ]);
    }
    const cfg = await createConfig(null);
    const patch = await s.request('PATCH', `/api/v1/embed-configs/${cfg.id}`, {
      token: owner,
      body: { callbackUrl: 'https://192.168.1.1/hook' },
    });
    expect(patch.status).toBe(400);
    const test = await s.request('POST', `/api/v1/embed-configs/${cfg.id}/test-callback`, { token: owner });
    expect(test.status).toBe(409);
    expect(test.body.error.code).toBe('conflict');
  });

  it('purges finished deliveries older than the run retention (PATCHBAY_RUN_RETENTION_DAYS), keeps the rest', async () => {
    const t = await startTestServer({ env: { PATCHBAY_RUN_RETENTION_DAYS: '2' } });
    try {
      const c = t.app.ctx;
      const cfg = await insertConfig(c);
      const put = async (id: string, daysAgo: number, status: 'delivered' | 'failed' | 'pending') => {
        const at = new Date(c.clock.now() - daysAgo * 86_400_000).toISOString();
        await c.db.run(sql`INSERT INTO callback_deliveries (id, config_id, event_type, object_key, payload, status, not_before, created_at)
          VALUES (${id}, ${cfg}, 'ping', ${`${cfg}:x${id}`}, '{}', ${status}, ${at}, ${at})`);
      };
      await put('msg_old_delivered', 3, 'delivered');
      await put('msg_old_failed', 3, 'failed');
      await put('msg_old_pending', 3, 'pending');
      await put('msg_recent', 1, 'delivered');
      const purger = startCallbackWorker(c, { pollMs: 60_000 });
      try {
        await until('purged', async () => !(await findCallbackDelivery(c.db, 'msg_old_delivered')));
      } finally {
        await purger.stop();
      }
      const left = (await c.db.all<{ id: string }>(sql`SELECT id FROM callback_deliveries WHERE config_id = ${cfg} ORDER BY id`)).map(
        (r) => r.id,
      );
      expect(left).toEqual(['msg_old_pending', 'msg_recent']);
      expect(left).not.toContain('msg_old_failed');
      expect(left).not.toContain('msg_old_delivered');
    } finally {
      await t.close();
    }
  });

  it.skipIf(TEST_DRIVER !== 'postgres')(
    'PostgreSQL: a commit in another process wakes the worker through LISTEN/NOTIFY; a rollback notifies nothing',
    async () => {
      // A second handle on the database stands for another process: nothing in this process nudges it.
      const other = s.database.open();
      const cfg = await createConfig();
      let notified = 0;
      const stopListening = await (other.listen as NonNullable<typeof other.listen>)(CALLBACK_CHANNEL, () => {
        notified += 1;
      });
      const base = notified;
      await expect(
        inTransaction(ctx(), async (tx) => {
          await enqueue(tx, {
            type: 'consent.given',
            subject: { configId: cfg.id, userId: 'u', accountId: 'a', sharingLevel: 'user' },
            objectId: 'eu',
          });
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      await new Promise((r) => setTimeout(r, 300));
      expect(notified).toBe(base);
      await event(cfg.id, 'int_n');
      await until('notified on commit', async () => notified > base);
      await stopListening();

      await ctx().db.run(sql`UPDATE callback_deliveries SET status = 'failed' WHERE status = 'pending'`);
      const far = startCallbackWorker({ ...ctx(), db: other }, { pollMs: 60_000 });
      try {
        await new Promise((r) => setTimeout(r, 500));
        // written the way another process would: the row and its notification, no in-process nudge
        const id = newWebhookId();
        const at = new Date(s.clock.now()).toISOString();
        await ctx().db.tx(async (tx) => {
          await tx.run(sql`INSERT INTO callback_deliveries (id, config_id, event_type, object_key, payload, status, not_before, created_at)
          VALUES (${id}, ${cfg.id}, 'ping', ${`${cfg.id}:${cfg.id}`}, ${JSON.stringify({ type: 'ping', timestamp: at, data: { configId: cfg.id } })},
          'pending', ${at}, ${at})`);
          await tx.get(sql`SELECT pg_notify(${CALLBACK_CHANNEL}, '') AS notified`);
        });
        await until(
          'delivered by the listening worker',
          async () => (await findCallbackDelivery(ctx().db, id))?.status === 'delivered',
          10_000,
        );
        expect(received.map((r) => r.headers['webhook-id'])).toContain(id);
      } finally {
        await far.stop();
        await other.close();
      }
    },
  );
});

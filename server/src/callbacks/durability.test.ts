/**
 * Callback durability across a crash (docs/callbacks.md), on both drivers: a real `patchbay
 * serve` process (`startServer`, its delivery worker included) makes the changes through the
 * vendor API while the receiver answers 503; the retries then hang in the receiver and the process
 * is killed with SIGKILL mid-send; more events happen (one transaction rolls back); a fresh process
 * starts and the receiver comes up. Every event arrives, each under one `webhook-id` across all its
 * attempts, in order per object, verified by `standardwebhooks`, and none arrives twice after it
 * succeeded; the rolled-back change sent nothing.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction } from '../context.ts';
import { type CallbackDeliveryRow, listCallbackDeliveriesOfConfig } from '../db/repos/callbackDeliveries.ts';
import { sql } from '../db/sql.ts';
import { newCallbackSecret, sealCallbackSecret } from '../services/embed/configs.ts';
import { seedTwoGroups, type TwoGroupWorld } from '../testing/domainFixtures.ts';
import { startTestServer, TestClock, type TestServer } from '../testing/harness.ts';
import { type ServerProcess, startServerProcess } from '../testing/serverProcess.ts';
import { TEST_DRIVER } from '../testing/testDatabase.ts';
import { enqueueIntegrationEvent } from './outbox.ts';

interface Received {
  id: string;
  timestamp: string;
  signature: string;
  body: string;
  answered: number | null;
}

let s: TestServer;
let w: TwoGroupWorld;
let secret: string;
let receiver: http.Server;
let receiverUrl: string;
let mode: 'down' | 'hang' | 'up' = 'down';
const received: Received[] = [];
const hanging: http.ServerResponse[] = [];
const children: ServerProcess[] = [];

beforeAll(async () => {
  s = await startTestServer({ clock: TestClock.realTime() });
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: Received = {
        id: String(req.headers['webhook-id']),
        timestamp: String(req.headers['webhook-timestamp']),
        signature: String(req.headers['webhook-signature']),
        body: Buffer.concat(chunks).toString('utf8'),
        answered: null,
      };
      received.push(r);
      if (mode === 'hang') {
        hanging.push(res);
        return;
      }
      r.answered = mode === 'down' ? 503 : 200;
      res.writeHead(r.answered);
      res.end(mode === 'down' ? 'down for maintenance' : 'ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/patchbay`;
  w = await seedTwoGroups(s.app.ctx);
  secret = newCallbackSecret();
  await s.app.ctx.db.run(sql`UPDATE embed_configs SET callback_url = ${receiverUrl},
    callback_secret_enc = ${sealCallbackSecret(s.app.ctx, w.configId, secret)} WHERE id = ${w.configId}`);
});
afterAll(async () => {
  for (const c of children) await c.stop();
  for (const res of hanging) res.destroy();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
  await s.close();
});

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const deliveries = (): Promise<CallbackDeliveryRow[]> => listCallbackDeliveriesOfConfig(s.app.ctx.db, w.configId);

describe(`callback durability across kill -9 on ${TEST_DRIVER}`, () => {
  it('delivers every event once after a crash mid-send and a restart, one webhook-id per event, in order per object', async () => {
    const token = await s.adminToken();
    const first = await startServerProcess(s, { PATCHBAY_TEST_FULL_SERVER: 'true' });
    children.push(first);
    const api = (path: string) =>
      fetch(first.url + path, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);
    // Changes through the first process's API while the receiver is down: two per integration.
    const { integrationId: a } = w.g1;
    const { integrationId: b } = w.g2;
    for (const [id, action] of [
      [a, 'disable'],
      [b, 'disable'],
      [a, 'enable'],
      [b, 'enable'],
    ] as const) {
      expect(await api(`/api/v1/integrations/${id}/${action}`)).toBe(200);
    }
    expect(await deliveries()).toHaveLength(4);
    // The head of each object is tried and refused (503); the others wait behind it, in order.
    await until('a 503 for each object', () => received.filter((r) => r.answered === 503).length >= 2, 30_000);
    mode = 'hang';
    // The retry 5 s later hangs in the receiver; the process dies while it waits.
    await until('a retry in flight', () => hanging.length >= 1, 30_000);
    await first.stop();
    for (const res of hanging.splice(0)) res.destroy();

    // While no Patchbay runs: another change commits, one rolls back.
    await inTransaction(s.app.ctx, (tx) => enqueueIntegrationEvent(tx, 'integration.updated', a));
    await expect(
      inTransaction(s.app.ctx, async (tx) => {
        await enqueueIntegrationEvent(tx, 'integration.updated', b);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    const written = await deliveries();
    expect(written).toHaveLength(5);

    mode = 'up';
    const second = await startServerProcess(s, { PATCHBAY_TEST_FULL_SERVER: 'true' });
    children.push(second);
    // A lease the dead process held runs out (30 s) and the delivery goes out again, same id.
    await until('every delivery delivered', async () => (await deliveries()).every((d) => d.status === 'delivered'), 90_000);
    await new Promise((r) => setTimeout(r, 1500));

    const ok = received.filter((r) => r.answered === 200);
    expect(ok.map((r) => r.id).sort()).toEqual(written.map((d) => d.id).sort());
    expect(new Set(ok.map((r) => r.id)).size).toBe(ok.length);
    // one webhook-id per event across every attempt (503s, the one cut off, the success)
    const idsPerBody = new Map<string, Set<string>>();
    for (const r of received) idsPerBody.set(r.body, (idsPerBody.get(r.body) ?? new Set()).add(r.id));
    expect([...idsPerBody.values()].every((ids) => ids.size === 1)).toBe(true);
    expect(idsPerBody.size).toBe(5);
    // nothing after success: the last request of each id is its 200
    for (const d of written) {
      const mine = received.filter((r) => r.id === d.id);
      expect(mine.at(-1)?.answered, d.id).toBe(200);
      expect(mine.filter((r) => r.answered === 200)).toHaveLength(1);
    }
    expect(received.some((r) => r.answered === null)).toBe(true);
    // in order per object
    const wh = new Webhook(secret);
    const okOrder = (integrationId: string) =>
      ok
        .map((r) => {
          const event = wh.verify(r.body, {
            'webhook-id': r.id,
            'webhook-timestamp': r.timestamp,
            'webhook-signature': r.signature,
          }) as { type: string; data: { integrationId: string } };
          return { id: r.id, ...event };
        })
        .filter((e) => e.data.integrationId === integrationId)
        .map((e) => e.type);
    expect(okOrder(a)).toEqual(['integration.disabled', 'integration.enabled', 'integration.updated']);
    expect(okOrder(b)).toEqual(['integration.disabled', 'integration.enabled']);
  }, 180_000);
});

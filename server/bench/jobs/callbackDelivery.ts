/**
 * Callback delivery (issue 10), two parts on one configuration whose callback URL is a local
 * receiver:
 *
 * 1. Throughput and latency: `patchbay serve` (its callback worker in-process, as shipped) while
 *    the vendor API disables `BENCH_CALLBACK_EVENTS` integrations, 10 calls at a time; each
 *    disable writes an `integration.disabled` delivery in its transaction. Figures: deliveries/s
 *    (first change answered → last delivery arrived) and p50/p99 of arrival minus the answer of
 *    the change that caused it (target p99 ≤ 1 s on SQLite).
 * 2. Receiver down, then up, on the controllable clock: the same number of events while the
 *    receiver answers 503 for `BENCH_CALLBACK_DOWN_SECONDS` (default 120) of clock time, the
 *    worker in the bench process on a clock that is moved from one due attempt to the next (so
 *    two minutes take seconds); then 200. Every delivery must arrive with exactly one 2xx
 *    (none twice), on its first attempt after the receiver came up (within one schedule step).
 */
import { z } from 'zod';
import type { AdminPrincipal } from '../../src/auth/principal.ts';
import { startCallbackWorker } from '../../src/callbacks/worker.ts';
import type { AppContext } from '../../src/context.ts';
import { seal } from '../../src/crypto/secretBox.ts';
import { secretLocation } from '../../src/crypto/secretColumns.ts';
import { findEmbedConfig, updateEmbedConfig } from '../../src/db/repos/embedConfigs.ts';
import { sql } from '../../src/db/sql.ts';
import { nudgeQueue } from '../../src/runs/queue.ts';
import { createAdminUser } from '../../src/services/admins/adminUsers.ts';
import { createApiToken } from '../../src/services/admins/apiTokens.ts';
import { setIntegrationEnabledByAdmin } from '../../src/services/integrations/forAdmin.ts';
import { TestClock } from '../../src/testing/harness.ts';
import type { JobBench, JobRow } from './job.ts';
import { oneStepFlow } from './runThroughput.ts';
import { type BenchDatabase, percentile, type Receiver, seedIntegrations, startPatchbayProcess, startReceiver, until } from './world.ts';

const env = z
  .object({
    BENCH_CALLBACK_EVENTS: z.coerce.number().int().min(10).max(100_000).default(1000),
    BENCH_CALLBACK_DOWN_SECONDS: z.coerce.number().min(1).max(86_400).default(120),
  })
  .parse(process.env);

const CONCURRENCY = 10;

/** Points the configuration's callbacks at the receiver with a sealed secret, as the configuration service stores them. */
async function pointCallbacksAt(ctx: AppContext, configId: string, url: string): Promise<void> {
  const row = await findEmbedConfig(ctx.db, configId);
  if (!row) throw new Error('no configuration');
  const secret = `whsec_${Buffer.from('patchbay-bench-callback-secret!!').toString('base64')}`;
  await updateEmbedConfig(ctx.db, {
    ...row,
    callback_url: `${url}/callbacks`,
    callback_secret_enc: seal(ctx.keyring, secretLocation('embed_configs', 'callback_secret_enc', configId), secret),
  });
}

async function world(db: BenchDatabase, ctx: AppContext, receiver: Receiver) {
  const w = await seedIntegrations(ctx, {
    baseUrl: receiver.url,
    integrations: env.BENCH_CALLBACK_EVENTS,
    configs: 1,
    definition: oneStepFlow({ type: 'manual' }),
  });
  await pointCallbacksAt(ctx, w.configIds[0] as string, receiver.url);
  void db;
  return w;
}

/** The integration a callback is about, from its body. */
function integrationOf(body: string): string {
  const parsed = JSON.parse(body) as { type: string; data: { integrationId?: string } };
  if (parsed.type !== 'integration.disabled' || !parsed.data.integrationId) throw new Error(`unexpected callback ${parsed.type}`);
  return parsed.data.integrationId;
}

async function throughput(db: BenchDatabase, driver: string): Promise<JobRow[]> {
  const receiver = await startReceiver();
  const opened = await db.open();
  let server: Awaited<ReturnType<typeof startPatchbayProcess>> | undefined;
  try {
    const ctx = opened.ctx;
    const w = await world(db, ctx, receiver);
    const { id: adminUserId } = await createAdminUser(
      ctx,
      { kind: 'system' },
      { email: 'bench@vendor.test', name: 'Bench', role: 'owner', password: 'bench-password-long-enough' },
    );
    const { token } = await createApiToken(ctx, { kind: 'system' }, { adminUserId, name: 'bench', scopes: ['read', 'write', 'run'] });
    server = await startPatchbayProcess('serve', db.env);
    const changedAt = new Map<string, number>();
    const queue = [...w.integrationIds];
    const firstAt = Date.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          const res = await fetch(`${server?.url}/api/v1/integrations/${id}/disable`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}` },
          });
          if (res.status !== 200) throw new Error(`POST /api/v1/integrations/${id}/disable answered ${res.status}: ${await res.text()}`);
          await res.arrayBuffer();
          changedAt.set(id, Date.now());
        }
      }),
    );
    const changesS = (Date.now() - firstAt) / 1000;
    const n = env.BENCH_CALLBACK_EVENTS;
    await until(async () => receiver.arrivals.length >= n, 120_000, `${n} callbacks`, 50);
    await new Promise((r) => setTimeout(r, 500)); // anything sent twice arrives too
    const ids = receiver.arrivals.map((a) => String(a.headers['webhook-id']));
    if (new Set(ids).size !== n || ids.length !== n)
      throw new Error(`${ids.length} callbacks arrived with ${new Set(ids).size} webhook-ids for ${n} events`);
    const latencies = receiver.arrivals
      .map((a) => {
        const changed = changedAt.get(integrationOf(a.body));
        if (changed === undefined) throw new Error('a callback for an integration the bench did not change');
        return (a.at - changed) / 1000;
      })
      .sort((a, b) => a - b);
    const last = Math.max(...receiver.arrivals.map((a) => a.at));
    return [
      {
        name: 'deliveries/s',
        value: n / ((last - firstAt) / 1000),
        unit: '/s',
        detail: `${n} disables through the API in ${changesS.toFixed(1)} s (${CONCURRENCY} at a time), delivered by patchbay serve`,
      },
      { name: 'change → delivery p50', value: percentile(latencies, 0.5), unit: 's' },
      {
        name: 'change → delivery p99',
        value: percentile(latencies, 0.99),
        unit: 's',
        target: driver === 'sqlite' ? { kind: 'max', value: 1 } : undefined,
        detail: `max ${percentile(latencies, 1).toFixed(2)} s`,
      },
    ];
  } finally {
    await server?.stop();
    await opened.close();
    await receiver.close();
  }
}

async function downThenUp(db: BenchDatabase): Promise<JobRow[]> {
  const receiver = await startReceiver();
  const clock = TestClock.realTime();
  const opened = await db.open(clock);
  const ctx = opened.ctx;
  const worker = startCallbackWorker(ctx, { pollMs: 50 });
  try {
    const w = await world(db, ctx, receiver);
    receiver.status = 503;
    const { id: adminUserId } = await createAdminUser(
      ctx,
      { kind: 'system' },
      { email: 'bench2@vendor.test', name: 'Bench', role: 'owner', password: 'bench-password-long-enough' },
    );
    const admin: AdminPrincipal = {
      kind: 'admin',
      via: 'api_token',
      adminUserId,
      tokenId: null,
      role: 'owner',
      scopes: new Set(['read', 'write', 'run']),
      groups: new Map(),
    };
    const downAt = clock.now();
    for (const id of w.integrationIds) await setIntegrationEnabledByAdmin(ctx, admin, id, false, 'bench');
    const n = env.BENCH_CALLBACK_EVENTS;
    const nowIso = () => new Date(clock.now()).toISOString();
    // nothing due is waiting and nothing is being sent
    const settled = () =>
      until(
        async () =>
          (
            await ctx.db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM callback_deliveries
              WHERE status = 'sending' OR (status = 'pending' AND not_before <= ${nowIso()})`)
          )?.n === 0,
        120_000,
        'due deliveries to be attempted',
        20,
      );
    const nextDue = async () =>
      (await ctx.db.get<{ at: string | null }>(sql`SELECT MIN(not_before) AS at FROM callback_deliveries WHERE status = 'pending'`))?.at ??
      null;
    const moveTo = async (ms: number) => {
      if (ms > clock.now()) clock.set(ms);
      nudgeQueue('callback_deliveries');
      await settled();
    };
    await settled();
    const upAtTarget = downAt + env.BENCH_CALLBACK_DOWN_SECONDS * 1000;
    for (let due = await nextDue(); due !== null && Date.parse(due) < upAtTarget; due = await nextDue()) await moveTo(Date.parse(due) + 1);
    await moveTo(upAtTarget);
    const attemptsWhileDown = receiver.arrivals.length;
    receiver.status = 200;
    const upAt = clock.now();
    const realStart = Date.now();
    for (let due = await nextDue(); due !== null; due = await nextDue()) await moveTo(Date.parse(due) + 1);
    const realS = (Date.now() - realStart) / 1000;
    const clockS = (clock.now() - upAt) / 1000;
    const ok = receiver.arrivals.filter((a) => a.status === 200);
    const okIds = ok.map((a) => String(a.headers['webhook-id']));
    if (okIds.length !== n || new Set(okIds).size !== n) {
      throw new Error(`${okIds.length} deliveries succeeded with ${new Set(okIds).size} webhook-ids for ${n} events (none may come twice)`);
    }
    const states = await ctx.db.all<{ status: string; n: number }>(
      sql`SELECT status, COUNT(*) AS n FROM callback_deliveries GROUP BY status`,
    );
    if (states.length !== 1 || states[0]?.status !== 'delivered')
      throw new Error(`deliveries not all delivered: ${JSON.stringify(states)}`);
    // within one schedule step: every delivery needed exactly one attempt after the receiver came up
    const upIso = new Date(upAt).toISOString();
    const after = await ctx.db.get<{
      most: number | null;
    }>(sql`SELECT MAX(c) AS most FROM (SELECT COUNT(*) AS c FROM callback_delivery_attempts
      WHERE at >= ${upIso} GROUP BY delivery_id) x`);
    if (Number(after?.most) !== 1) throw new Error(`a delivery needed ${after?.most} attempts after the receiver came up`);
    return [
      {
        name: 'down → up: clock time to all delivered',
        value: clockS,
        unit: 's',
        detail: `${n} events, receiver 503 for ${env.BENCH_CALLBACK_DOWN_SECONDS} s (${attemptsWhileDown} attempts refused), then each delivered once on its next scheduled attempt; ${realS.toFixed(1)} s real time`,
      },
    ];
  } finally {
    await worker.stop();
    await opened.close();
    await receiver.close();
  }
}

export const callbackDelivery: JobBench = {
  name: 'callback-delivery',
  description: `${env.BENCH_CALLBACK_EVENTS} integration.disabled events to a local receiver: deliveries/s and change → delivery (target p99 ≤ 1 s on SQLite); then the receiver down ${env.BENCH_CALLBACK_DOWN_SECONDS} s (controllable clock) and up: all delivered on their next step, none twice`,
  async run(db, driver) {
    const rows = await throughput(db, driver);
    // part 2 on a fresh database of the same driver
    const { benchDatabase } = await import('./world.ts');
    const second = await benchDatabase(db.driver);
    try {
      return [...rows, ...(await downThenUp(second))];
    } finally {
      await second.close();
    }
  },
};

/**
 * Schedule start lag (issue 9): integrations of an `everyMinutes: 1` flow, their slots spread
 * evenly over one minute (as integrations enabled at different times are), executed by two
 * `patchbay worker` processes (each also runs the scheduler, once a second). For every
 * integration's first slot: actual start (`started_at`) minus the slot. Seeded in bulk through
 * the repositories; slots are set once both workers are up, starting a few seconds later.
 */
import { z } from 'zod';
import { inTransaction } from '../../src/context.ts';
import { setNextRunAt } from '../../src/db/repos/integrations.ts';
import { sql } from '../../src/db/sql.ts';
import type { JobBench } from './job.ts';
import { oneStepFlow } from './runThroughput.ts';
import { percentile, seedIntegrations, startPatchbayProcess, startReceiver, until } from './world.ts';

const env = z
  .object({
    BENCH_SCHEDULE_INTEGRATIONS: z.coerce.number().int().min(10).max(1_000_000).default(10_000),
    BENCH_SCHEDULE_SPREAD_SECONDS: z.coerce.number().int().min(1).max(60).default(60),
    BENCH_JOB_CONFIGS: z.coerce.number().int().min(1).max(100).default(4),
    BENCH_WORKERS: z.coerce.number().int().min(1).max(8).default(2),
  })
  .parse(process.env);

/** How long after the slots are written the first one comes due (the workers are already up). */
const LEAD_MS = 3_000;

export const scheduleLag: JobBench = {
  name: 'schedule-lag',
  description:
    `${env.BENCH_SCHEDULE_INTEGRATIONS} integrations scheduled every minute, slots spread over ${env.BENCH_SCHEDULE_SPREAD_SECONDS} s, ` +
    `${env.BENCH_WORKERS} \`patchbay worker\` processes: actual start minus slot of each first slot (target p99 ≤ 2 s on SQLite)`,
  async run(db, driver) {
    const upstream = await startReceiver();
    const opened = await db.open();
    const workers: Awaited<ReturnType<typeof startPatchbayProcess>>[] = [];
    try {
      const ctx = opened.ctx;
      const n = env.BENCH_SCHEDULE_INTEGRATIONS;
      const world = await seedIntegrations(ctx, {
        baseUrl: upstream.url,
        integrations: n,
        configs: env.BENCH_JOB_CONFIGS,
        definition: oneStepFlow({ type: 'schedule', everyMinutes: 1 }),
      });
      for (let w = 0; w < env.BENCH_WORKERS; w++) workers.push(await startPatchbayProcess('worker', db.env));
      const first = Date.now() + LEAD_MS;
      const spreadMs = env.BENCH_SCHEDULE_SPREAD_SECONDS * 1000;
      const slotOf = (i: number) => new Date(first + Math.floor((i * spreadMs) / n)).toISOString();
      const ids = world.integrationIds;
      for (let start = 0; start < ids.length; start += 1000) {
        await inTransaction(ctx, async (tx) => {
          for (let i = start; i < Math.min(ids.length, start + 1000); i++) await setNextRunAt(tx.db, ids[i] as string, slotOf(i));
        });
      }
      if (Date.now() > first)
        throw new Error(`writing the slots took longer than the ${LEAD_MS} ms lead; lower BENCH_SCHEDULE_INTEGRATIONS`);
      // every integration's first slot started: an integration has one run queued or running at a
      // time, so its first started run is its first slot's (second slots come a minute later)
      const started = async () =>
        (
          await ctx.db.get<{ n: number }>(
            sql`SELECT COUNT(DISTINCT integration_id) AS n FROM runs WHERE trigger = 'schedule' AND started_at IS NOT NULL`,
          )
        )?.n ?? 0;
      await until(
        async () => (await started()) >= n || Date.now() > first + spreadMs + 60_000,
        first + spreadMs + 90_000 - Date.now(),
        'runs',
      );
      const rows = await ctx.db.all<{ integration_id: string; trigger_payload: string; started_at: string | null }>(
        sql`SELECT integration_id, trigger_payload, started_at FROM runs WHERE trigger = 'schedule'`,
      );
      const firstSlot = new Map<string, number>();
      for (const r of rows) {
        if (r.started_at === null) continue;
        const slot = Date.parse((JSON.parse(r.trigger_payload) as { slot: string }).slot);
        const lag = Date.parse(r.started_at) - slot;
        const seen = firstSlot.get(r.integration_id);
        if (seen === undefined || slot < seen) firstSlot.set(r.integration_id, slot);
        if (lag < 0) throw new Error(`a run started ${-lag} ms before its slot`);
      }
      const lags = rows
        .filter((r) => r.started_at !== null)
        .filter((r) => Date.parse((JSON.parse(r.trigger_payload) as { slot: string }).slot) === firstSlot.get(r.integration_id))
        .map((r) => (Date.parse(r.started_at as string) - Date.parse((JSON.parse(r.trigger_payload) as { slot: string }).slot)) / 1000)
        .sort((a, b) => a - b);
      const missing = n - lags.length;
      // a slot that never started counts as infinitely late
      const all = [...lags, ...Array.from({ length: missing }, () => Number.POSITIVE_INFINITY)];
      const target = driver === 'sqlite' ? { kind: 'max' as const, value: 2 } : undefined;
      const detail = `${n} slots in ${env.BENCH_SCHEDULE_SPREAD_SECONDS} s (${Math.round(n / env.BENCH_SCHEDULE_SPREAD_SECONDS)}/s)${missing > 0 ? `, ${missing} not started` : ''}`;
      return [
        { name: 'start lag p50', value: percentile(all, 0.5), unit: 's', detail },
        { name: 'start lag p99', value: percentile(all, 0.99), unit: 's', target, detail: `max ${percentile(all, 1).toFixed(2)} s` },
      ];
    } finally {
      for (const w of workers) await w.stop();
      await opened.close();
      await upstream.close();
    }
  },
};

/**
 * Runs/s (issue 9): two `patchbay worker` processes on one database execute runs of a flow with
 * one HTTP step against a local upstream. Runs are enqueued in one transaction once both workers
 * are up; the figure is runs finished per second from the first run's start to the last run's
 * end (the workers' first look at the queue, up to their 1 s poll, is left out; the wall time
 * from the enqueue is reported beside it). Every run must end `success` and the upstream must see
 * each run's `Idempotency-Key` exactly once.
 */
import { z } from 'zod';
import { newId } from '../../src/crypto/tokens.ts';
import { insertRun } from '../../src/db/repos/runs.ts';
import { sql } from '../../src/db/sql.ts';
import type { JobBench, JobRow } from './job.ts';
import { percentile, seedIntegrations, startPatchbayProcess, startReceiver, until } from './world.ts';

const env = z
  .object({
    BENCH_RUNS: z.coerce.number().int().min(10).max(1_000_000).default(3000),
    BENCH_RUN_INTEGRATIONS: z.coerce.number().int().min(1).max(100_000).default(300),
    BENCH_JOB_CONFIGS: z.coerce.number().int().min(1).max(100).default(4),
    BENCH_WORKERS: z.coerce.number().int().min(1).max(8).default(2),
  })
  .parse(process.env);

/** A flow with one POST step through the slot's API-key auth. */
export function oneStepFlow(trigger: Record<string, unknown>) {
  return (connectorId: string) => ({
    slots: [{ key: 'crm', connectorId, label: 'CRM' }],
    trigger,
    steps: [{ id: 'push', type: 'http', slot: 'crm', method: 'POST', path: '/push', body: { run: '{{ run.id }}' } }],
  });
}

export const runThroughput: JobBench = {
  name: 'run-throughput',
  description:
    `${env.BENCH_RUNS} runs of a one-HTTP-step flow over ${env.BENCH_RUN_INTEGRATIONS} integrations in ${env.BENCH_JOB_CONFIGS} ` +
    `configurations, executed by ${env.BENCH_WORKERS} \`patchbay worker\` processes against a local upstream (target ≥ 300 runs/s on SQLite)`,
  async run(db, driver) {
    const upstream = await startReceiver();
    const opened = await db.open();
    const workers: Awaited<ReturnType<typeof startPatchbayProcess>>[] = [];
    try {
      const ctx = opened.ctx;
      const world = await seedIntegrations(ctx, {
        baseUrl: upstream.url,
        integrations: env.BENCH_RUN_INTEGRATIONS,
        configs: env.BENCH_JOB_CONFIGS,
        definition: oneStepFlow({ type: 'webhook' }),
      });
      for (let w = 0; w < env.BENCH_WORKERS; w++) workers.push(await startPatchbayProcess('worker', db.env));
      const runIds: string[] = [];
      const enqueuedAt = Date.now();
      await ctx.db.tx(async (tx) => {
        const now = new Date().toISOString();
        for (let n = 0; n < env.BENCH_RUNS; n++) {
          const id = newId('run');
          await insertRun(tx, {
            id,
            integration_id: world.integrationIds[n % world.integrationIds.length] as string,
            trigger: 'webhook',
            trigger_payload: '{}',
            max_attempts: 1,
            retry_of: null,
            not_before: now,
            created_at: now,
          });
          runIds.push(id);
        }
      });
      const committedAt = Date.now();
      const finished = async () =>
        (await ctx.db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM runs WHERE finished_at IS NOT NULL`))?.n === env.BENCH_RUNS;
      await until(finished, Math.max(120_000, env.BENCH_RUNS * 50), `${env.BENCH_RUNS} runs to finish`, 50);
      const doneAt = Date.now();
      const span = await ctx.db.get<{ first: string; last: string; ok: number }>(sql`SELECT MIN(started_at) AS first,
        MAX(finished_at) AS last, SUM(CASE WHEN status = 'success' THEN 1 ELSE 0 END) AS ok FROM runs`);
      if (!span || Number(span.ok) !== env.BENCH_RUNS) {
        const statuses = await ctx.db.all(sql`SELECT status, error_code, COUNT(*) AS n FROM runs GROUP BY status, error_code`);
        throw new Error(`${env.BENCH_RUNS - Number(span?.ok ?? 0)} runs did not succeed: ${JSON.stringify(statuses)}`);
      }
      const keys = upstream.arrivals.map((a) => String(a.headers['idempotency-key']));
      if (keys.length !== env.BENCH_RUNS || new Set(keys).size !== env.BENCH_RUNS) {
        throw new Error(`the upstream saw ${keys.length} calls with ${new Set(keys).size} distinct keys for ${env.BENCH_RUNS} runs`);
      }
      const expected = new Set(runIds.map((id) => `${id}.push`));
      if (!keys.every((k) => expected.has(k))) throw new Error('the upstream saw an Idempotency-Key of no enqueued run');
      const steadyS = (Date.parse(span.last) - Date.parse(span.first)) / 1000;
      const times = await ctx.db.all<{ created_at: string; started_at: string; finished_at: string }>(
        sql`SELECT created_at, started_at, finished_at FROM runs`,
      );
      const execMs = times.map((t) => Date.parse(t.finished_at) - Date.parse(t.started_at)).sort((a, b) => a - b);
      const execution = `a run's start → finish p50 ${percentile(execMs, 0.5)} ms, p99 ${percentile(execMs, 0.99)} ms`;
      const rows: JobRow[] = [
        {
          name: 'runs/s (first start → last finish)',
          value: env.BENCH_RUNS / steadyS,
          unit: 'runs/s',
          target: driver === 'sqlite' ? { kind: 'min', value: 300 } : undefined,
          detail: `${env.BENCH_RUNS} runs in ${steadyS.toFixed(2)} s, ${env.BENCH_WORKERS} workers; ${execution}`,
        },
        {
          name: 'runs/s (enqueue commit → all finished)',
          value: env.BENCH_RUNS / ((doneAt - committedAt) / 1000),
          unit: 'runs/s',
          detail: `enqueue of ${env.BENCH_RUNS} took ${committedAt - enqueuedAt} ms; includes the workers' poll (≤ 1 s)`,
        },
      ];
      return rows;
    } finally {
      for (const w of workers) await w.stop();
      await opened.close();
      await upstream.close();
    }
  },
};

/**
 * The console's Integrations page over a big table (issue 11): `BENCH_CONSOLE_INTEGRATIONS`
 * integrations (default 100,000; 20 flows, so 5,000 end users with an auth each, over 4
 * configurations, a second apart) seeded in bulk through the repositories, then the first page
 * as the page asks for it (`limit=50`, the handler `/admin/api/integrations` shares with
 * `/api/v1/integrations`) from `patchbay serve` (worker off), unfiltered and with the page's
 * filters. Each is timed `SAMPLES` times one after another on loopback after a warm-up; the
 * figure is the median, the target ≤ 300 ms for each (the p99 is reported beside it).
 */
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { createAdminUser } from '../../src/services/admins/adminUsers.ts';
import { createApiToken } from '../../src/services/admins/apiTokens.ts';
import type { JobBench, JobRow } from './job.ts';
import { oneStepFlow } from './runThroughput.ts';
import { percentile, seedIntegrations, startPatchbayProcess } from './world.ts';

const env = z.object({ BENCH_CONSOLE_INTEGRATIONS: z.coerce.number().int().min(100).max(2_000_000).default(100_000) }).parse(process.env);

const SAMPLES = 20;
const WARMUP = 3;
const FLOWS = 20;

export const consoleIntegrations: JobBench = {
  name: 'console-integrations',
  description: `the console's Integrations page (GET /api/v1/integrations?limit=50, the handler /admin/api shares) with ${env.BENCH_CONSOLE_INTEGRATIONS} integrations: median of ${SAMPLES} sequential calls per filter (target ≤ 300 ms)`,
  async run(db) {
    const opened = await db.open();
    let server: Awaited<ReturnType<typeof startPatchbayProcess>> | undefined;
    try {
      const ctx = opened.ctx;
      const seedStart = Date.now();
      const world = await seedIntegrations(ctx, {
        baseUrl: 'https://api.bench.example',
        integrations: env.BENCH_CONSOLE_INTEGRATIONS,
        configs: 4,
        flows: FLOWS,
        spreadCreatedAt: true,
        batch: 2000,
        definition: oneStepFlow({ type: 'manual' }),
      });
      const seedS = (Date.now() - seedStart) / 1000;
      const { id: adminUserId } = await createAdminUser(
        ctx,
        { kind: 'system' },
        { email: 'bench@vendor.test', name: 'Bench', role: 'owner', password: 'bench-password-long-enough' },
      );
      const { token } = await createApiToken(ctx, { kind: 'system' }, { adminUserId, name: 'bench', scopes: ['read'] });
      server = await startPatchbayProcess('serve', { ...db.env, PATCHBAY_WORKER: 'false' });
      const users = Math.ceil(env.BENCH_CONSOLE_INTEGRATIONS / FLOWS);
      const queries: [string, string][] = [
        ['first page', ''],
        ['status=enabled', '&status=enabled'],
        ['configId', `&configId=${world.configIds[1]}`],
        ['flowId', `&flowId=${world.flowIds[7]}`],
        ['accountId', `&accountId=acct-${Math.floor(users / 2) % 1000}`],
        ['userId', `&userId=user-${Math.floor(users * 0.43)}`],
      ];
      const rows: JobRow[] = [];
      for (const [name, filter] of queries) {
        const url = `${server.url}/api/v1/integrations?limit=50${filter}`;
        const times: number[] = [];
        for (let i = 0; i < WARMUP + SAMPLES; i++) {
          const t = performance.now();
          const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
          const body = (await res.json()) as { items?: unknown[] };
          const ms = performance.now() - t;
          if (res.status !== 200 || !Array.isArray(body.items) || body.items.length === 0) {
            throw new Error(`GET ${url} answered ${res.status} with ${body.items?.length ?? 'no'} items`);
          }
          if (i >= WARMUP) times.push(ms);
        }
        times.sort((a, b) => a - b);
        rows.push({
          name: `${name} p50`,
          value: percentile(times, 0.5),
          unit: 'ms',
          target: { kind: 'max', value: 300 },
          detail: `p99 ${percentile(times, 0.99).toFixed(1)} ms${name === 'first page' ? `; seeded in ${seedS.toFixed(0)} s` : ''}`,
        });
      }
      return rows;
    } finally {
      await server?.stop();
      await opened.close();
    }
  },
};

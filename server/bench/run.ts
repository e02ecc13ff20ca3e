/**
 * `pnpm bench`: loads a bare Express 5 route and Patchbay's hot paths in one run, and reports
 * requests/s, p50 and p99 for each beside the bare route, as ratios. A scenario with `compareWith`
 * is also reported against that scenario (e.g. the proxy against a direct call to the same
 * upstream): latency added at p50/p99 and throughput ratio. Writes `bench/results/latest.json`;
 * exits 1 if any scenario failed to set up or got a non-2xx answer.
 *
 * Environment: BENCH_SECONDS (measured seconds per scenario, default 5), BENCH_WARMUP_SECONDS
 * (default 1, discarded), BENCH_CONNECTIONS (default 10), BENCH_LOG_LEVEL (Patchbay's log level,
 * default `info` as in production; lines are built but written nowhere), BENCH_ONLY (comma-separated
 * scenario names; the baseline and any scenario a selected one compares with always run; naming only
 * budget checks skips the load phase), BENCH_READY_RUNS (Chromium runs per kind for `embed-ready`,
 * default 10), CHROMIUM_PATH (default /usr/bin/chromium), BENCH_DRIVERS (default `sqlite,postgres`),
 * BENCH_ROUNDS (default 3: per scenario the drivers take turns, each measured BENCH_SECONDS in all,
 * reported by its median round). PATCHBAY_DATABASE_POOL_SIZE reaches the Patchbay under load.
 *
 * Then the job benches (`JOB_BENCHES`, `jobs/`): run throughput with `patchbay worker` processes,
 * schedule start lag, callback delivery (and a receiver down, then up, on the controllable clock),
 * and the console's Integrations page over 100,000 integrations, each on a fresh database per
 * driver; their sizes have BENCH_* knobs (bench/README.md). A missed target or a broken invariant
 * exits 1.
 *
 * After those come the embed budgets (`BUDGET_CHECKS`): SDK size, the iframe's first
 * view, the admin console's first view, and `mountPortal()` → `ready` beside a blank cross-origin
 * iframe; over budget exits 1 too.
 */
import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { type JobRow, meets } from './jobs/job.ts';
import { benchDatabase } from './jobs/world.ts';
import { type Measurement, measure, type RequestSpec } from './measure.ts';
import type { FromServer, ToServer } from './protocol.ts';
import { type Comparison, compare, formatComparisonTable, formatTable, isBroken, ratio, type ScenarioResult } from './report.ts';
import { type BudgetRow, benchWorkspaceRoot, formatBudgetTable } from './scenarios/embedBudgets.ts';
import { BASELINE, BUDGET_CHECKS, JOB_BENCHES, SCENARIOS } from './scenarios/index.ts';
import { startPatchbay } from './targets/patchbay.ts';
import { startBenchPostgres } from './targets/postgres.ts';

const env = z
  .object({
    BENCH_SECONDS: z.coerce.number().positive().max(600).default(5),
    BENCH_WARMUP_SECONDS: z.coerce.number().min(0).max(60).default(1),
    BENCH_CONNECTIONS: z.coerce.number().int().min(1).max(1000).default(10),
    BENCH_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
    BENCH_ONLY: z.string().optional(),
    BENCH_READY_RUNS: z.coerce.number().int().min(1).max(100).default(10),
    CHROMIUM_PATH: z.string().default('/usr/bin/chromium'),
    BENCH_DRIVERS: z.string().default('sqlite,postgres'),
    BENCH_ROUNDS: z.coerce.number().int().min(1).max(20).default(3),
  })
  .parse(process.env);

const only = env.BENCH_ONLY?.split(',').map((s) => s.trim());
const selected = SCENARIOS.filter((s) => !only || only.includes(s.name));
const checks = BUDGET_CHECKS.filter((c) => !only || only.includes(c.name));
const jobs = JOB_BENCHES.filter((j) => !only || only.includes(j.name));
// With BENCH_ONLY naming budget checks or job benches alone, the load phase is skipped.
const runLoad = !only || selected.length > 0 || (checks.length === 0 && jobs.length === 0);
const needed = new Set(runLoad ? [BASELINE.name, ...selected.flatMap((s) => [s.name, ...(s.compareWith ? [s.compareWith] : [])])] : []);
const scenarios = SCENARIOS.filter((s) => needed.has(s.name));
const unknown = [...needed].filter((n) => !SCENARIOS.some((s) => s.name === n));
if (unknown.length > 0) throw new Error(`compareWith names no scenario: ${unknown.join(', ')}`);
const load = { connections: env.BENCH_CONNECTIONS, seconds: env.BENCH_SECONDS };

type Driver = 'sqlite' | 'postgres';
const drivers: Driver[] = env.BENCH_DRIVERS.split(',').map((d) => z.enum(['sqlite', 'postgres']).parse(d.trim()));
/** PostgreSQL throughput at least this share of SQLite's in the same run. */
const PG_TARGETS: Record<string, number> = { 'connector-list': 0.7, 'session-exchange': 0.7 };

/** One server process (Patchbay and the bare app on their own event loop) for one driver; fork keeps tsx's loader flags. */
function startServerProcess(databaseUrl: string | undefined) {
  const child: ChildProcess = fork(path.join(import.meta.dirname, 'serve.ts'), {
    env: { ...process.env, BENCH_LOG_LEVEL: env.BENCH_LOG_LEVEL, ...(databaseUrl ? { BENCH_DATABASE_URL: databaseUrl } : {}) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const inbox: FromServer[] = [];
  let waiting: ((msg: FromServer) => void) | undefined;
  child.on('message', (msg: FromServer) => {
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(msg);
    } else inbox.push(msg);
  });
  child.on('exit', (code) => {
    if (waiting) {
      console.error(`\nThe bench server process exited (${code}) before answering`);
      process.exit(1);
    }
  });
  const next = (): Promise<FromServer> => {
    const queued = inbox.shift();
    return queued ? Promise.resolve(queued) : new Promise((resolve) => (waiting = resolve));
  };
  return {
    next,
    ask(msg: ToServer): Promise<FromServer> {
      child.send(msg);
      return next();
    },
  };
}

type ServerProcess = ReturnType<typeof startServerProcess>;

/** The round with the median throughput (rounds of one driver under the same outside load). */
function medianRound(rounds: Measurement[]): Measurement {
  const sorted = [...rounds].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)] as Measurement;
}

/**
 * Runs every load scenario on every driver's server process. Per scenario the drivers take turns
 * in `BENCH_ROUNDS` rounds (sqlite, postgres, sqlite, …) and each reports its median round, so a
 * burst of outside load on a shared machine falls on both columns instead of skewing the ratio.
 */
async function runLoadPhase(servers: Partial<Record<Driver, ServerProcess>>): Promise<Partial<Record<Driver, ScenarioResult[]>>> {
  const live = drivers.filter((d) => servers[d]);
  const out: Partial<Record<Driver, ScenarioResult[]>> = Object.fromEntries(live.map((d) => [d, []]));
  const baselines: Partial<Record<Driver, Measurement>> = {};
  const roundSeconds = load.seconds / env.BENCH_ROUNDS;
  for (const scenario of scenarios) {
    process.stdout.write(`  ${scenario.name} … `);
    const requests: Partial<Record<Driver, RequestSpec>> = {};
    const failed: Partial<Record<Driver, string>> = {};
    for (const d of live) {
      try {
        const answer = await (servers[d] as ServerProcess).ask({ type: 'prepare', name: scenario.name });
        if (answer.type !== 'prepared') throw new Error(answer.type === 'failed' ? answer.error : `unexpected answer ${answer.type}`);
        if (env.BENCH_WARMUP_SECONDS > 0) await measure(answer.request, { ...load, seconds: env.BENCH_WARMUP_SECONDS });
        requests[d] = answer.request;
      } catch (err) {
        failed[d] = err instanceof Error ? err.message : String(err);
      }
    }
    const rounds: Partial<Record<Driver, Measurement[]>> = {};
    for (let i = 0; i < env.BENCH_ROUNDS; i++) {
      for (const d of live) {
        const request = requests[d];
        if (!request || failed[d]) continue;
        try {
          const m = await measure(request, { ...load, seconds: roundSeconds });
          rounds[d] = [...(rounds[d] ?? []), m];
        } catch (err) {
          failed[d] = err instanceof Error ? err.message : String(err);
        }
      }
    }
    const line: string[] = [];
    for (const d of live) {
      const error = failed[d];
      const results = out[d] as ScenarioResult[];
      if (error !== undefined || !rounds[d]) {
        results.push({ name: scenario.name, description: scenario.description, ok: false, error: error ?? 'no round measured' });
        line.push(`${d} FAILED: ${error}`);
        continue;
      }
      const m = medianRound(rounds[d]);
      if (scenario === BASELINE) baselines[d] = m;
      const base = baselines[d] ?? m;
      results.push({
        name: scenario.name,
        description: scenario.description,
        ok: true,
        measurement: m,
        ratios: {
          throughput: ratio(m.requestsPerSecond, base.requestsPerSecond),
          p50: ratio(m.p50, base.p50),
          p99: ratio(m.p99, base.p99),
        },
      });
      line.push(
        `${d} ${Math.round(m.requestsPerSecond)} req/s (rounds ${rounds[d].map((r) => Math.round(r.requestsPerSecond)).join('/')})`,
      );
    }
    console.log(line.join(', '));
  }
  return out;
}

console.log(
  `Patchbay bench: ${load.connections} connections, ${env.BENCH_WARMUP_SECONDS}s warm-up + ${load.seconds}s per scenario, ` +
    `servers in a child process, Patchbay log level ${env.BENCH_LOG_LEVEL} (lines built, written nowhere), ` +
    `Node ${process.version}, ${os.cpus().length} CPUs; drivers: ${drivers.join(', ')}`,
);

const byDriver: Partial<Record<Driver, ScenarioResult[]>> = {};
const driverComparisons: Partial<Record<Driver, Comparison[]>> = {};
if (runLoad) {
  const servers: Partial<Record<Driver, ServerProcess>> = {};
  let pg: Awaited<ReturnType<typeof startBenchPostgres>> | undefined;
  const unavailable: Partial<Record<Driver, string>> = {};
  try {
    for (const driver of drivers) {
      try {
        if (driver === 'postgres') pg = await startBenchPostgres();
        const server = startServerProcess(driver === 'postgres' ? pg?.databaseUrl : undefined);
        await server.next(); // ready
        servers[driver] = server;
      } catch (err) {
        unavailable[driver] = err instanceof Error ? err.message : String(err);
        console.log(`  ${driver}: could not run (${unavailable[driver]})`);
      }
    }
    console.log(
      `\n${drivers.filter((d) => servers[d]).join(' and ')} in turns, ${env.BENCH_ROUNDS} rounds of ${(load.seconds / env.BENCH_ROUNDS).toFixed(1)}s each (median round):`,
    );
    Object.assign(byDriver, await runLoadPhase(servers));
    for (const [driver, message] of Object.entries(unavailable) as [Driver, string][]) {
      byDriver[driver] = scenarios.map((s) => ({ name: s.name, description: s.description, ok: false, error: message }));
    }
  } finally {
    for (const server of Object.values(servers)) await server?.ask({ type: 'stop' });
    await pg?.stop();
  }
  for (const driver of drivers) {
    const results = byDriver[driver] ?? [];
    console.log(`\n${driver}:\n\n${formatTable(results)}`);
    const comparisons: Comparison[] = scenarios.flatMap((s) => (s.compareWith ? [compare(results, s.name, s.compareWith)] : []));
    driverComparisons[driver] = comparisons;
    if (comparisons.length > 0) console.log(`\n${driver}, vs compareWith (same run):\n\n${formatComparisonTable(comparisons)}`);
  }
  console.log('');
  for (const s of scenarios) console.log(`  ${s.name}: ${s.description}`);
}
const results = drivers.flatMap((d) => (byDriver[d] ?? []).map((r) => ({ ...r, name: drivers.length > 1 ? `${r.name} (${d})` : r.name })));
const comparisons = drivers.flatMap((d) => driverComparisons[d] ?? []);

// PostgreSQL beside SQLite: throughput of each scenario, and the targets for the hot paths.
const driverTargets: { name: string; ratio: number; target: number; ok: boolean }[] = [];
if (byDriver.sqlite && byDriver.postgres) {
  const rows = scenarios.map((s) => {
    const a = byDriver.sqlite?.find((r) => r.name === s.name);
    const b = byDriver.postgres?.find((r) => r.name === s.name);
    const ra = a?.ok ? a.measurement.requestsPerSecond : Number.NaN;
    const rb = b?.ok ? b.measurement.requestsPerSecond : Number.NaN;
    const r = rb / ra;
    const target = PG_TARGETS[s.name];
    if (target !== undefined) driverTargets.push({ name: s.name, ratio: r, target, ok: r >= target });
    return `| ${s.name} | ${Math.round(ra)} | ${Math.round(rb)} | ×${r.toFixed(2)} | ${target === undefined ? '' : `≥ ×${target.toFixed(2)} ${r >= target ? 'met' : 'NOT MET'}`} |`;
  });
  console.log(
    `\nPostgreSQL beside SQLite (same run, req/s):\n\n| scenario | sqlite | postgres | postgres/sqlite | target |\n| --- | --- | --- | --- | --- |\n${rows.join('\n')}`,
  );
}

// Job benches: each on a fresh database per driver (runs, schedules, callbacks, the console's list).
const jobRows: (JobRow & { bench: string; driver: Driver; ok: boolean })[] = [];
const jobFailures: string[] = [];
if (jobs.length > 0) {
  console.log(`\nJob benches (a fresh database per bench and driver; drivers: ${drivers.join(', ')}):`);
  for (const job of jobs) {
    for (const driver of drivers) {
      process.stdout.write(`  ${job.name} (${driver}) … `);
      const started = Date.now();
      let db: Awaited<ReturnType<typeof benchDatabase>> | undefined;
      try {
        db = await benchDatabase(driver);
        const rows = await job.run(db, driver);
        for (const r of rows) jobRows.push({ ...r, bench: job.name, driver, ok: meets(r) });
        console.log(
          `${rows.map((r) => `${r.name} ${r.value.toFixed(r.value >= 100 ? 0 : 2)} ${r.unit}`).join(', ')} (${Math.round((Date.now() - started) / 1000)} s)`,
        );
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        jobFailures.push(`${job.name} (${driver}): ${message}`);
        console.log(`FAILED: ${message}`);
      } finally {
        await db?.close();
      }
    }
  }
  if (jobRows.length > 0) {
    const fmt = (v: number) => (Number.isFinite(v) ? (Math.abs(v) >= 100 ? Math.round(v).toLocaleString('en-US') : v.toFixed(2)) : '—');
    console.log(
      `\n| bench | driver | figure | value | target | detail |\n| --- | --- | --- | --- | --- | --- |\n${jobRows
        .map(
          (r) =>
            `| ${r.bench} | ${r.driver} | ${r.name} | ${fmt(r.value)} ${r.unit} | ${
              r.target ? `${r.target.kind === 'min' ? '≥' : '≤'} ${r.target.value} ${r.ok ? 'met' : 'NOT MET'}` : ''
            } | ${r.detail ?? ''} |`,
        )
        .join('\n')}`,
    );
  }
  for (const j of jobs) console.log(`  ${j.name}: ${j.description}`);
}

const budgets: BudgetRow[] = [];
const budgetFailures: string[] = [];
if (checks.length > 0) {
  console.log(`\nEmbed budgets (gzip -9 as served, 1 KB = 1024 B; Chromium ${env.CHROMIUM_PATH}, ${env.BENCH_READY_RUNS} runs each):`);
  const patchbay = await startPatchbay({ logLevel: 'silent' });
  try {
    const root = benchWorkspaceRoot();
    for (const check of checks) {
      process.stdout.write(`  ${check.name} … `);
      try {
        const rows = await check.run({ root, patchbay, readyRuns: env.BENCH_READY_RUNS, chromiumPath: env.CHROMIUM_PATH });
        budgets.push(...rows);
        console.log(rows.every((r) => r.ok) ? 'within budget' : 'OVER BUDGET');
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        budgetFailures.push(`${check.name}: ${message}`);
        console.log(`FAILED: ${message}`);
      }
    }
  } finally {
    await patchbay.close();
  }
  if (budgets.length > 0) console.log(`\n${formatBudgetTable(budgets)}`);
  for (const c of checks) console.log(`  ${c.name}: ${c.description}`);
}

const out = path.join(import.meta.dirname, 'results', 'latest.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(
  out,
  `${JSON.stringify(
    {
      at: new Date().toISOString(),
      node: process.version,
      cpus: os.cpus().length,
      connections: load.connections,
      seconds: load.seconds,
      warmupSeconds: env.BENCH_WARMUP_SECONDS,
      logLevel: env.BENCH_LOG_LEVEL,
      baseline: BASELINE.name,
      results,
      comparisons,
      budgets,
      budgetFailures,
      driverTargets,
      jobs: jobRows,
      jobFailures,
    },
    null,
    2,
  )}\n`,
);
console.log(`\nWrote ${path.relative(process.cwd(), out)}`);

const broken = results.filter(isBroken);
if (broken.length > 0) console.error(`\n${broken.length} scenario(s) broken: ${broken.map((r) => r.name).join(', ')}`);
const over = budgets.filter((r) => !r.ok);
if (over.length > 0) console.error(`\nOver budget: ${over.map((r) => r.name).join(', ')}`);
if (budgetFailures.length > 0) console.error(`\nBudget checks that could not run:\n- ${budgetFailures.join('\n- ')}`);
const missed = driverTargets.filter((t) => !t.ok);
if (missed.length > 0)
  console.error(
    `\nPostgreSQL below its share of SQLite: ${missed.map((t) => `${t.name} ×${t.ratio.toFixed(2)} < ×${t.target}`).join(', ')}`,
  );
const jobsMissed = jobRows.filter((r) => !r.ok);
if (jobsMissed.length > 0)
  console.error(`\nJob bench targets not met: ${jobsMissed.map((r) => `${r.bench} (${r.driver}) ${r.name}`).join(', ')}`);
if (jobFailures.length > 0) console.error(`\nJob benches that failed:\n- ${jobFailures.join('\n- ')}`);
if (
  broken.length > 0 ||
  over.length > 0 ||
  budgetFailures.length > 0 ||
  missed.length > 0 ||
  jobsMissed.length > 0 ||
  jobFailures.length > 0
)
  process.exit(1);

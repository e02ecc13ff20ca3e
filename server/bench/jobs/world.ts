/**
 * What the job benches (runs, schedules, callbacks, the console's list) share: a fresh database
 * per bench and driver, a context opened on it the way production opens one, bulk seeding through
 * the repositories (batched transactions, never the API), real `patchbay` processes on the same
 * database, and a local upstream that records when each request arrived.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config.ts';
import type { AppContext, Clock } from '../../src/context.ts';
import { inTransaction, nowIso } from '../../src/context.ts';
import { sealJson } from '../../src/crypto/secretBox.ts';
import { secretLocation } from '../../src/crypto/secretColumns.ts';
import { newId } from '../../src/crypto/tokens.ts';
import { insertConnectorAuthRow } from '../../src/db/repos/connectorAuths.ts';
import { upsertEndUser } from '../../src/db/repos/endUsers.ts';
import { insertIntegrationRow, replaceBindings } from '../../src/db/repos/integrations.ts';
import { sql } from '../../src/db/sql.ts';
import { createLogger } from '../../src/log.ts';
import { type OpenedContext, openContext } from '../../src/openContext.ts';
import { insertConfig, insertConnector, insertFlow } from '../../src/testing/domainFixtures.ts';
import { startBenchPostgres } from '../targets/postgres.ts';

export type Driver = 'sqlite' | 'postgres';

const serverDir = path.resolve(import.meta.dirname, '../..');

/** A fresh, migrated database for one bench on one driver, with the environment a `patchbay` process needs for it. */
export interface BenchDatabase {
  readonly driver: Driver;
  /** PATCHBAY_DB or PATCHBAY_DATABASE_URL, the encryption key, loopback allowed, logs silent. */
  readonly env: Record<string, string>;
  /** Opens a context on it (migrating it the first time); `clock` defaults to the system clock. */
  open(clock?: Clock): Promise<OpenedContext>;
  close(): Promise<void>;
}

/** A fresh SQLite file, or a database on a throwaway durable PostgreSQL (`targets/postgres.ts`). */
export async function benchDatabase(driver: Driver): Promise<BenchDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-jobs-'));
  const pg = driver === 'postgres' ? await startBenchPostgres() : null;
  const env: Record<string, string> = {
    ...(pg ? { PATCHBAY_DATABASE_URL: pg.databaseUrl } : { PATCHBAY_DB: path.join(dir, 'patchbay.db') }),
    PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true',
    PATCHBAY_LOG_LEVEL: 'silent',
    ...(process.env.PATCHBAY_DATABASE_POOL_SIZE ? { PATCHBAY_DATABASE_POOL_SIZE: process.env.PATCHBAY_DATABASE_POOL_SIZE } : {}),
  };
  return {
    driver,
    env,
    open: (clock) => openContext(loadConfig(env), { log: createLogger('silent'), ...(clock ? { clock } : {}) }),
    async close() {
      await pg?.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A `patchbay` CLI process (`serve` or `worker`) on a bench database. */
export interface PatchbayProcess {
  /** `serve`: where it listens. */
  readonly url: string | null;
  /** SIGTERM (graceful), then waits for the exit. */
  stop(): Promise<void>;
}

/**
 * Starts `patchbay <command>` (the CLI as shipped, through tsx) with `env` added; answers once
 * it is up: `serve` when it prints its URL, `worker` when it says it is running.
 */
export async function startPatchbayProcess(command: 'serve' | 'worker', env: Record<string, string>): Promise<PatchbayProcess> {
  // BENCH_CPU_PROF=<dir>: each process writes a V8 CPU profile there when it exits (open it in Chrome's DevTools).
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(process.env.BENCH_CPU_PROF)] : [];
  const child: ChildProcess = spawn(process.execPath, [...prof, '--import', 'tsx', 'src/cli.ts', command], {
    cwd: serverDir,
    env: { ...process.env, PORT: '0', PATCHBAY_HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string | null>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`patchbay ${command} did not start within 60 s: ${output.slice(-800)}`)), 60_000);
    const look = (d: Buffer) => {
      output += d.toString();
      const listening = /https?:\/\/(?:127\.0\.0\.1|localhost|\[::1\]):\d+/.exec(output);
      if (command === 'serve' && listening) {
        clearTimeout(timer);
        resolve(listening[0]);
      } else if (command === 'worker' && /is running/.test(output)) {
        clearTimeout(timer);
        resolve(null);
      }
    };
    child.stdout?.on('data', look);
    child.stderr?.on('data', look);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`patchbay ${command} exited (${code}) before it was up: ${output.slice(-800)}`));
    });
  });
  return {
    url,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** One request a {@link Receiver} got, with when it arrived (ms, wall clock). */
export interface Arrival {
  readonly at: number;
  /** What the receiver answered. */
  readonly status: number;
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

/** A loopback HTTP server that answers `status()` (200 `{}` by default) and records every arrival. */
export interface Receiver {
  readonly url: string;
  readonly arrivals: Arrival[];
  /** What it answers from now on. */
  status: number;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const arrivals: Arrival[] = [];
  const state = { status: 200 };
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      arrivals.push({
        at: Date.now(),
        status: state.status,
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(state.status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    arrivals,
    get status() {
      return state.status;
    },
    set status(s: number) {
      state.status = s;
    },
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A seeded world: one API-key connector pointing at `baseUrl`, `configs` configurations, one flow, and integrations. */
export interface SeededWorld {
  readonly connectorId: string;
  readonly configIds: readonly string[];
  /** The first flow (of `flows`). */
  readonly flowId: string;
  readonly flowIds: readonly string[];
  readonly integrationIds: string[];
}

/** Options of {@link seedIntegrations}. */
export interface SeedOptions {
  /** The connector's base URL (the local upstream). */
  readonly baseUrl: string;
  readonly integrations: number;
  /** Configurations the integrations are spread over round-robin (the queue is fair across them and caps each). */
  readonly configs: number;
  /** The flow's definition (one slot `crm` of the connector). */
  readonly definition: (connectorId: string) => Record<string, unknown>;
  /** The `next_run_at` of integration `i`, or null. */
  readonly nextRunAt?: (i: number) => string | null;
  /** Rows per transaction (default 500; a multiple of `flows`, so an end user's integrations share a batch). */
  readonly batch?: number;
  /**
   * Flows (default 1): each end user (and its auth) gets one integration of each, so a big seed
   * needs `integrations / flows` end users and auths.
   */
  readonly flows?: number;
  /** Creation times one second apart, newest last, ending now (lists sort by them); default all now. */
  readonly spreadCreatedAt?: boolean;
}

/**
 * Seeds in bulk through the repositories: per integration an end user of its own, a sealed
 * API-key connector auth and an enabled integration bound to it, in transactions of `batch`.
 */
export async function seedIntegrations(ctx: AppContext, opts: SeedOptions): Promise<SeededWorld> {
  const connectorId = await insertConnector(ctx, { authType: 'api_key' });
  await ctx.db.run(sql`UPDATE connectors SET base_url = ${opts.baseUrl} WHERE id = ${connectorId}`);
  const configIds: string[] = [];
  for (let c = 0; c < opts.configs; c++) configIds.push(await insertConfig(ctx, { name: `Bench ${c}` }));
  const flowIds: string[] = [];
  for (let f = 0; f < (opts.flows ?? 1); f++)
    flowIds.push(await insertFlow(ctx, { name: `Bench flow ${f}`, definition: opts.definition(connectorId) }));
  const flowId = flowIds[0] as string;
  const integrationIds: string[] = [];
  const batch = opts.batch ?? 500;
  const now = nowIso(ctx);
  const nowMs = ctx.clock.now();
  const batches: number[] = [];
  for (let start = 0; start < opts.integrations; start += batch) batches.push(start);
  const seedBatch = (start: number) =>
    inTransaction(ctx, async (tx) => {
      let user = { endUserId: '', authId: '', accountId: '', configId: '' };
      for (let i = start; i < Math.min(opts.integrations, start + batch); i++) {
        const u = Math.floor(i / flowIds.length);
        const createdAt = opts.spreadCreatedAt ? new Date(nowMs - (opts.integrations - i) * 1000).toISOString() : now;
        if (i % flowIds.length === 0) {
          const configId = configIds[u % configIds.length] as string;
          const endUserId = newId('eu');
          const accountId = `acct-${u % 1000}`;
          await upsertEndUser(tx.db, {
            id: endUserId,
            config_id: configId,
            account_id: accountId,
            user_id: `user-${u}`,
            name: null,
            email: null,
            language: null,
            account_name: null,
            seen_at: now,
          });
          const authId = newId('ca');
          await insertConnectorAuthRow(tx.db, {
            id: authId,
            config_id: configId,
            connector_id: connectorId,
            name: 'Bench login',
            owner_end_user_id: endUserId,
            account_id: accountId,
            sharing_level: 'user',
            proprietary: false,
            created_via: 'end_user',
            status: 'active',
            scopes: '[]',
            credentials_enc: sealJson(tx.keyring, secretLocation('connector_auths', 'credentials_enc', authId), {
              type: 'api_key',
              apiKey: 'bench-key',
              fields: {},
            }),
            credentials_version: 0,
            expires_at: null,
            created_at: now,
            last_refreshed_at: null,
          });
          user = { endUserId, authId, accountId, configId };
        }
        const id = newId('int');
        await insertIntegrationRow(tx.db, {
          id,
          config_id: user.configId,
          flow_id: flowIds[i % flowIds.length] as string,
          flow_version: 1,
          owner_end_user_id: user.endUserId,
          account_id: user.accountId,
          sharing_level: 'user',
          scope_user_id: user.endUserId,
          inputs: '{}',
          secret_inputs_enc: null,
          next_run_at: opts.nextRunAt ? opts.nextRunAt(i) : null,
          created_at: createdAt,
        });
        await replaceBindings(tx.db, id, { crm: user.authId });
        integrationIds[i] = id;
      }
    });
  // PostgreSQL takes several batches at once on its pool; SQLite serialises them anyway.
  const inFlight = ctx.db.dialect === 'postgres' ? 4 : 1;
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      for (let start = batches.shift(); start !== undefined; start = batches.shift()) await seedBatch(start);
    }),
  );
  return { connectorId, configIds, flowId, flowIds, integrationIds };
}

/** The value below which `q` of the sorted samples fall (nearest rank); NaN for none. */
export function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/** Waits until `check` answers true, polling every `everyMs`; throws with `what` after `timeoutMs`. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db, Queryable } from '../db/driver.ts';
import { RUNS_QUEUE } from '../db/repos/runs.ts';
import { sql } from '../db/sql.ts';
import { TestClock } from '../testing/harness.ts';
import { migrateTestDatabase } from '../testing/migrateTestDatabase.ts';
import { drainQueue } from '../testing/queueDrain.ts';
import { seedConfig, seedIntegrations } from '../testing/runFixtures.ts';
import { createTestDatabase, TEST_DRIVER, type TestDatabase } from '../testing/testDatabase.ts';
import { LeaseQueue, nudgeQueue } from './queue.ts';

let tdb: TestDatabase;
let db: Db;
let clock: TestClock;
beforeEach(async () => {
  tdb = await createTestDatabase();
  db = tdb.open();
  await migrateTestDatabase(db);
  clock = new TestClock(Date.parse('2026-03-01T12:00:00.000Z'));
});
afterEach(async () => {
  await db.close();
  await tdb.drop();
});

let seq = 0;
/** Enqueues one run per integration id given (in order, one millisecond apart); answers the run ids. */
async function enqueue(integrationIds: readonly string[], opts: { notBefore?: number; trigger?: string } = {}): Promise<string[]> {
  const ids: string[] = [];
  for (const integrationId of integrationIds) {
    seq += 1;
    const id = `run_${String(seq).padStart(8, '0')}`;
    const at = new Date((opts.notBefore ?? clock.now()) - 100_000 + seq).toISOString();
    await db.run(sql`INSERT INTO runs (id, integration_id, trigger, status, not_before, created_at)
      VALUES (${id}, ${integrationId}, ${opts.trigger ?? 'webhook'}, 'queued', ${opts.notBefore ? new Date(opts.notBefore).toISOString() : at}, ${at})`);
    ids.push(id);
  }
  return ids;
}

const done = sql`status = 'success'`;

describe(`the run queue on ${TEST_DRIVER}`, () => {
  it('claims a due run with a lease and a fencing token; a leased run is not claimed again', async () => {
    const { integrationIds } = await seedIntegrations(db, 1);
    const [runId] = await enqueue(integrationIds);
    const queue = new LeaseQueue(db, RUNS_QUEUE, { clock, leaseMs: 30_000 });
    const [lease, ...rest] = await queue.claim('w1', 5);
    expect(rest).toEqual([]);
    expect(lease).toEqual({ id: runId, fence: 1, attempt: 1, reclaims: 0, owner: 'w1', leaseUntil: clock.now() + 30_000 });
    expect(await db.get(sql`SELECT status, lease_owner, lease_until, fence FROM runs WHERE id = ${runId}`)).toEqual({
      status: 'running',
      lease_owner: 'w1',
      lease_until: new Date(clock.now() + 30_000).toISOString(),
      fence: 1,
    });
    expect(await queue.claim('w2', 5)).toEqual([]);
    clock.advance(20);
    expect(await queue.renew(lease as NonNullable<typeof lease>)).toBe(true);
    clock.advance(20);
    expect(await queue.claim('w2', 5)).toEqual([]);
    expect(await queue.settle(lease as NonNullable<typeof lease>, done)).toBe(true);
    expect(await db.get(sql`SELECT status, lease_owner, lease_until FROM runs WHERE id = ${runId}`)).toEqual({
      status: 'success',
      lease_owner: null,
      lease_until: null,
    });
  });

  it('takes a run up again after its lease ran out (attempt + 1); the stale worker can neither renew nor settle it', async () => {
    const { integrationIds } = await seedIntegrations(db, 1);
    const [runId] = await enqueue(integrationIds);
    const queue = new LeaseQueue(db, RUNS_QUEUE, { clock, leaseMs: 10_000 });
    const [stale] = await queue.claim('dead', 1);
    clock.advance(9);
    expect(await queue.claim('w2', 1)).toEqual([]);
    clock.advance(2);
    const [fresh] = await queue.claim('w2', 1);
    expect(fresh).toMatchObject({ id: runId, fence: 2, attempt: 2, reclaims: 1, owner: 'w2' });
    if (!stale || !fresh) throw new Error('no lease');
    expect(await queue.renew(stale)).toBe(false);
    expect(await queue.settle(stale, sql`status = 'error'`)).toBe(false);
    expect(await db.get(sql`SELECT status, lease_owner, fence FROM runs WHERE id = ${runId}`)).toEqual({
      status: 'running',
      lease_owner: 'w2',
      fence: 2,
    });
    expect(await queue.settle(fresh, done)).toBe(true);
    expect(await queue.settle(fresh, done)).toBe(false);
  });

  it('tells a worker that lost its lease while it kept it alive', async () => {
    const { integrationIds } = await seedIntegrations(db, 1);
    await enqueue(integrationIds);
    const queue = new LeaseQueue(db, RUNS_QUEUE, { clock, leaseMs: 300 });
    const [lease] = await queue.claim('w1', 1);
    if (!lease) throw new Error('no lease');
    const lost = new Promise<void>((resolve) => {
      queue.keep(lease, resolve);
    });
    // another worker takes the row over (as after a lapsed lease)
    await db.run(sql`UPDATE runs SET fence = fence + 1, lease_owner = 'w2' WHERE id = ${lease.id}`);
    await lost;
  });

  it('runs at most one run of an integration at a time, the oldest first', async () => {
    const { integrationIds } = await seedIntegrations(db, 1);
    const runIds = await enqueue([integrationIds[0], integrationIds[0], integrationIds[0]] as string[]);
    const queue = new LeaseQueue(db, RUNS_QUEUE, { clock });
    const first = await queue.claim('w1', 10);
    expect(first.map((l) => l.id)).toEqual([runIds[0]]);
    expect(await queue.claim('w2', 10)).toEqual([]);
    await queue.settle(first[0] as NonNullable<(typeof first)[0]>, done);
    expect((await queue.claim('w2', 10)).map((l) => l.id)).toEqual([runIds[1]]);
  });

  it('claims fairly across configurations and holds each to its cap', async () => {
    const big = await seedIntegrations(db, 20, { configId: await seedConfig(db, 'big') });
    const small = await seedIntegrations(db, 2, { configId: await seedConfig(db, 'small') });
    const bigRuns = await enqueue(big.integrationIds);
    const smallRuns = await enqueue(small.integrationIds);
    const queue = new LeaseQueue(db, RUNS_QUEUE, { clock, groupCap: 3 });
    const first = await queue.claim('w1', 4);
    // round-robin: each configuration's oldest, then each one's second — the big backlog does not go first
    expect(first.map((l) => l.id)).toEqual([bigRuns[0], smallRuns[0], bigRuns[1], smallRuns[1]]);
    // the big configuration holds two of its three; nothing is left of the small one
    expect((await queue.claim('w1', 10)).map((l) => l.id)).toEqual([bigRuns[2]]);
    expect(await queue.claim('w1', 10)).toEqual([]);
    await queue.settle(first[0] as NonNullable<(typeof first)[0]>, done);
    expect((await queue.claim('w1', 10)).map((l) => l.id)).toEqual([bigRuns[3]]);
  });

  it('leaves runs that are not due yet, and wakes a waiting worker when this process enqueues', async () => {
    const { integrationIds } = await seedIntegrations(db, 2);
    const [later] = await enqueue([integrationIds[0] as string], { notBefore: clock.now() + 60_000 });
    const queue = new LeaseQueue(db, RUNS_QUEUE, { clock });
    expect(await queue.claim('w1', 10)).toEqual([]);
    expect(await queue.nextDue()).toBe(clock.now() + 60_000);
    const started = Date.now();
    const waiting = queue.waitForWork(10_000);
    const [now] = await enqueue([integrationIds[1] as string]);
    nudgeQueue('runs');
    await waiting;
    expect(Date.now() - started).toBeLessThan(5_000);
    const [lease] = await queue.claim('w1', 10);
    expect(lease?.id).toBe(now);
    await queue.settle(lease as NonNullable<typeof lease>, done);
    clock.advance(60);
    expect((await queue.claim('w1', 10)).map((l) => l.id)).toEqual([later]);
  });

  it('keeps the rows of one key in order when the queue asks for it (as callback deliveries will)', async () => {
    const { integrationIds } = await seedIntegrations(db, 1);
    const id = integrationIds[0] as string;
    // the older row of the key waits for a retry a minute from now; the newer one is due
    const [waitingRetry, due] = await enqueue([id, id]);
    await db.run(sql`UPDATE runs SET not_before = ${new Date(clock.now() + 60_000).toISOString()} WHERE id = ${waitingRetry}`);
    const ordered = new LeaseQueue(db, { ...RUNS_QUEUE, orderedWithinKey: true }, { clock });
    expect(await ordered.claim('w1', 10)).toEqual([]);
    // runs are not ordered within their integration: the due one goes
    const unordered = new LeaseQueue(db, RUNS_QUEUE, { clock });
    expect((await unordered.claim('w1', 10)).map((l) => l.id)).toEqual([due]);
  });

  it('commits settles that arrive together in one transaction, and one that fails is rolled back alone', async () => {
    const { integrationIds } = await seedIntegrations(db, 10);
    const ids = await enqueue(integrationIds);
    // the queue's handle counts the transactions it opens
    let transactions = 0;
    const counted: Queryable = {
      dialect: db.dialect,
      all: (q) => db.all(q),
      get: (q) => db.get(q),
      run: (q) => db.run(q),
      getUnsynced: (q) => db.getUnsynced(q),
      exec: (script) => db.exec(script),
      tx: (fn) => {
        transactions += 1;
        return db.tx(fn);
      },
    };
    const queue = new LeaseQueue(counted, RUNS_QUEUE, { clock });
    const leases = await queue.claim('w1', 10);
    expect(leases).toHaveLength(10);
    transactions = 0;
    const broken = leases[5] as (typeof leases)[number];
    const stale = { ...(leases[7] as (typeof leases)[number]), fence: 99 };
    const marked: string[] = [];
    const outcomes = await Promise.allSettled(
      leases.map((lease, i) =>
        queue.settle(i === 7 ? stale : lease, done, async (tx) => {
          await tx.run(sql`UPDATE runs SET error = ${'also ran'} WHERE id = ${lease.id}`);
          if (lease.id === broken.id) throw new Error('also failed');
          marked.push(lease.id);
        }),
      ),
    );
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? o.value : 'rejected'))).toEqual(
      leases.map((_, i) => (i === 5 ? 'rejected' : i !== 7)),
    );
    const rows = await db.all<{ id: string; status: string; error: string | null }>(
      sql`SELECT id, status, error FROM runs WHERE id IN (${sql.list(ids)}) ORDER BY id`,
    );
    for (const row of rows) {
      // the failed one and the stale one keep their lease: nothing of theirs was written
      if (row.id === broken.id || row.id === stale.id) expect([row.status, row.error]).toEqual(['running', null]);
      else expect([row.status, row.error]).toEqual(['success', 'also ran']);
    }
    expect(marked.sort()).toEqual(ids.filter((id) => id !== broken.id && id !== stale.id).sort());
    // the first settle commits alone; the nine that came while it committed commit together
    expect(transactions).toBe(2);
  });

  it('executes every run exactly once with many claimers in this process and in a second process', async () => {
    const configs = [await seedConfig(db, 'a'), await seedConfig(db, 'b'), await seedConfig(db, 'c')];
    const integrationIds: string[] = [];
    for (const configId of configs) integrationIds.push(...(await seedIntegrations(db, 40, { configId })).integrationIds);
    const runIds = await enqueue(integrationIds);
    // a second handle in a second OS process: on SQLite another connection to the file, on PostgreSQL another pool
    const where = tdb.file ?? tdb.url ?? '';
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/testing/queueClaimer.ts', where, '4'], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = readline.createInterface({ input: child.stdout });
    const next = () => new Promise<string>((resolve) => lines.once('line', resolve));
    expect(await next()).toBe('ready');
    const childIds = next();
    child.stdin.write('go\n');
    // real time here: leases must not lapse while the two processes work
    const mine = await drainQueue(db, RUNS_QUEUE, { now: () => Date.now() }, 'parent', 6, done);
    const theirs = JSON.parse(await childIds) as string[];
    child.stdin.end();
    const all = [...mine, ...theirs].sort();
    expect(all).toEqual([...runIds].sort());
    expect(mine.length).toBeGreaterThan(0);
    expect(theirs.length).toBeGreaterThan(0);
    expect(await db.get(sql`SELECT COUNT(*) AS n, MAX(fence) AS f, MIN(fence) AS g FROM runs WHERE status = 'success'`)).toEqual({
      n: 120,
      f: 1,
      g: 1,
    });
  });
});

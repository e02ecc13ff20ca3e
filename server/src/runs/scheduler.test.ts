import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../db/driver.ts';
import { sql } from '../db/sql.ts';
import { createLogger } from '../log.ts';
import { TestClock } from '../testing/harness.ts';
import { migrateTestDatabase } from '../testing/migrateTestDatabase.ts';
import { seedConfig, seedEndUser, seedFlow, seedIntegration } from '../testing/runFixtures.ts';
import { createTestDatabase, TEST_DRIVER, type TestDatabase } from '../testing/testDatabase.ts';
import { armUnscheduled, enqueueDueSchedules } from './scheduler.ts';

let tdb: TestDatabase;
let db: Db;
let clock: TestClock;
const log = createLogger('silent');
const T0 = Date.parse('2026-04-01T08:00:00.000Z');
beforeEach(async () => {
  tdb = await createTestDatabase();
  db = tdb.open();
  await migrateTestDatabase(db);
  clock = new TestClock(T0);
});
afterEach(async () => {
  await db.close();
  await tdb.drop();
});

async function scheduled(trigger: unknown, firstSlot: number): Promise<string> {
  const configId = await seedConfig(db);
  const flowId = await seedFlow(db, { trigger, retry: { maxAttempts: 3, backoffSeconds: 5 } });
  return seedIntegration(db, {
    configId,
    endUserId: await seedEndUser(db, configId),
    flowId,
    nextRunAt: new Date(firstSlot).toISOString(),
  });
}

const runsOf = (id: string) =>
  db.all<{ trigger: string; status: string; max_attempts: number; trigger_payload: string }>(
    sql`SELECT trigger, status, max_attempts, trigger_payload FROM runs WHERE integration_id = ${id} ORDER BY created_at`,
  );
const nextRunAt = async (id: string) =>
  (await db.get<{ n: string | null }>(sql`SELECT next_run_at AS n FROM integrations WHERE id = ${id}`))?.n;

describe(`the scheduler on ${TEST_DRIVER}`, () => {
  it('makes exactly one run per minute for everyMinutes: 1, keeping the phase of enabling', async () => {
    const id = await scheduled({ type: 'schedule', everyMinutes: 1 }, T0 + 60_000);
    let total = 0;
    // a pass every 10 s for 5 minutes; each run finishes before the next slot
    for (let s = 0; s <= 300; s += 10) {
      clock.set(T0 + s * 1000);
      total += (await enqueueDueSchedules(db, clock, log)).enqueued;
      await db.run(sql`UPDATE runs SET status = 'success', finished_at = ${new Date(clock.now()).toISOString()} WHERE status = 'queued'`);
    }
    expect(total).toBe(5);
    expect((await runsOf(id)).map((r) => [r.trigger, JSON.parse(r.trigger_payload).slot, r.max_attempts])).toEqual(
      [1, 2, 3, 4, 5].map((m) => ['schedule', new Date(T0 + m * 60_000).toISOString(), 3]),
    );
    expect(await nextRunAt(id)).toBe(new Date(T0 + 6 * 60_000).toISOString());
  });

  it('runs once after ten minutes of downtime, not ten times, and takes the next slot after now', async () => {
    const id = await scheduled({ type: 'schedule', everyMinutes: 1 }, T0 + 60_000);
    clock.set(T0 + 11 * 60_000 + 30_000);
    expect(await enqueueDueSchedules(db, clock, log)).toEqual({ enqueued: 1, skipped: 0, lost: 0 });
    expect(await enqueueDueSchedules(db, clock, log)).toEqual({ enqueued: 0, skipped: 0, lost: 0 });
    const runs = await runsOf(id);
    expect(runs.map((r) => JSON.parse(r.trigger_payload))).toEqual([{ slot: new Date(T0 + 60_000).toISOString(), missedSlots: 10 }]);
    expect(await nextRunAt(id)).toBe(new Date(T0 + 12 * 60_000).toISOString());
  });

  it('adds no run for a slot that comes due while a run is queued or running', async () => {
    const id = await scheduled({ type: 'schedule', everyMinutes: 1 }, T0 + 60_000);
    clock.set(T0 + 60_000);
    expect((await enqueueDueSchedules(db, clock, log)).enqueued).toBe(1);
    await db.run(sql`UPDATE runs SET status = 'running' WHERE integration_id = ${id}`);
    clock.set(T0 + 120_000);
    expect(await enqueueDueSchedules(db, clock, log)).toEqual({ enqueued: 0, skipped: 1, lost: 0 });
    expect((await runsOf(id)).length).toBe(1);
    expect(await nextRunAt(id)).toBe(new Date(T0 + 180_000).toISOString());
  });

  it('fires a cron slot in its time zone', async () => {
    // 09:00 in New York on 2 November 2026 (EST) is 14:00 UTC
    const id = await scheduled(
      { type: 'schedule', cron: '0 9 * * *', timezone: 'America/New_York' },
      Date.parse('2026-11-02T14:00:00.000Z'),
    );
    clock.set(Date.parse('2026-11-02T13:59:59.000Z'));
    expect((await enqueueDueSchedules(db, clock, log)).enqueued).toBe(0);
    clock.set(Date.parse('2026-11-02T14:00:01.000Z'));
    expect((await enqueueDueSchedules(db, clock, log)).enqueued).toBe(1);
    expect(await nextRunAt(id)).toBe('2026-11-03T14:00:00.000Z');
  });

  it('arms a scheduled integration that has no slot (older data) from now, without a run; others are left alone', async () => {
    const configId = await seedConfig(db);
    const endUserId = await seedEndUser(db, configId);
    const cron = await seedIntegration(db, {
      configId,
      endUserId,
      flowId: await seedFlow(db, { trigger: { type: 'schedule', cron: '0 9 * * *', timezone: 'Europe/Berlin' } }),
      nextRunAt: null,
    });
    const every = await seedIntegration(db, {
      configId,
      endUserId: await seedEndUser(db, configId),
      flowId: await seedFlow(db, { trigger: { type: 'schedule', everyMinutes: 30 } }),
      nextRunAt: null,
    });
    const manual = await seedIntegration(db, {
      configId,
      endUserId: await seedEndUser(db, configId),
      flowId: await seedFlow(db),
      nextRunAt: null,
    });
    // 08:00 UTC on 1 April 2026 is 10:00 in Berlin (CEST): the next 09:00 there is tomorrow at 07:00 UTC
    expect(await armUnscheduled(db, clock, log)).toBe(2);
    expect(await nextRunAt(cron)).toBe('2026-04-02T07:00:00.000Z');
    expect(await nextRunAt(every)).toBe(new Date(T0 + 30 * 60_000).toISOString());
    expect(await nextRunAt(manual)).toBeNull();
    expect(await armUnscheduled(db, clock, log)).toBe(0);
    expect((await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM runs`))?.n).toBe(0);
  });

  it('gives each slot to one of several schedulers running at once', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) ids.push(await scheduled({ type: 'schedule', everyMinutes: 5 }, T0));
    // PostgreSQL: a second pool. SQLite: the one handle (a second connection in this process would wait for the
    // file lock synchronously, blocking the event loop the first one needs; the queue test uses a second process)
    const other = TEST_DRIVER === 'postgres' ? tdb.open() : db;
    try {
      const passes = await Promise.all([
        enqueueDueSchedules(db, clock, log),
        enqueueDueSchedules(other, clock, log),
        enqueueDueSchedules(db, clock, log),
        enqueueDueSchedules(other, clock, log),
      ]);
      expect(passes.reduce((n, p) => n + p.enqueued, 0)).toBe(20);
      expect((await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM runs`))?.n).toBe(20);
    } finally {
      if (other !== db) await other.close();
    }
  });
});

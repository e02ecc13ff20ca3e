import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateTestDatabase } from '../../testing/migrateTestDatabase.ts';
import { seedConfig, seedEndUser, seedFlow, seedIntegration } from '../../testing/runFixtures.ts';
import { createTestDatabase, TEST_DRIVER, type TestDatabase } from '../../testing/testDatabase.ts';
import type { Db } from '../driver.ts';
import { sql } from '../sql.ts';
import { findRun, insertRun, insertScheduledRun, listRuns, purgeFinishedRuns, recordLatestRun, requestCancel } from './runs.ts';

let tdb: TestDatabase;
let db: Db;
beforeEach(async () => {
  tdb = await createTestDatabase();
  db = tdb.open();
  await migrateTestDatabase(db);
});
afterEach(async () => {
  await db.close();
  await tdb.drop();
});

const all = sql`1 = 1`;
const at = (minute: number) => new Date(Date.UTC(2026, 5, 1, 10, minute)).toISOString();

async function world() {
  const c1 = await seedConfig(db, 'one');
  const c2 = await seedConfig(db, 'two');
  const flowA = await seedFlow(db);
  const flowB = await seedFlow(db);
  const u1 = await seedEndUser(db, c1, 'ada');
  const u2 = await seedEndUser(db, c2, 'bob');
  const i1 = await seedIntegration(db, { configId: c1, endUserId: u1, flowId: flowA });
  const i2 = await seedIntegration(db, { configId: c2, endUserId: u2, flowId: flowB });
  return { c1, c2, flowA, flowB, i1, i2 };
}

async function run(id: string, integrationId: string, minute: number, trigger: 'manual' | 'webhook' = 'manual') {
  await insertRun(db, {
    id,
    integration_id: integrationId,
    trigger,
    trigger_payload: null,
    max_attempts: 1,
    retry_of: null,
    not_before: at(minute),
    created_at: at(minute),
  });
}

describe(`the runs repository on ${TEST_DRIVER}`, () => {
  it('lists runs newest first with the filters of the vendor API', async () => {
    const w = await world();
    await run('run_a', w.i1, 1);
    await run('run_b', w.i2, 2, 'webhook');
    await run('run_c', w.i1, 3, 'webhook');
    await db.run(sql`UPDATE runs SET status = 'success' WHERE id = 'run_a'`);
    const ids = async (filters: Parameters<typeof listRuns>[1], after: Parameters<typeof listRuns>[3] = null) =>
      (await listRuns(db, filters, all, after, 10)).map((r) => r.id);
    expect(await ids({})).toEqual(['run_c', 'run_b', 'run_a']);
    expect(await ids({ configId: w.c1 })).toEqual(['run_c', 'run_a']);
    expect(await ids({ flowId: w.flowB })).toEqual(['run_b']);
    expect(await ids({ integrationId: w.i1, trigger: 'webhook' })).toEqual(['run_c']);
    expect(await ids({ userId: 'bob', accountId: 'acct-1' })).toEqual(['run_b']);
    expect(await ids({ status: 'success' })).toEqual(['run_a']);
    expect(await ids({ createdAfter: at(2), createdBefore: at(3) })).toEqual(['run_b']);
    expect(await ids({}, sql`(r.created_at, r.id) < (${at(3)}, ${'run_c'})`)).toEqual(['run_b', 'run_a']);
    expect(await ids({}, null)).toHaveLength(3);
    expect(await listRuns(db, {}, sql`i.config_id = ${w.c2}`, null, 10)).toMatchObject([
      { id: 'run_b', config_id: w.c2, owner_user_id: 'bob' },
    ]);
    expect(await findRun(db, 'run_a', sql`i.config_id = ${w.c2}`)).toBeUndefined();
  });

  it('adds a schedule run only while the integration has none queued or running', async () => {
    const w = await world();
    const scheduled = (id: string) =>
      insertScheduledRun(db, { id, integration_id: w.i1, trigger_payload: null, max_attempts: 1, not_before: at(0), created_at: at(0) });
    expect(await scheduled('run_s1')).toBe(true);
    expect(await scheduled('run_s2')).toBe(false);
    await db.run(sql`UPDATE runs SET status = 'running' WHERE id = 'run_s1'`);
    expect(await scheduled('run_s3')).toBe(false);
    await db.run(sql`UPDATE runs SET status = 'success' WHERE id = 'run_s1'`);
    await run('run_m', w.i1, 1);
    expect(await scheduled('run_s4')).toBe(false);
    await db.run(sql`UPDATE runs SET status = 'error' WHERE id = 'run_m'`);
    expect(await scheduled('run_s5')).toBe(true);
  });

  it('cancels a queued run at once and asks a running one to stop', async () => {
    const w = await world();
    await run('run_q', w.i1, 1);
    await run('run_r', w.i2, 1);
    await db.run(sql`UPDATE runs SET status = 'running' WHERE id = 'run_r'`);
    expect(await requestCancel(db, 'run_q', at(5))).toBe('canceled');
    expect(await requestCancel(db, 'run_r', at(5))).toBe('requested');
    expect(await requestCancel(db, 'run_r', at(6))).toBe('requested');
    expect(await requestCancel(db, 'run_nope', at(5))).toBe('not_found');
    expect(await db.all(sql`SELECT id, status, error_code, cancel_requested_at, finished_at FROM runs ORDER BY id`)).toEqual([
      { id: 'run_q', status: 'canceled', error_code: 'canceled', cancel_requested_at: at(5), finished_at: at(5) },
      { id: 'run_r', status: 'running', error_code: null, cancel_requested_at: at(5), finished_at: null },
    ]);
    expect(await requestCancel(db, 'run_q', at(7))).toBe('finished');
  });

  it('keeps the newest finished run as the integration\u2019s latest, and purges old runs in batches', async () => {
    const w = await world();
    await recordLatestRun(db, w.i1, { id: 'run_new', status: 'success', at: at(9) });
    await recordLatestRun(db, w.i1, { id: 'run_old', status: 'error', at: at(3) });
    expect(await db.get(sql`SELECT latest_run_id, latest_run_status FROM integrations WHERE id = ${w.i1}`)).toEqual({
      latest_run_id: 'run_new',
      latest_run_status: 'success',
    });
    for (let m = 0; m < 5; m += 1) {
      await run(`run_${m}`, w.i1, m);
      await db.run(sql`UPDATE runs SET status = 'success', finished_at = ${at(m)} WHERE id = ${`run_${m}`}`);
    }
    await run('run_open', w.i1, 0);
    expect(await purgeFinishedRuns(db, at(4), 2)).toBe(2);
    expect(await purgeFinishedRuns(db, at(4), 2)).toBe(2);
    expect(await purgeFinishedRuns(db, at(4), 2)).toBe(0);
    expect((await db.all<{ id: string }>(sql`SELECT id FROM runs ORDER BY id`)).map((r) => r.id)).toEqual(['run_4', 'run_open']);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrateTestDatabase } from '../../testing/migrateTestDatabase.ts';
import { seedConfig, seedEndUser, seedFlow, seedIntegration } from '../../testing/runFixtures.ts';
import { createTestDatabase, TEST_DRIVER, type TestDatabase } from '../../testing/testDatabase.ts';
import { migrationForPostgres } from '../dialect.ts';
import type { Db } from '../driver.ts';
import { sql } from '../sql.ts';
import { up } from './0004_runs.ts';

let tdb: TestDatabase;
let db: Db;
beforeEach(async () => {
  tdb = await createTestDatabase();
  db = tdb.open();
});
afterEach(async () => {
  await db.close();
  await tdb.drop();
});

const T = '2026-02-01T10:00:00.000Z';

async function oldRun(integrationId: string, id: string, status: string, extra: { lease?: string } = {}) {
  await db.run(sql`INSERT INTO runs (id, integration_id, trigger, status, attempt, trigger_payload, steps, logs, error, not_before,
      lease_until, lease_owner, created_at, started_at, finished_at)
    VALUES (${id}, ${integrationId}, 'webhook', ${status}, 2, '{"a":1}', '[{"id":"s"}]', '[]', ${status === 'error' ? 'boom' : null},
      ${T}, ${extra.lease ?? null}, ${extra.lease ? 'w1' : null}, ${T}, ${T}, ${status === 'success' || status === 'error' ? T : null})`);
}

describe(`migration 0004 (runs as a lease queue) on ${TEST_DRIVER}`, () => {
  it('rebuilds runs from 0003 keeping every row, and backfills the flow version', async () => {
    await migrateTestDatabase(db, 3);
    const configId = await seedConfig(db);
    const flowId = await seedFlow(db);
    const a = await seedIntegration(db, { configId, endUserId: await seedEndUser(db, configId), flowId });
    const b = await seedIntegration(db, { configId, endUserId: await seedEndUser(db, configId), flowId });
    await oldRun(a, 'run_1', 'success');
    await oldRun(a, 'run_2', 'error');
    await oldRun(b, 'run_3', 'running', { lease: T });
    await oldRun(b, 'run_4', 'running');
    await oldRun(b, 'run_5', 'queued');
    await expect(db.run(sql`UPDATE runs SET status = 'canceled' WHERE id = 'run_5'`)).rejects.toThrow();

    await migrateTestDatabase(db, 4);

    const rows = await db.all(sql`SELECT id, integration_id, trigger, status, attempt, max_attempts, reclaims, fence, flow_version,
        trigger_payload, steps, error_code, error, lease_owner, lease_until, cancel_requested_at, finished_at FROM runs ORDER BY id`);
    const base = { trigger: 'webhook', attempt: 2, max_attempts: 1, reclaims: 0, fence: 0, flow_version: 1, trigger_payload: '{"a":1}' };
    expect(rows).toEqual([
      {
        ...base,
        id: 'run_1',
        integration_id: a,
        status: 'success',
        steps: '[{"id":"s"}]',
        error_code: null,
        error: null,
        lease_owner: null,
        lease_until: null,
        cancel_requested_at: null,
        finished_at: T,
      },
      {
        ...base,
        id: 'run_2',
        integration_id: a,
        status: 'error',
        steps: '[{"id":"s"}]',
        error_code: null,
        error: 'boom',
        lease_owner: null,
        lease_until: null,
        cancel_requested_at: null,
        finished_at: T,
      },
      // two `running` rows of one integration cannot both stay: the older one ends as lost
      {
        ...base,
        id: 'run_3',
        integration_id: b,
        status: 'error',
        steps: '[{"id":"s"}]',
        error_code: 'worker_lost',
        error: 'The run was interrupted',
        lease_owner: null,
        lease_until: null,
        cancel_requested_at: null,
        finished_at: T,
      },
      {
        ...base,
        id: 'run_4',
        integration_id: b,
        status: 'running',
        steps: '[{"id":"s"}]',
        error_code: null,
        error: null,
        lease_owner: null,
        lease_until: null,
        cancel_requested_at: null,
        finished_at: null,
      },
      {
        ...base,
        id: 'run_5',
        integration_id: b,
        status: 'queued',
        steps: '[{"id":"s"}]',
        error_code: null,
        error: null,
        lease_owner: null,
        lease_until: null,
        cancel_requested_at: null,
        finished_at: null,
      },
    ]);
    expect(await db.run(sql`UPDATE runs SET status = 'canceled' WHERE id = 'run_5'`)).toEqual({ changes: 1 });
  });

  it('holds at most one running run and one queued schedule run per integration', async () => {
    await migrateTestDatabase(db);
    const configId = await seedConfig(db);
    const flowId = await seedFlow(db);
    const a = await seedIntegration(db, { configId, endUserId: await seedEndUser(db, configId), flowId });
    const insert = (id: string, trigger: string, status: string) =>
      db.run(
        sql`INSERT INTO runs (id, integration_id, trigger, status, not_before, created_at) VALUES (${id}, ${a}, ${trigger}, ${status}, ${T}, ${T})`,
      );
    await insert('run_1', 'manual', 'running');
    await expect(insert('run_2', 'manual', 'running')).rejects.toThrow(/unique/i);
    await insert('run_3', 'schedule', 'queued');
    await expect(insert('run_4', 'schedule', 'queued')).rejects.toThrow(/unique/i);
    // other triggers queue up behind, and finished runs do not count
    await insert('run_5', 'webhook', 'queued');
    await insert('run_6', 'webhook', 'queued');
    await insert('run_7', 'schedule', 'success');
    expect((await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM runs`))?.n).toBe(5);
  });

  it('is written in the subset both engines run', () => {
    const pg = migrationForPostgres(up);
    expect(pg).not.toMatch(/\bSTRICT\b/);
    expect(pg).toContain("CREATE UNIQUE INDEX runs_one_running ON runs (integration_id) WHERE status = 'running';");
  });
});

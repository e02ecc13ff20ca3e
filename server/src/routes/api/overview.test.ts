import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebhookId } from '../../callbacks/outbox.ts';
import { sql } from '../../db/sql.ts';
import {
  insertConfig,
  insertConnector,
  insertConnectorAuth,
  insertEndUser,
  insertFlow,
  insertGroup,
  insertIntegration,
  insertRun,
  seedTwoGroups,
  type TwoGroupWorld,
} from '../../testing/domainFixtures.ts';
import { startTestServer, TestClock, type TestServer } from '../../testing/harness.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';

const NOW = Date.parse('2026-03-10T12:00:00.000Z');
const HOUR = 3600;

let s: TestServer;
let w: TwoGroupWorld;
let owner: string;
beforeAll(async () => {
  s = await startTestServer({ clock: new TestClock(NOW) });
  owner = await s.adminToken();
  const ctx = s.app.ctx;
  w = await seedTwoGroups(ctx);
  // Runs of group 1: one success and one failure within the day, one failure 3 days ago, one
  // 8 days ago (outside the chart), one still queued today. Group 2: one failure within the day.
  const at = async (secondsAgo: number, integrationId: string, status: 'success' | 'error' | 'queued') => {
    s.clock.set(NOW - secondsAgo * 1000);
    await insertRun(ctx, integrationId, { status });
  };
  await at(1 * HOUR, w.g1.integrationId, 'success');
  await at(2 * HOUR, w.g1.integrationId, 'error');
  await at(72 * HOUR, w.g1.integrationId, 'error');
  await at(8 * 24 * HOUR, w.g1.integrationId, 'success');
  await at(60, w.g1.integrationId, 'queued');
  await at(3 * HOUR, w.g2.integrationId, 'error');
  s.clock.set(NOW);
  // Another configuration: a disabled integration and an auth that needs reconnecting.
  const connectorId = await insertConnector(s.app.ctx);
  const other = await insertConfig(ctx);
  const flowId = await insertFlow(ctx, { connectorId });
  await insertGroup(ctx, other, { name: 'Other', flowIds: [flowId], position: 1 });
  const endUserId = await insertEndUser(ctx, other, { userId: 'u-other' });
  await insertConnectorAuth(ctx, { configId: other, connectorId, endUserId, status: 'needs_reauth' });
  await insertIntegration(ctx, { configId: other, flowId, endUserId, status: 'disabled' });
  // Callback deliveries: of the two-group configuration two failed within the day, one failed
  // 30 h ago, one delivered and one pending; of the other configuration one failed within the day.
  const delivery = async (configId: string, secondsAgo: number, status: 'failed' | 'delivered' | 'pending') => {
    const at = new Date(NOW - secondsAgo * 1000).toISOString();
    await ctx.db.run(sql`INSERT INTO callback_deliveries (id, config_id, event_type, object_key, payload, status, not_before, created_at)
      VALUES (${newWebhookId()}, ${configId}, 'run.failed', ${`${configId}:x`}, '{}', ${status}, ${at}, ${at})`);
  };
  await delivery(w.configId, 1 * HOUR, 'failed');
  await delivery(w.configId, 23 * HOUR, 'failed');
  await delivery(w.configId, 30 * HOUR, 'failed');
  await delivery(w.configId, 2 * HOUR, 'delivered');
  await delivery(w.configId, 60, 'pending');
  await delivery(other, 4 * HOUR, 'failed');
});
afterAll(() => s.close());

describe(`GET /api/v1/overview on ${TEST_DRIVER}`, () => {
  it('counts integrations, auths needing reconnect, runs of the last 24 h, and runs per day over 7 days', async () => {
    const res = await s.request('GET', '/api/v1/overview', { token: owner });
    expect(res.status).toBe(200);
    expect(res.body.at).toBe('2026-03-10T12:00:00.000Z');
    expect(res.body.integrations).toEqual({ enabled: 2, disabled: 1 });
    expect(res.body.connectorAuths).toEqual({ needsReauth: 1 });
    expect(res.body.last24h).toEqual({ runsFailed: 2, runsSucceeded: 1, callbacksFailed: 3 });
    expect(res.body.runsByDay.map((d: { date: string }) => d.date)).toEqual([
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
      '2026-03-10',
    ]);
    const day = (date: string) => res.body.runsByDay.find((d: { date: string }) => d.date === date);
    expect(day('2026-03-10')).toEqual({ date: '2026-03-10', success: 1, error: 2, canceled: 0, pending: 1 });
    expect(day('2026-03-07')).toEqual({ date: '2026-03-07', success: 0, error: 1, canceled: 0, pending: 0 });
    expect(day('2026-03-04')).toEqual({ date: '2026-03-04', success: 0, error: 0, canceled: 0, pending: 0 });
  });

  it('counts for a member only what its groups may view', async () => {
    const member = await s.adminToken({ role: 'member', groups: [{ groupId: w.g1.groupId, view: true }] });
    const res = await s.request('GET', '/api/v1/overview', { token: member });
    expect(res.status).toBe(200);
    expect(res.body.integrations).toEqual({ enabled: 1, disabled: 0 });
    expect(res.body.connectorAuths).toEqual({ needsReauth: 0 });
    expect(res.body.last24h).toEqual({ runsFailed: 1, runsSucceeded: 1, callbacksFailed: 2 });
    const today = res.body.runsByDay.at(-1);
    expect(today).toEqual({ date: '2026-03-10', success: 1, error: 1, canceled: 0, pending: 1 });
    const nobody = await s.adminToken({ role: 'member', groups: [] });
    const none = await s.request('GET', '/api/v1/overview', { token: nobody });
    expect(none.body.integrations).toEqual({ enabled: 0, disabled: 0 });
    expect(none.body.last24h.callbacksFailed).toBe(0);
    expect(none.body.runsByDay.every((d: { success: number; error: number }) => d.success + d.error === 0)).toBe(true);
  });

  it('is refused without a token', async () => {
    const res = await s.request('GET', '/api/v1/overview');
    expect(res.status).toBe(401);
  });
});

/**
 * Schedules armed on enabling and re-checked on a pushed version (docs/runs.md, "Schedules"):
 * enabling (by the end user, again after a disable, or by an admin) sets `nextRunAt` from that
 * moment for `everyMinutes` and `cron` alike; a pushed flow version recomputes it, fills in the
 * defaults of new inputs, and disables by `system` (audit event with the reason, and the
 * `integration.disabled` callback in the same transaction) an integration whose inputs no longer fit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listCallbackDeliveriesOfConfig } from '../../db/repos/callbackDeliveries.ts';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { newCallbackSecret, sealCallbackSecret } from '../../services/embed/configs.ts';
import { insertConnector, insertConnectorAuth, insertFlow, insertGroup } from '../../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture, type EmbedFixture } from '../../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';

let s: TestServer;
let owner: string;

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
  await insertConnector(s.app.ctx, { id: 'crm', name: 'Demo CRM', authType: 'api_key' });
  await s.app.ctx.db.run(sql`UPDATE connectors SET base_url = 'https://api.crm.example' WHERE id = 'crm'`);
  owner = await s.adminToken();
});
afterAll(async () => {
  await s.close();
});

const HOUR = 3_600_000;
const MINUTE = 60_000;

function definition(trigger: Record<string, unknown>, options: string[] = ['a', 'b'], extraInputs: Record<string, unknown>[] = []) {
  return {
    slots: [{ key: 'main', connectorId: 'crm', label: 'CRM' }],
    inputs: [
      { key: 'list', type: 'select', label: 'List', required: true, options: options.map((value) => ({ value, label: value })) },
      ...extraInputs,
    ],
    trigger,
    steps: [{ id: 'push', type: 'http', slot: 'main', method: 'POST', path: '/contacts', body: { list: '{{ inputs.list }}' } }],
  };
}

async function session(fx: EmbedFixture, userId: string): Promise<string> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: userId, embed_account_id: 'acme' }) },
  });
  expect(res.status, res.text).toBe(200);
  await acceptConsent(s, res.body.sessionToken, res.body);
  return res.body.sessionToken as string;
}

/** A user-level configuration offering a flow on `def`; answers what enabling it for users needs. */
async function world(def: Record<string, unknown>) {
  const fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'] });
  const flowId = await insertFlow(s.app.ctx, { name: 'Scheduled', definition: def });
  await insertGroup(s.app.ctx, fx.configId, { name: 'CRM', flowIds: [flowId] });
  const enable = async (userId: string, inputs: Record<string, unknown>) => {
    const token = await session(fx, userId);
    const eu = await findEndUserByIdentity(s.app.ctx.db, fx.configId, 'acme', userId);
    const auth = await insertConnectorAuth(s.app.ctx, {
      configId: fx.configId,
      connectorId: 'crm',
      endUserId: eu?.id ?? null,
      accountId: 'acme',
    });
    const res = await s.request('POST', '/embed/api/integrations', { token, body: { flowId, bindings: { main: auth }, inputs } });
    expect(res.status, res.text).toBe(201);
    return { token, id: res.body.id as string, nextRunAt: res.body.nextRunAt as string | null };
  };
  return { fx, flowId, enable };
}

/** The first instant after `ms` that is a multiple of `step` (UTC, from the epoch). */
function nextMultiple(ms: number, step: number): string {
  return new Date((Math.floor(ms / step) + 1) * step).toISOString();
}

describe(`schedules on enabling, on ${TEST_DRIVER}`, () => {
  it('a cron flow gets its next slot on enabling, again on re-enabling (end user and admin); everyMinutes counts from enabling', async () => {
    const w = await world(definition({ type: 'schedule', cron: '0 * * * *' }));
    const ada = await w.enable('ada', { list: 'a' });
    expect(ada.nextRunAt).toBe(nextMultiple(s.clock.now(), HOUR));

    const off = await s.request('PATCH', `/embed/api/integrations/${ada.id}`, { token: ada.token, body: { status: 'disabled' } });
    expect(off.status, off.text).toBe(200);
    s.clock.advance(2 * 3600);
    // embed sessions last 10 minutes here: a fresh one after moving the clock
    const on = await s.request('PATCH', `/embed/api/integrations/${ada.id}`, {
      token: await session(w.fx, 'ada'),
      body: { status: 'enabled' },
    });
    expect(on.status, on.text).toBe(200);
    expect(on.body.nextRunAt).toBe(nextMultiple(s.clock.now(), HOUR));

    const adminOff = await s.request('POST', `/api/v1/integrations/${ada.id}/disable`, { token: owner });
    expect(adminOff.body).toMatchObject({ status: 'disabled', disabledBy: 'admin' });
    s.clock.advance(3600);
    const adminOn = await s.request('POST', `/api/v1/integrations/${ada.id}/enable`, { token: owner });
    expect(adminOn.status, adminOn.text).toBe(200);
    expect(adminOn.body).toMatchObject({ status: 'enabled', nextRunAt: nextMultiple(s.clock.now(), HOUR) });

    const every = await world(definition({ type: 'schedule', everyMinutes: 5 }));
    const bob = await every.enable('bob', { list: 'b' });
    expect(bob.nextRunAt).toBe(new Date(s.clock.now() + 5 * MINUTE).toISOString());
    const manual = await world(definition({ type: 'manual' }));
    expect((await manual.enable('cy', { list: 'a' })).nextRunAt).toBeNull();
  });
});

describe(`a pushed flow version, on ${TEST_DRIVER}`, () => {
  it('recomputes nextRunAt, fills new defaults, and disables by system (audit, callback) an integration whose inputs no longer fit', async () => {
    const w = await world(definition({ type: 'schedule', everyMinutes: 60 }));
    const secret = newCallbackSecret();
    await s.app.ctx.db.run(sql`UPDATE embed_configs SET callback_url = 'https://backend.example.test/patchbay',
      callback_secret_enc = ${sealCallbackSecret(s.app.ctx, w.fx.configId, secret)} WHERE id = ${w.fx.configId}`);
    const ada = await w.enable('ada', { list: 'a' });
    const bob = await w.enable('bob', { list: 'b' });
    expect(ada.nextRunAt).toBe(new Date(s.clock.now() + HOUR).toISOString());
    s.clock.advance(600);
    const deliveriesBefore = (await listCallbackDeliveriesOfConfig(s.app.ctx.db, w.fx.configId)).length;

    // v2: every quarter hour, option "b" gone, a new input with a default
    const v2 = definition(
      { type: 'schedule', cron: '*/15 * * * *' },
      ['a'],
      [{ key: 'tag', type: 'text', label: 'Tag', default: 'synced' }],
    );
    const pushed = await s.request('POST', `/api/v1/flows/${w.flowId}/versions`, {
      token: owner,
      body: { definition: v2, pushToIntegrations: true },
    });
    expect(pushed.status, pushed.text).toBe(201);
    expect(pushed.body).toMatchObject({ version: 2, movedIntegrations: 2 });

    const adaNow = await s.request('GET', `/api/v1/integrations/${ada.id}`, { token: owner });
    expect(adaNow.body).toMatchObject({
      flowVersion: 2,
      status: 'enabled',
      inputs: { list: 'a', tag: 'synced' },
      nextRunAt: nextMultiple(s.clock.now(), 15 * MINUTE),
    });
    const bobNow = await s.request('GET', `/api/v1/integrations/${bob.id}`, { token: owner });
    expect(bobNow.body).toMatchObject({ flowVersion: 2, status: 'disabled', disabledBy: 'system', nextRunAt: null, inputs: { list: 'b' } });
    const bobToken = await session(w.fx, 'bob');
    const bobEmbed = await s.request('GET', '/embed/api/integrations', { token: bobToken });
    expect(bobEmbed.body.items).toEqual([expect.objectContaining({ id: bob.id, status: 'disabled', disabledBy: 'system' })]);

    const audit = await s.app.ctx.db.get<{ actor_type: string; details: string }>(
      sql`SELECT actor_type, details FROM audit_events WHERE object_id = ${bob.id} AND action = 'integration.disabled'`,
    );
    expect(audit?.actor_type).toBe('system');
    expect(JSON.parse(audit?.details ?? '{}')).toEqual({
      flowId: w.flowId,
      reason: 'inputs_invalid',
      issues: [{ path: 'inputs.list', message: 'must be one of: "a"' }],
    });
    const deliveries = (await listCallbackDeliveriesOfConfig(s.app.ctx.db, w.fx.configId)).slice(deliveriesBefore);
    expect(deliveries.map((d) => [d.event_type, JSON.parse(d.payload).data])).toEqual([
      [
        'integration.disabled',
        expect.objectContaining({
          integrationId: bob.id,
          flowId: w.flowId,
          status: 'disabled',
          disabledBy: 'system',
          reason: 'inputs_invalid',
        }),
      ],
    ]);
    expect(
      JSON.parse(
        (
          await s.app.ctx.db.get<{ details: string }>(
            sql`SELECT details FROM audit_events WHERE object_id = ${w.flowId} AND action = 'flow.version_created'`,
          )
        )?.details ?? '{}',
      ),
    ).toEqual({ version: 2, pushToIntegrations: true, movedIntegrations: 2, disabledIntegrations: 1 });

    // the end user fixes the inputs and enables it again: armed on the new schedule
    const fixed = await s.request('PATCH', `/embed/api/integrations/${bob.id}`, {
      token: bobToken,
      body: { inputs: { list: 'a' }, status: 'enabled' },
    });
    expect(fixed.status, fixed.text).toBe(200);
    expect(fixed.body).toMatchObject({ status: 'enabled', disabledBy: null, nextRunAt: nextMultiple(s.clock.now(), 15 * MINUTE) });

    // a version that is not scheduled clears the slot
    const v3 = definition({ type: 'manual' }, ['a'], [{ key: 'tag', type: 'text', label: 'Tag', default: 'synced' }]);
    const again = await s.request('POST', `/api/v1/flows/${w.flowId}/versions`, {
      token: owner,
      body: { definition: v3, pushToIntegrations: true },
    });
    expect(again.status, again.text).toBe(201);
    const rows = await s.app.ctx.db.all<{ next_run_at: string | null; status: string }>(
      sql`SELECT next_run_at, status FROM integrations WHERE flow_id = ${w.flowId} ORDER BY created_at, id`,
    );
    expect(rows).toEqual([
      { next_run_at: null, status: 'enabled' },
      { next_run_at: null, status: 'enabled' },
    ]);
  });
});

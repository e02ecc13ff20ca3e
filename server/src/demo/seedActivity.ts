import type { AdminPrincipal, EndUserPrincipal } from '../auth/principal.ts';
import { newWebhookId } from '../callbacks/outbox.ts';
import { type AppContext, inTransaction } from '../context.ts';
import { newId } from '../crypto/tokens.ts';
import { insertCallbackAttempt, insertCallbackDelivery } from '../db/repos/callbackDeliveries.ts';
import { dropAuthCredentials } from '../db/repos/connectorAuths.ts';
import { findEndUserByIdentity } from '../db/repos/endUsers.ts';
import { finishedRunSet, insertRun, recordLatestRun } from '../db/repos/runs.ts';
import { sql } from '../db/sql.ts';
import type { CallRecord, StepRecord } from '../runs/record.ts';
import { createConnectorAuthFor } from '../services/auths/forAdmin.ts';
import { createEmbedIntegration } from '../services/integrations/forEmbed.ts';
import { ACME_ACCOUNT, ACME_USERS } from './acmeAssets.ts';
import { DEMO_MAILER_CREDENTIALS } from './demoMailerApi.ts';
import { DEMO } from './demoSeed.ts';
import { DEMO_WORLD, type DemoWorld } from './seedWorld.ts';

/** The names the activity is found by on a re-run. */
export const DEMO_ACTIVITY = {
  authName: 'Acme newsletter mailer (password changed)',
  recipient: 'team@acme.example',
} as const;

const REQUEST_ID = 'demo-seed';
const HOUR = 3_600_000;

/** What {@link seedDemoActivity} made or found. */
export interface DemoActivity {
  readonly connectorAuthId: string;
  readonly integrationId: string;
  readonly runIds: readonly string[];
  readonly callbackDeliveryId: string | null;
  /** Whether this run created it (false on a re-run). */
  readonly created: boolean;
}

function call(stepId: string, method: string, path: string, status: number, durationMs: number, preview: string): CallRecord {
  const error = status >= 400 ? { code: 'upstream_status', message: `Step "${stepId}": the connector answered ${status}` } : null;
  return { index: null, method, path, status, durationMs, responseBytes: preview.length, preview, error };
}

function step(id: string, at: string, ok: boolean, durationMs: number, record: CallRecord): StepRecord {
  return {
    id,
    status: ok ? 'success' : 'error',
    attempt: 1,
    startedAt: at,
    durationMs,
    calls: 1,
    failedCalls: ok ? 0 : 1,
    requests: [record],
    error: record.error,
  };
}

/** Writes a run as if the worker had run it (started `agoMs` before now), and records it as its integration's latest. */
async function finishedRun(
  ctx: AppContext,
  integrationId: string,
  agoMs: number,
  outcome: { status: 'success' | 'error'; steps: (at: string) => StepRecord[]; errorCode: string | null; error: string | null },
): Promise<string> {
  const id = newId('run');
  const created = new Date(ctx.clock.now() - agoMs);
  const at = created.toISOString();
  const steps = outcome.steps(new Date(created.getTime() + 200).toISOString());
  const finished = new Date(created.getTime() + 200 + steps.reduce((n, s) => n + s.durationMs, 0)).toISOString();
  await insertRun(ctx.db, {
    id,
    integration_id: integrationId,
    trigger: 'schedule',
    trigger_payload: null,
    max_attempts: 1,
    retry_of: null,
    not_before: at,
    created_at: at,
  });
  await ctx.db.run(sql`UPDATE runs SET ${finishedRunSet({
    status: outcome.status,
    steps: JSON.stringify(steps),
    logs: '[]',
    end_user_log: null,
    error_code: outcome.errorCode,
    error: outcome.error,
    finished_at: finished,
  })}, attempt = 1, started_at = ${new Date(created.getTime() + 200).toISOString()},
    flow_version = (SELECT flow_version FROM integrations WHERE id = ${integrationId}) WHERE id = ${id}`);
  await recordLatestRun(ctx.db, integrationId, { id, status: outcome.status, at: finished });
  return id;
}

/**
 * Seeds what makes every console page non-empty (issue 11): Ada's Demo Mailer connection, whose
 * password was "changed at the provider" so it needs reconnecting (its credentials dropped); her "Send a weekly digest"
 * integration on it; two of its past runs, one that succeeded and one that failed with the
 * mailer's 401; and a `connectorAuth.needsReauth` callback that failed to reach Acme's backend
 * (every attempt kept). Through the services where they exist (connector auth, integration, with
 * their audit events), the run and delivery history through the repositories. Idempotent: a
 * re-run finds the connection by name and adds nothing.
 */
export async function seedDemoActivity(ctx: AppContext, adminUserId: string, world: DemoWorld): Promise<DemoActivity> {
  const existing = await ctx.db.get<{ id: string }>(
    sql`SELECT id FROM connector_auths WHERE config_id = ${DEMO.configId} AND name = ${DEMO_ACTIVITY.authName}`,
  );
  if (existing) {
    const integration = await ctx.db.get<{ integration_id: string }>(
      sql`SELECT integration_id FROM integration_bindings WHERE connector_auth_id = ${existing.id}`,
    );
    const runs = integration
      ? await ctx.db.all<{ id: string }>(sql`SELECT id FROM runs WHERE integration_id = ${integration.integration_id} ORDER BY created_at`)
      : [];
    const delivery = await ctx.db.get<{ id: string }>(
      sql`SELECT id FROM callback_deliveries WHERE config_id = ${DEMO.configId} AND event_type = 'connectorAuth.needsReauth' ORDER BY created_at`,
    );
    return {
      connectorAuthId: existing.id,
      integrationId: integration?.integration_id ?? '',
      runIds: runs.map((r) => r.id),
      callbackDeliveryId: delivery?.id ?? null,
      created: false,
    };
  }

  const admin: AdminPrincipal = {
    kind: 'admin',
    via: 'session',
    adminUserId,
    tokenId: null,
    role: 'owner',
    scopes: new Set(['read', 'write', 'run']),
    groups: new Map(),
  };
  const ada = ACME_USERS[0];
  const auth = await createConnectorAuthFor(
    ctx,
    admin,
    {
      configId: DEMO.configId,
      connectorId: DEMO_WORLD.mailer,
      userId: ada.id,
      accountId: ACME_ACCOUNT.id,
      name: DEMO_ACTIVITY.authName,
      credentials: { type: 'basic', username: DEMO_MAILER_CREDENTIALS.username, password: DEMO_MAILER_CREDENTIALS.password },
      validate: false,
    },
    REQUEST_ID,
  );
  const endUser = await findEndUserByIdentity(ctx.db, DEMO.configId, ACME_ACCOUNT.id, ada.id);
  if (!endUser) throw new Error('demo end user missing after creating its connection');
  const session: EndUserPrincipal = {
    kind: 'end_user',
    endUserId: endUser.id,
    configId: DEMO.configId,
    embedUserId: ada.id,
    embedAccountId: ACME_ACCOUNT.id,
    sharingLevel: 'account',
    sessionExpiresAt: new Date(ctx.clock.now() + HOUR).toISOString(),
  };
  const integration = await createEmbedIntegration(
    ctx,
    session,
    { flowId: world.flowIds.weeklyDigest, bindings: { mailer: auth.id }, inputs: { recipient: DEMO_ACTIVITY.recipient } },
    REQUEST_ID,
  );

  const sent = (at: string) => [
    step('send', at, true, 184, call('send', 'POST', '/messages', 202, 184, JSON.stringify({ id: 'msg_8f2d', status: 'queued' }))),
  ];
  const refused = (at: string) => [
    step('send', at, false, 97, call('send', 'POST', '/messages', 401, 97, JSON.stringify({ error: 'invalid_credentials' }))),
  ];
  const runIds = [
    await finishedRun(ctx, integration.id, 50 * HOUR, { status: 'success', steps: sent, errorCode: null, error: null }),
    await finishedRun(ctx, integration.id, 3 * HOUR, {
      status: 'error',
      steps: refused,
      errorCode: 'upstream_status',
      error: 'Step "send": the connector answered 401',
    }),
  ];

  // The 401 made Patchbay mark the connection for reconnecting, and tell Acme's backend, which was down.
  const deliveryId = newWebhookId();
  await inTransaction(ctx, async (tx) => {
    const created = new Date(ctx.clock.now() - 3 * HOUR + 1000);
    // Without credentials (the refused password is of no use), so the demo can still move the mailer to another port.
    await dropAuthCredentials(
      tx.db,
      auth.id,
      'needs_reauth',
      'The Demo Mailer refused the password (401): reconnect with the current one',
      created.toISOString(),
    );
    await insertCallbackDelivery(tx.db, {
      id: deliveryId,
      config_id: DEMO.configId,
      event_type: 'connectorAuth.needsReauth',
      object_key: `connector_auth:${auth.id}`,
      payload: JSON.stringify({
        type: 'connectorAuth.needsReauth',
        timestamp: created.toISOString(),
        data: {
          configId: DEMO.configId,
          userId: ada.id,
          accountId: ACME_ACCOUNT.id,
          sharingLevel: 'account',
          connectorAuthId: auth.id,
          connectorId: DEMO_WORLD.mailer,
        },
      }),
      not_before: created.toISOString(),
      created_at: created.toISOString(),
    });
    const attempts = [0, 5_000, 305_000].map((offset, i) => ({
      id: newId('cba'),
      delivery_id: deliveryId,
      at: new Date(created.getTime() + offset).toISOString(),
      duration_ms: [1520, 1498, 1503][i] ?? 1500,
      status_code: 503,
      error: null,
      response_excerpt: '<html><body><h1>503 Service Unavailable</h1>Acme backend is down for maintenance.</body></html>',
    }));
    for (const a of attempts) await insertCallbackAttempt(tx.db, a);
    await tx.db.run(sql`UPDATE callback_deliveries SET status = 'failed', attempt = ${attempts.length}, last_status_code = 503,
      last_error = ${'HTTP 503'} WHERE id = ${deliveryId}`);
  });

  return { connectorAuthId: auth.id, integrationId: integration.id, runIds, callbackDeliveryId: deliveryId, created: true };
}

import crypto from 'node:crypto';
import os from 'node:os';
import type { CallbackDelivery, CallbackDeliveryDetail, callbackAttemptSchema, callbackDeliveryListQuerySchema } from '@patchbay/shared';
import type { z } from 'zod';
import { assertObjectPermission, configVisible, type Permission } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { deliverLeased } from '../../callbacks/deliver.ts';
import { writeDelivery } from '../../callbacks/outbox.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { afterCursor, toPage } from '../../db/keyset.ts';
import {
  type CallbackAttemptRow,
  type CallbackDeliveryListRow,
  callbackQueueSpec,
  enableCallbacks,
  findCallbackTarget,
  findVisibleCallbackDelivery,
  listCallbackAttempts,
  listCallbackDeliveries,
  requeueCallbackDelivery,
} from '../../db/repos/callbackDeliveries.ts';
import { embedConfigVisible } from '../../db/repos/embedConfigs.ts';
import { AppError, notFound } from '../../errors.ts';
import { LeaseQueue, nudgeQueue } from '../../runs/queue.ts';
import { recordAudit } from '../audit/recordAudit.ts';

/**
 * Callback deliveries in the vendor API and the console (docs/callbacks.md, "Visibility"):
 * members see the deliveries of configurations with a group they may `view` (others answer 404);
 * redelivering, the test callback and re-enabling callbacks need `manage` on such a group (403).
 * Owners and admins see and do everything.
 */

type CallbackAttempt = z.infer<typeof callbackAttemptSchema>;

const visible = (p: AdminPrincipal, perm: Permission) => configVisible(p, perm, 'd.config_id');
const configOf = (p: AdminPrincipal, perm: Permission) => configVisible(p, perm, 'c.id');

/** How long the test button's own lease holds: longer than the 15 s timeout, so only a crash hands it on. */
const TEST_LEASE_MS = 30_000;

function attemptView(a: CallbackAttemptRow): CallbackAttempt {
  return {
    id: a.id,
    at: a.at,
    durationMs: a.duration_ms,
    statusCode: a.status_code,
    error: a.error,
    responseExcerpt: a.response_excerpt,
  };
}

/** A delivery row as the API answers it (`sending` is answered as `pending`). */
export function deliveryView(row: CallbackDeliveryListRow): CallbackDelivery {
  const pending = row.status === 'pending' || row.status === 'sending';
  return {
    id: row.id,
    configId: row.config_id,
    eventType: row.event_type,
    status: pending ? 'pending' : row.status === 'delivered' ? 'delivered' : 'failed',
    attemptCount: Number(row.attempt_count),
    lastStatusCode: row.last_status_code,
    lastError: row.last_error,
    nextAttemptAt: pending ? row.not_before : null,
    createdAt: row.created_at,
    deliveredAt: row.delivered_at,
  };
}

async function findVisible(ctx: AppContext, p: AdminPrincipal, id: string, perm: Permission): Promise<CallbackDeliveryListRow> {
  const row = await findVisibleCallbackDelivery(ctx.db, id, visible(p, 'view'));
  if (!row) throw notFound('Callback delivery', id);
  await assertObjectPermission(
    p,
    perm,
    async (q) => (await findVisibleCallbackDelivery(ctx.db, id, visible(p, q))) !== undefined,
    () => notFound('Callback delivery', id),
  );
  return row;
}

async function assertConfigPermission(ctx: AppContext, p: AdminPrincipal, configId: string, perm: Permission): Promise<void> {
  const hide = () => notFound('Embed configuration', configId);
  if (!(await embedConfigVisible(ctx.db, configId, configOf(p, 'view')))) throw hide();
  await assertObjectPermission(p, perm, (q) => embedConfigVisible(ctx.db, configId, configOf(p, q)), hide);
}

/** `GET /api/v1/callback-deliveries`: newest first, filtered, cursor pagination. */
export async function listCallbackDeliveriesFor(
  ctx: AppContext,
  p: AdminPrincipal,
  query: z.infer<typeof callbackDeliveryListQuerySchema>,
): Promise<{ items: CallbackDelivery[]; nextCursor: string | null }> {
  const rows = await listCallbackDeliveries(
    ctx.db,
    query,
    visible(p, 'view'),
    afterCursor(query.cursor, 'd.created_at', 'd.id'),
    query.limit + 1,
  );
  return toPage(rows, query.limit, (r) => ({ t: r.created_at, id: r.id }), deliveryView);
}

/** `GET /api/v1/callback-deliveries/{id}`: the delivery, its body and every attempt (oldest first). */
export async function getCallbackDeliveryFor(ctx: AppContext, p: AdminPrincipal, id: string): Promise<CallbackDeliveryDetail> {
  const row = await findVisible(ctx, p, id, 'view');
  const attempts = await listCallbackAttempts(ctx.db, id);
  return {
    ...deliveryView(row),
    payload: JSON.parse(row.payload) as CallbackDeliveryDetail['payload'],
    attempts: attempts.map(attemptView),
  };
}

/**
 * `POST /api/v1/callback-deliveries/{id}/redeliver`: queues the delivery again, due now, with the
 * same id (so the same `webhook-id`) and the same body. A delivery being sent right now, or of a
 * configuration without a callback URL or whose callbacks a 410 stopped, answers 409.
 */
export async function redeliverFor(ctx: AppContext, p: AdminPrincipal, id: string, requestId: string) {
  const row = await findVisible(ctx, p, id, 'manage');
  const target = await findCallbackTarget(ctx.db, row.config_id);
  if (!target?.callback_url || !target.callback_secret_enc) {
    throw new AppError('conflict', 'The configuration has no callback URL; set one first');
  }
  if (target.callbacks_disabled_at !== null) {
    throw new AppError('conflict', 'Callbacks of this configuration are stopped (its backend answered 410 Gone); enable them first');
  }
  await inTransaction(ctx, async (tx) => {
    if (!(await requeueCallbackDelivery(tx.db, id, nowIso(tx)))) {
      throw new AppError('conflict', 'The delivery is being sent right now; try again when this attempt has finished');
    }
    await recordAudit(tx, p, {
      action: 'callback_delivery.redelivered',
      objectType: 'callback_delivery',
      objectId: id,
      configId: row.config_id,
      details: { eventType: row.event_type, previousStatus: deliveryView(row).status },
      requestId,
    });
  });
  nudgeQueue(callbackQueueSpec.table);
  const fresh = await findVisibleCallbackDelivery(ctx.db, id, visible(p, 'view'));
  if (!fresh) throw notFound('Callback delivery', id);
  return { delivery: deliveryView(fresh) };
}

/**
 * `POST /api/v1/embed-configs/{id}/test-callback`: writes a `ping` delivery leased to this
 * request, sends it now (once, not retried) and answers it with its attempt. It goes out even
 * while a 410 stopped the configuration's other callbacks, to check the backend is back; a 410
 * to the ping stops them too.
 */
export async function testCallbackFor(ctx: AppContext, p: AdminPrincipal, configId: string, requestId: string) {
  await assertConfigPermission(ctx, p, configId, 'manage');
  const target = await findCallbackTarget(ctx.db, configId);
  if (!target?.callback_url || !target.callback_secret_enc) {
    throw new AppError('conflict', 'The configuration has no callback URL; set one first');
  }
  const owner = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}:test-callback`;
  const until = new Date(ctx.clock.now() + TEST_LEASE_MS).toISOString();
  const id = await inTransaction(ctx, async (tx) => {
    const deliveryId = await writeDelivery(
      tx,
      { type: 'ping', subject: { configId, userId: '', accountId: '', sharingLevel: 'user' }, objectId: configId },
      { owner, until },
    );
    await recordAudit(tx, p, {
      action: 'embed_config.callback_tested',
      objectType: 'embed_config',
      objectId: configId,
      configId,
      details: { deliveryId },
      requestId,
    });
    return deliveryId;
  });
  const queue = new LeaseQueue(ctx.db, callbackQueueSpec, { clock: ctx.clock });
  await deliverLeased(ctx, queue, { id, fence: 1, attempt: 0, reclaims: 0, owner, leaseUntil: Date.parse(until) }, Math.random, true);
  const row = await findVisibleCallbackDelivery(ctx.db, id, visible(p, 'view'));
  const attempt = (await listCallbackAttempts(ctx.db, id)).at(-1);
  if (!row || !attempt) throw new AppError('server_error', 'The test callback was not recorded');
  return { delivery: deliveryView(row), attempt: attemptView(attempt) };
}

/**
 * `POST /api/v1/embed-configs/{id}/enable-callbacks`: starts a configuration's callbacks again
 * after a 410 stopped them (audited); events from now on are delivered. Answers whether they were
 * stopped.
 */
export async function enableCallbacksFor(ctx: AppContext, p: AdminPrincipal, configId: string, requestId: string) {
  await assertConfigPermission(ctx, p, configId, 'manage');
  const wasStopped = await inTransaction(ctx, async (tx) => {
    const changed = await enableCallbacks(tx.db, configId);
    if (changed) {
      await recordAudit(tx, p, {
        action: 'embed_config.callbacks_enabled',
        objectType: 'embed_config',
        objectId: configId,
        configId,
        details: {},
        requestId,
      });
    }
    return changed;
  });
  return wasStopped;
}

import type { Queryable } from '../driver.ts';
import { sql } from '../sql.ts';
import type { Fragment, LeaseQueueSpec } from './leaseQueue.ts';

/** A callback delivery row (docs/callbacks.md); `id` is the `webhook-id`, `payload` the JSON body. */
export interface CallbackDeliveryRow {
  id: string;
  config_id: string;
  event_type: string;
  object_key: string;
  payload: string;
  status: 'pending' | 'sending' | 'delivered' | 'failed';
  attempt: number;
  reclaims: number;
  fence: number;
  not_before: string;
  lease_owner: string | null;
  lease_until: string | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
}

/**
 * The deliveries as a lease queue: fair across configurations, and the deliveries of one object
 * of one configuration strictly in order (the oldest waiting one first, even while it waits for
 * a retry).
 */
export const callbackQueueSpec: LeaseQueueSpec = {
  table: 'callback_deliveries',
  from: 'callback_deliveries q',
  group: 'q.config_id',
  key: 'object_key',
  orderedWithinKey: true,
  sequence: 'created_at',
  queued: 'pending',
  running: 'sending',
};

/** Where a configuration's callbacks go, if anywhere: its URL and sealed secret, and whether a 410 stopped them. */
export interface CallbackTarget {
  callback_url: string | null;
  callback_secret_enc: string | null;
  /** The secret before the last rotation (sealed), signing beside the current one until `callback_previous_signs_until`. */
  callback_secret_prev_enc: string | null;
  callback_previous_signs_until: string | null;
  callbacks_disabled_at: string | null;
}

/** The callback target of a configuration, or undefined when there is no such configuration. */
export async function findCallbackTarget(db: Queryable, configId: string): Promise<CallbackTarget | undefined> {
  return db.get<CallbackTarget>(
    sql`SELECT callback_url, callback_secret_enc, callback_secret_prev_enc, callback_previous_signs_until, callbacks_disabled_at
      FROM embed_configs WHERE id = ${configId}`,
  );
}

/** Sets a configuration's callback secrets: the current one and the previous one with until when it still signs (both null: none). */
export async function setCallbackSecrets(
  db: Queryable,
  configId: string,
  secrets: { current: string | null; previous: string | null; previousUntil: string | null; updatedAt: string },
): Promise<void> {
  await db.run(sql`UPDATE embed_configs SET callback_secret_enc = ${secrets.current}, callback_secret_prev_enc = ${secrets.previous},
    callback_previous_signs_until = ${secrets.previousUntil}, updated_at = ${secrets.updatedAt} WHERE id = ${configId}`);
}

/**
 * Inserts a waiting delivery; with `lease`, one already leased to its writer (the test button
 * sends it at once itself: fence 1, and a lease that runs out hands it to a worker).
 */
export async function insertCallbackDelivery(
  db: Queryable,
  row: Pick<CallbackDeliveryRow, 'id' | 'config_id' | 'event_type' | 'object_key' | 'payload' | 'not_before' | 'created_at'>,
  lease?: { owner: string; until: string },
): Promise<void> {
  if (lease) {
    await db.run(sql`INSERT INTO callback_deliveries (id, config_id, event_type, object_key, payload, status, fence, lease_owner, lease_until,
      not_before, created_at) VALUES (${row.id}, ${row.config_id}, ${row.event_type}, ${row.object_key}, ${row.payload}, 'sending', 1,
      ${lease.owner}, ${lease.until}, ${row.not_before}, ${row.created_at})`);
    return;
  }
  await db.run(sql`INSERT INTO callback_deliveries (id, config_id, event_type, object_key, payload, status, not_before, created_at)
    VALUES (${row.id}, ${row.config_id}, ${row.event_type}, ${row.object_key}, ${row.payload}, 'pending', ${row.not_before}, ${row.created_at})`);
}

/** A delivery as the API lists it: the row and how many attempts it has had. */
export type CallbackDeliveryListRow = CallbackDeliveryRow & { attempt_count: number };

/** The filters of `GET /api/v1/callback-deliveries` (`pending` covers `sending`). */
export interface CallbackDeliveryFilters {
  readonly configId?: string | undefined;
  readonly eventType?: string | undefined;
  readonly status?: 'pending' | 'delivered' | 'failed' | undefined;
}

const LIST_COLUMNS = sql`d.*, (SELECT COUNT(*) FROM callback_delivery_attempts a WHERE a.delivery_id = d.id) AS attempt_count`;

/** Deliveries newest first, within `visible` (a condition on `d.config_id`), after the keyset position `after`. */
export async function listCallbackDeliveries(
  db: Queryable,
  filters: CallbackDeliveryFilters,
  visible: Fragment,
  after: Fragment | null,
  limit: number,
): Promise<CallbackDeliveryListRow[]> {
  const where: Fragment[] = [visible];
  if (filters.configId !== undefined) where.push(sql`d.config_id = ${filters.configId}`);
  if (filters.eventType !== undefined) where.push(sql`d.event_type = ${filters.eventType}`);
  if (filters.status === 'pending') where.push(sql`d.status IN ('pending', 'sending')`);
  else if (filters.status !== undefined) where.push(sql`d.status = ${filters.status}`);
  if (after) where.push(after);
  return db.all<CallbackDeliveryListRow>(sql`SELECT ${LIST_COLUMNS} FROM callback_deliveries d WHERE ${sql.join(where, ' AND ')}
    ORDER BY d.created_at DESC, d.id DESC LIMIT ${limit}`);
}

/** One delivery with its attempt count, within `visible` (a condition on `d.config_id`). */
export async function findVisibleCallbackDelivery(
  db: Queryable,
  id: string,
  visible: Fragment,
): Promise<CallbackDeliveryListRow | undefined> {
  return db.get<CallbackDeliveryListRow>(sql`SELECT ${LIST_COLUMNS} FROM callback_deliveries d WHERE d.id = ${id} AND ${visible}`);
}

/** Deliveries that failed for good since `since`, within `visible` (a condition on `d.config_id`); the console's overview. */
export async function countCallbacksFailedSince(db: Queryable, since: string, visible: Fragment): Promise<number> {
  const row = await db.get<{ n: number }>(
    sql`SELECT COUNT(*) AS n FROM callback_deliveries d WHERE d.status = 'failed' AND d.created_at >= ${since} AND ${visible}`,
  );
  return Number(row?.n ?? 0);
}

/** One delivery by id. */
export async function findCallbackDelivery(db: Queryable, id: string): Promise<CallbackDeliveryRow | undefined> {
  return db.get<CallbackDeliveryRow>(sql`SELECT * FROM callback_deliveries WHERE id = ${id}`);
}

/** The deliveries of a configuration, oldest first (tests and the demo). */
export async function listCallbackDeliveriesOfConfig(db: Queryable, configId: string): Promise<CallbackDeliveryRow[]> {
  return db.all<CallbackDeliveryRow>(sql`SELECT * FROM callback_deliveries WHERE config_id = ${configId} ORDER BY created_at, id`);
}

/** One recorded attempt of a delivery. */
export interface CallbackAttemptRow {
  id: string;
  delivery_id: string;
  at: string;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_excerpt: string | null;
}

/** Records an attempt. */
export async function insertCallbackAttempt(db: Queryable, row: CallbackAttemptRow): Promise<void> {
  await db.run(sql`INSERT INTO callback_delivery_attempts (id, delivery_id, at, duration_ms, status_code, error, response_excerpt)
    VALUES (${row.id}, ${row.delivery_id}, ${row.at}, ${row.duration_ms}, ${row.status_code}, ${row.error}, ${row.response_excerpt})`);
}

/** How many attempts a delivery has had. */
export async function countCallbackAttempts(db: Queryable, deliveryId: string): Promise<number> {
  const row = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM callback_delivery_attempts WHERE delivery_id = ${deliveryId}`);
  return Number(row?.n ?? 0);
}

/** Every attempt of a delivery, oldest first. */
export async function listCallbackAttempts(db: Queryable, deliveryId: string): Promise<CallbackAttemptRow[]> {
  return db.all<CallbackAttemptRow>(sql`SELECT * FROM callback_delivery_attempts WHERE delivery_id = ${deliveryId} ORDER BY at, id`);
}

/** Stops a configuration's callbacks (its backend answered 410 Gone); answers whether it was running. */
export async function disableCallbacks(db: Queryable, configId: string, at: string): Promise<boolean> {
  const res = await db.run(
    sql`UPDATE embed_configs SET callbacks_disabled_at = ${at} WHERE id = ${configId} AND callbacks_disabled_at IS NULL`,
  );
  return res.changes === 1;
}

/** Starts a configuration's callbacks again; answers whether they were stopped. */
export async function enableCallbacks(db: Queryable, configId: string): Promise<boolean> {
  const res = await db.run(
    sql`UPDATE embed_configs SET callbacks_disabled_at = NULL WHERE id = ${configId} AND callbacks_disabled_at IS NOT NULL`,
  );
  return res.changes === 1;
}

/** Puts a delivery back in the queue, due at `at`, keeping its id (the `webhook-id`); false when it is being sent now. */
export async function requeueCallbackDelivery(db: Queryable, id: string, at: string): Promise<boolean> {
  const res = await db.run(sql`UPDATE callback_deliveries SET status = 'pending', not_before = ${at}, delivered_at = NULL
    WHERE id = ${id} AND status <> 'sending'`);
  return res.changes === 1;
}

import type { Queryable } from '../driver.ts';
import { sql } from '../sql.ts';
import type { LeaseQueueSpec } from './leaseQueue.ts';

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
  callbacks_disabled_at: string | null;
}

/** The callback target of a configuration, or undefined when there is no such configuration. */
export async function findCallbackTarget(db: Queryable, configId: string): Promise<CallbackTarget | undefined> {
  return db.get<CallbackTarget>(
    sql`SELECT callback_url, callback_secret_enc, callbacks_disabled_at FROM embed_configs WHERE id = ${configId}`,
  );
}

/** Inserts a waiting delivery. */
export async function insertCallbackDelivery(
  db: Queryable,
  row: Pick<CallbackDeliveryRow, 'id' | 'config_id' | 'event_type' | 'object_key' | 'payload' | 'not_before' | 'created_at'>,
): Promise<void> {
  await db.run(sql`INSERT INTO callback_deliveries (id, config_id, event_type, object_key, payload, status, not_before, created_at)
    VALUES (${row.id}, ${row.config_id}, ${row.event_type}, ${row.object_key}, ${row.payload}, 'pending', ${row.not_before}, ${row.created_at})`);
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

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

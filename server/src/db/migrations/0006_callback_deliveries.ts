/**
 * Callback deliveries (docs/callbacks.md): the outbox of events to a configuration's backend,
 * as a lease queue (the run engine's machinery, docs/runs.md "Queue").
 *
 * `callback_outbox` and `callback_attempts` of the first migration were never written; they are
 * replaced by `callback_deliveries` (the queue's columns: `status`, `not_before`, the lease,
 * `fence`, `attempt`, `reclaims`) and `callback_delivery_attempts`. `object_key` orders the
 * deliveries of one object within one configuration (`<configId>:<objectId>`): they are taken
 * strictly in order. `id` is the `webhook-id`, the same on every retry and redelivery.
 * `embed_configs.callbacks_disabled_at` is set when the backend answered 410 Gone and cleared
 * when an administrator re-enables the callbacks.
 */
export const up = /* sql */ `
DROP TABLE callback_attempts;
DROP TABLE callback_outbox;

CREATE TABLE callback_deliveries (
  id TEXT PRIMARY KEY,
  config_id TEXT NOT NULL REFERENCES embed_configs (id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  object_key TEXT NOT NULL,
  payload TEXT NOT NULL CHECK (json_valid(payload)),
  status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'delivered', 'failed')),
  attempt INTEGER NOT NULL DEFAULT 0,
  reclaims INTEGER NOT NULL DEFAULT 0,
  fence INTEGER NOT NULL DEFAULT 0,
  not_before TEXT NOT NULL,
  lease_owner TEXT,
  lease_until TEXT,
  last_status_code INTEGER,
  last_error TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT
) STRICT;
CREATE INDEX callback_deliveries_due ON callback_deliveries (status, not_before);
CREATE INDEX callback_deliveries_config ON callback_deliveries (config_id, created_at, id);
CREATE INDEX callback_deliveries_object ON callback_deliveries (object_key, created_at, id);
CREATE INDEX callback_deliveries_created ON callback_deliveries (created_at, id);

CREATE TABLE callback_delivery_attempts (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES callback_deliveries (id) ON DELETE CASCADE,
  at TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  status_code INTEGER,
  error TEXT,
  response_excerpt TEXT
) STRICT;
CREATE INDEX callback_delivery_attempts_delivery ON callback_delivery_attempts (delivery_id, at);

ALTER TABLE embed_configs ADD COLUMN callbacks_disabled_at TEXT;
`;

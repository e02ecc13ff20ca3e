/**
 * The run engine (docs/runs.md): the `runs` table becomes a lease queue.
 *
 * SQLite cannot change a CHECK constraint, so `runs` is rebuilt the portable way (new table, copy,
 * drop, rename), which PostgreSQL runs as it is (through `migrationForPostgres`):
 * - status `canceled`; `cancel_requested_at` (a running run sees it and stops);
 * - the lease: `lease_owner`, `lease_until` and `fence`, a fencing token raised on every claim, so a
 *   worker that lost its lease can neither renew nor finish the run; `reclaims` counts the times a
 *   run was taken over after its worker's lease ran out;
 * - retries: `attempt` (of `max_attempts`, the flow's `retry.maxAttempts`), `not_before`;
 *   `retry_of` names the run a `retry` trigger repeats;
 * - what ran: `flow_version` (set when a worker starts it), per-step results in `steps`, the
 *   end-user log in `end_user_log`, `error_code` beside the message in `error`.
 * Runs of a configuration, flow, account or user are found through their integration (whose
 * indexes cover those filters); the lists here are keyset-paged on (created_at, id).
 *
 * Two partial unique indexes hold the queue's invariants on both engines, whatever a worker does:
 * at most one `running` run per integration, and at most one queued `schedule` run per
 * integration (a slot that comes due while one waits adds none).
 *
 * Rows already there: `running` rows beyond one per integration (none exist: nothing wrote runs
 * before this) end as `error`, so the unique index can be built.
 */
export const up = /* sql */ `
CREATE TABLE runs_0004 (
  id TEXT PRIMARY KEY,
  integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'webhook', 'manual', 'admin', 'retry')),
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'success', 'error', 'canceled')),
  attempt INTEGER NOT NULL DEFAULT 1 CHECK (attempt >= 1),
  max_attempts INTEGER NOT NULL DEFAULT 1 CHECK (max_attempts >= 1),
  reclaims INTEGER NOT NULL DEFAULT 0,
  fence INTEGER NOT NULL DEFAULT 0,
  flow_version INTEGER,
  retry_of TEXT,
  trigger_payload TEXT CHECK (trigger_payload IS NULL OR json_valid(trigger_payload)),
  steps TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(steps)),
  logs TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(logs)),
  end_user_log TEXT CHECK (end_user_log IS NULL OR json_valid(end_user_log)),
  error_code TEXT,
  error TEXT,
  not_before TEXT NOT NULL,
  lease_owner TEXT,
  lease_until TEXT,
  cancel_requested_at TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
) STRICT;

INSERT INTO runs_0004 (id, integration_id, trigger, status, attempt, flow_version, trigger_payload, steps, logs, error,
  not_before, lease_owner, lease_until, created_at, started_at, finished_at)
SELECT r.id, r.integration_id, r.trigger, r.status, r.attempt,
  (SELECT i.flow_version FROM integrations i WHERE i.id = r.integration_id),
  r.trigger_payload, r.steps, r.logs, r.error, r.not_before, r.lease_owner, r.lease_until, r.created_at, r.started_at, r.finished_at
FROM runs r;

UPDATE runs_0004 SET status = 'error', error_code = 'worker_lost', error = 'The run was interrupted', finished_at = created_at,
  lease_owner = NULL, lease_until = NULL
WHERE status = 'running' AND id <> (SELECT MAX(o.id) FROM runs_0004 o WHERE o.integration_id = runs_0004.integration_id AND o.status = 'running');

DROP TABLE runs;
ALTER TABLE runs_0004 RENAME TO runs;

CREATE INDEX runs_integration ON runs (integration_id, created_at, id);
CREATE INDEX runs_created ON runs (created_at, id);
CREATE INDEX runs_status ON runs (status, created_at, id);
CREATE INDEX runs_trigger ON runs (trigger, created_at, id);
CREATE INDEX runs_due ON runs (not_before, id) WHERE status = 'queued';
CREATE INDEX runs_leased ON runs (lease_until) WHERE status = 'running';
CREATE INDEX runs_finished ON runs (finished_at) WHERE finished_at IS NOT NULL;
CREATE UNIQUE INDEX runs_one_running ON runs (integration_id) WHERE status = 'running';
CREATE UNIQUE INDEX runs_one_queued_schedule ON runs (integration_id) WHERE status = 'queued' AND trigger = 'schedule';
`;

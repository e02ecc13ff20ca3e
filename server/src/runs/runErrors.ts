/**
 * The closed set of codes a failed or stopped run carries in `error_code` (docs/runs.md). They
 * belong in `shared/` beside the run schemas once the run API exists; until then the run engine
 * owns them.
 */
export const RUN_ERROR_CODES = [
  /** The slot's connector auth is not `active` (needs reconnecting, revoked, disabled): not retried. */
  'connector_auth_inactive',
  /** The slot has no connector auth bound, or its connector cannot be called (no base URL, nothing to inject). */
  'connector_unusable',
  /** The upstream answered a status the step does not accept. */
  'upstream_status',
  /** The upstream could not be reached (connection refused, reset, DNS), or the refresh of its token failed for now. */
  'upstream_unreachable',
  /** The upstream did not answer within the step's 30 s. */
  'upstream_timeout',
  /** The upstream's host is an address Patchbay does not call (egress guard). */
  'upstream_blocked',
  /** The answer was larger than the 5 MB a step reads. */
  'response_too_large',
  /** The rendered request body was larger than the 5 MB a call sends. */
  'request_too_large',
  /** The rendered path could leave the connector's base URL. */
  'bad_path',
  /** A template does not parse or render. */
  'template_error',
  /** A template exceeded its time, memory or output limit, or a forEach named more than 1,000 items. */
  'template_limit',
  /** The run took longer than 15 minutes. */
  'run_timeout',
  /** Canceled by a user or an admin. */
  'canceled',
  /** The run's worker went away too often (its lease ran out repeatedly). */
  'worker_lost',
  /** The integration was disabled before the run started. */
  'integration_disabled',
  /** The integration's flow version does not parse any more. */
  'flow_invalid',
  /** Anything else (the message says what; the server log has the details). */
  'internal_error',
] as const;

/** A run error code. */
export type RunErrorCode = (typeof RUN_ERROR_CODES)[number];

/** A run's error: a code of {@link RUN_ERROR_CODES} and a message safe to show to the run's viewers. */
export interface RunError {
  readonly code: RunErrorCode;
  readonly message: string;
}

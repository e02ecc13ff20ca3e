/**
 * Retries of a failed run (docs/runs.md, "Failures and retries"): which failures are retried,
 * how long to wait, and what an upstream's `Retry-After` asks for. Pure functions; the caller
 * passes the time and the randomness.
 */

/** A flow's retry policy (`retry` of the definition); without one a run has a single attempt. */
export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly backoffSeconds: number;
}

/** Longest wait between two attempts, whatever the policy or the upstream ask for. */
export const MAX_RETRY_DELAY_MS = 60 * 60 * 1000;

/** How the exponential delay is spread: `equal` waits at least half of it, `full` anywhere from zero. */
export type Jitter = 'equal' | 'full';

/**
 * The wait before the attempt after `failedAttempt` (1-based): `backoffSeconds · 2^(failedAttempt − 1)`,
 * capped at {@link MAX_RETRY_DELAY_MS}, with jitter (default `equal`: between half and all of it,
 * so many runs failing together do not come back together, and the policy's backoff still means
 * something). `random` answers [0, 1).
 */
export function retryDelayMs(policy: RetryPolicy, failedAttempt: number, random: () => number, jitter: Jitter = 'equal'): number {
  const exponent = Math.min(Math.max(failedAttempt - 1, 0), 30);
  const base = Math.min(policy.backoffSeconds * 1000 * 2 ** exponent, MAX_RETRY_DELAY_MS);
  const r = Math.min(Math.max(random(), 0), 1);
  return Math.round(jitter === 'full' ? base * r : base / 2 + (base / 2) * r);
}

/**
 * What a `Retry-After` header asks for, in milliseconds from `nowMs`: delay-seconds (`120`) or an
 * HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`); a date in the past is 0; anything else is null.
 * Capped at {@link MAX_RETRY_DELAY_MS}.
 */
export function parseRetryAfter(value: string | readonly string[] | undefined, nowMs: number): number | null {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (text === undefined || text === '') return null;
  if (/^\d{1,10}$/.test(text)) return Math.min(Number(text) * 1000, MAX_RETRY_DELAY_MS);
  // IMF-fixdate and the two obsolete forms RFC 9110 still asks recipients to read
  if (!/^[A-Za-z]{3},? /.test(text) && !/^[A-Za-z]+, \d/.test(text)) return null;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return null;
  return Math.min(Math.max(at - nowMs, 0), MAX_RETRY_DELAY_MS);
}

/** Why a step failed, as far as retrying cares. */
export type StepFailure =
  | { readonly kind: 'http'; readonly status: number }
  | { readonly kind: 'network' | 'timeout' }
  | { readonly kind: 'auth_inactive' | 'template' | 'limit' | 'bad_request' | 'canceled' | 'internal' };

/**
 * Whether a failure is worth another attempt: network errors, timeouts, 5xx, 408 and 429 are
 * (the upstream may recover); other 4xx, an auth that needs reconnecting, a template that does
 * not render, a limit, a refused path or a cancel are not (the next attempt would fail the same way).
 */
export function isRetryable(failure: StepFailure): boolean {
  switch (failure.kind) {
    case 'network':
    case 'timeout':
      return true;
    case 'http':
      return failure.status >= 500 || failure.status === 408 || failure.status === 429;
    default:
      return false;
  }
}

/**
 * The wait before the next attempt, or null when there is none: the failure is not retryable or
 * the attempts are used up. The policy's backoff, but never less than the upstream's `Retry-After`.
 */
export function nextAttemptDelay(
  policy: RetryPolicy | undefined,
  failedAttempt: number,
  failure: StepFailure,
  retryAfterMs: number | null,
  random: () => number,
): number | null {
  if (!policy || failedAttempt >= policy.maxAttempts || !isRetryable(failure)) return null;
  const backoff = retryDelayMs(policy, failedAttempt, random);
  return Math.min(Math.max(backoff, retryAfterMs ?? 0), MAX_RETRY_DELAY_MS);
}

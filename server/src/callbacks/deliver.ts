import { signCallback } from '@patchbay/sdk/node';
import type { AppContext } from '../context.ts';
import { open } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { newId } from '../crypto/tokens.ts';
import {
  type CallbackTarget,
  callbackQueueSpec,
  countCallbackAttempts,
  disableCallbacks,
  findCallbackDelivery,
  findCallbackTarget,
  insertCallbackAttempt,
} from '../db/repos/callbackDeliveries.ts';
import { sql } from '../db/sql.ts';
import type { Lease, LeaseQueue } from '../runs/queue.ts';
import { recordAudit } from '../services/audit/recordAudit.ts';
import { EgressError, egressFetch } from '../services/egress/egress.ts';

/**
 * Sending one callback delivery (docs/callbacks.md): signed the Standard Webhooks way with the
 * configuration's callback secret, through the egress guard (no private addresses, no
 * redirects), 15 s at most; every attempt recorded; retried on the schedule below.
 */

/** Wait before attempt 2, 3, …: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h (attempt 1 is immediate; ≈ 31 h in all). */
export const RETRY_SCHEDULE_MS: readonly number[] = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 50_400_000];
/** Attempts in all. */
export const MAX_ATTEMPTS = RETRY_SCHEDULE_MS.length + 1;
/** Jitter around a scheduled wait: ± this fraction. */
export const JITTER = 0.1;
/** Time for one attempt, the whole exchange. */
export const CALLBACK_TIMEOUT_MS = 15_000;
/** How much of the answer is kept per attempt. */
export const EXCERPT_BYTES = 1024;
const MAX_ANSWER_BYTES = 256 * 1024;
const HOUR_MS = 3_600_000;

/** What an attempt came to. */
export type AttemptOutcome = 'delivered' | 'retry' | 'failed' | 'gone';

/** Whether an answer (or a failure without one: `null`) is worth another attempt. */
export function retryable(status: number | null): boolean {
  return status === null || status >= 500 || status === 408 || status === 429;
}

/** `Retry-After` in ms (seconds or an HTTP date), or null when absent or unreadable. */
export function retryAfterMs(value: string | undefined, now: number): number | null {
  if (value === undefined || value.trim() === '') return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/**
 * The wait after failed attempt `attempt` (1-based), or null when it was the last: the schedule's
 * step with jitter; a `Retry-After` (429/503) replaces it, capped at the step + 1 h.
 */
export function nextDelayMs(attempt: number, retryAfter: number | null, random: () => number = Math.random): number | null {
  const step = RETRY_SCHEDULE_MS[attempt - 1];
  if (step === undefined) return null;
  if (retryAfter !== null) return Math.min(retryAfter, step + HOUR_MS);
  return Math.round(step * (1 - JITTER + 2 * JITTER * random()));
}

function errorText(err: unknown): string {
  if (err instanceof EgressError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * The secrets that sign a configuration's callbacks: the current one and, for a while after a
 * rotation, the previous one too (both signatures go out, space-separated).
 */
export function secretsOf(ctx: AppContext, configId: string, target: CallbackTarget & { callback_secret_enc: string }): string[] {
  const secrets = [open(ctx.keyring, secretLocation('embed_configs', 'callback_secret_enc', configId), target.callback_secret_enc)];
  const until = target.callback_previous_signs_until === null ? Number.NaN : Date.parse(target.callback_previous_signs_until);
  if (target.callback_secret_prev_enc !== null && until > ctx.clock.now()) {
    secrets.push(open(ctx.keyring, secretLocation('embed_configs', 'callback_secret_prev_enc', configId), target.callback_secret_prev_enc));
  }
  return secrets;
}

/** The result of one attempt, as recorded. */
export interface AttemptResult {
  readonly outcome: AttemptOutcome;
  readonly at: string;
  readonly durationMs: number;
  readonly statusCode: number | null;
  readonly error: string | null;
  readonly responseExcerpt: string | null;
}

/**
 * Sends a delivery once, outside any transaction: answers what happened without writing it. The
 * `webhook-id` is the delivery id, so every retry and redelivery carries the same one.
 */
export async function sendOnce(ctx: AppContext, deliveryId: string): Promise<AttemptResult & { retryAfter: number | null }> {
  const started = ctx.clock.now();
  const at = new Date(started).toISOString();
  const t0 = performance.now();
  const done = (
    statusCode: number | null,
    error: string | null,
    excerpt: string | null,
    outcome: AttemptOutcome,
    retryAfter: number | null = null,
  ) => ({
    outcome,
    at,
    durationMs: Math.round(performance.now() - t0),
    statusCode,
    error,
    responseExcerpt: excerpt,
    retryAfter,
  });
  const row = await findCallbackDelivery(ctx.db, deliveryId);
  if (!row) return done(null, 'The delivery no longer exists', null, 'failed');
  const target = await findCallbackTarget(ctx.db, row.config_id);
  if (!target?.callback_url || !target.callback_secret_enc) return done(null, 'The configuration has no callback URL', null, 'failed');
  if (target.callbacks_disabled_at !== null && row.event_type !== 'ping') {
    return done(null, 'Callbacks of this configuration are stopped (the backend answered 410 Gone)', null, 'failed');
  }
  let url: URL;
  try {
    url = new URL(target.callback_url);
  } catch {
    return done(null, 'The callback URL is not a valid URL', null, 'failed');
  }
  const headers = signCallback({
    body: row.payload,
    secret: secretsOf(ctx, row.config_id, { ...target, callback_secret_enc: target.callback_secret_enc }),
    id: row.id,
    now: Date.now(),
  });
  try {
    const res = await egressFetch(ctx, {
      url,
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Patchbay-Callbacks', ...headers },
      body: row.payload,
      timeoutMs: CALLBACK_TIMEOUT_MS,
      maxBytes: MAX_ANSWER_BYTES,
    });
    const excerpt = res.body.subarray(0, EXCERPT_BYTES).toString('utf8');
    if (res.status >= 200 && res.status < 300) return done(res.status, null, excerpt, 'delivered');
    if (res.status === 410)
      return done(res.status, 'The backend answered 410 Gone: callbacks of this configuration are stopped', excerpt, 'gone');
    const after = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers['retry-after'], Date.now()) : null;
    const why = res.status >= 300 && res.status < 400 ? `Redirect (${res.status}) not followed` : `The backend answered ${res.status}`;
    return done(res.status, why, excerpt, retryable(res.status) ? 'retry' : 'failed', after);
  } catch (err) {
    const blocked = err instanceof EgressError && (err.code === 'blocked_address' || err.code === 'bad_url');
    return done(null, errorText(err), null, blocked ? 'failed' : 'retry');
  }
}

/**
 * Sends a claimed delivery and settles it through the queue: delivered; back to waiting on the
 * schedule; failed for good (a 4xx other than 408/429, a refused address, the last attempt); or
 * on 410 the configuration's callbacks stop (audited). The attempt is recorded in the settle's
 * transaction, so a worker that lost its lease records nothing.
 */
export async function deliverLeased(
  ctx: AppContext,
  queue: LeaseQueue,
  lease: Lease,
  random: () => number = Math.random,
  once = false,
): Promise<AttemptOutcome | 'lost'> {
  const result = await sendOnce(ctx, lease.id);
  const attempt = (await countCallbackAttempts(ctx.db, lease.id)) + 1;
  let outcome = result.outcome;
  let delay: number | null = null;
  if (outcome === 'retry') {
    // `once` (the test button): one attempt, not retried
    delay = once ? null : nextDelayMs(attempt, result.retryAfter, random);
    if (delay === null) outcome = 'failed';
  }
  const now = ctx.clock.now();
  const common = sql`last_status_code = ${result.statusCode}, last_error = ${result.error}`;
  const set =
    outcome === 'delivered'
      ? sql`status = 'delivered', delivered_at = ${new Date(now).toISOString()}, ${common}`
      : outcome === 'retry'
        ? sql`status = 'pending', not_before = ${new Date(now + (delay ?? 0)).toISOString()}, ${common}`
        : sql`status = 'failed', ${common}`;
  const ok = await queue.settle(lease, set, async (tx) => {
    await insertCallbackAttempt(tx, {
      id: newId('cba'),
      delivery_id: lease.id,
      at: result.at,
      duration_ms: result.durationMs,
      status_code: result.statusCode,
      error: result.error,
      response_excerpt: result.responseExcerpt,
    });
    if (outcome === 'gone') {
      const row = await findCallbackDelivery(tx, lease.id);
      if (row && (await disableCallbacks(tx, row.config_id, new Date(now).toISOString()))) {
        await recordAudit(
          { ...ctx, db: tx },
          { kind: 'system' },
          {
            action: 'embed_config.callbacks_disabled',
            objectType: 'embed_config',
            objectId: row.config_id,
            configId: row.config_id,
            details: { reason: 'gone', deliveryId: lease.id, statusCode: 410 },
          },
        );
      }
    }
  });
  return ok ? outcome : 'lost';
}

export { callbackQueueSpec };

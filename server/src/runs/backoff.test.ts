import { describe, expect, it } from 'vitest';
import { isRetryable, MAX_RETRY_DELAY_MS, nextAttemptDelay, parseRetryAfter, retryDelayMs } from './backoff.ts';

const policy = { maxAttempts: 5, backoffSeconds: 2 };

describe('retryDelayMs', () => {
  it('doubles per attempt, with equal jitter between half and all of it', () => {
    expect([1, 2, 3, 4].map((a) => retryDelayMs(policy, a, () => 0))).toEqual([1000, 2000, 4000, 8000]);
    expect([1, 2, 3, 4].map((a) => retryDelayMs(policy, a, () => 0.999999))).toEqual([2000, 4000, 8000, 16000]);
    expect(retryDelayMs(policy, 2, () => 0.5)).toBe(3000);
  });

  it('spreads over the whole delay with full jitter, and is capped', () => {
    expect(retryDelayMs(policy, 3, () => 0, 'full')).toBe(0);
    expect(retryDelayMs(policy, 3, () => 0.5, 'full')).toBe(4000);
    expect(retryDelayMs({ maxAttempts: 10, backoffSeconds: 86_400 }, 9, () => 0)).toBe(MAX_RETRY_DELAY_MS / 2);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-10-21T07:28:00.000Z');

  it('reads delay-seconds and HTTP dates', () => {
    expect(parseRetryAfter('3', now)).toBe(3000);
    expect(parseRetryAfter(['120'], now)).toBe(120_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wednesday, 21-Oct-26 07:28:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 21 Oct 2026 07:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read and caps what asks for too long', () => {
    for (const v of [undefined, '', '-1', '1.5', 'soon', '2026-10-21', '3 seconds']) expect(parseRetryAfter(v, now)).toBeNull();
    expect(parseRetryAfter('999999', now)).toBe(MAX_RETRY_DELAY_MS);
  });
});

describe('what is retried', () => {
  it('network errors, timeouts, 5xx, 408 and 429 — not other 4xx, not an inactive auth', () => {
    const yes = [{ kind: 'network' }, { kind: 'timeout' }, ...[500, 502, 503, 504, 408, 429].map((status) => ({ kind: 'http', status }))];
    const no = [
      ...[400, 401, 403, 404, 409, 410, 422, 301].map((status) => ({ kind: 'http', status })),
      ...['auth_inactive', 'template', 'limit', 'bad_request', 'canceled', 'internal'].map((kind) => ({ kind })),
    ];
    expect(yes.every((f) => isRetryable(f as never))).toBe(true);
    expect(no.some((f) => isRetryable(f as never))).toBe(false);
  });

  it('waits at least what Retry-After asks, only while attempts are left', () => {
    const f429 = { kind: 'http', status: 429 } as const;
    expect(nextAttemptDelay(policy, 1, f429, 3000, () => 0)).toBe(3000);
    expect(nextAttemptDelay(policy, 1, f429, 10, () => 0)).toBe(1000);
    expect(nextAttemptDelay(policy, 5, f429, null, () => 0)).toBeNull();
    expect(nextAttemptDelay(undefined, 1, f429, null, () => 0)).toBeNull();
    expect(nextAttemptDelay(policy, 1, { kind: 'http', status: 400 }, null, () => 0)).toBeNull();
  });
});

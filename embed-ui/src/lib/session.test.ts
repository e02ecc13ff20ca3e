import { describe, expect, it } from 'vitest';
import { MIN_RENEW_DELAY_MS, RENEW_BEFORE_MS, renewDelay } from './session.ts';

describe('renewDelay', () => {
  it('renews 60 s before expiry, half-way through short sessions, and never in a loop', () => {
    const now = Date.parse('2026-11-23T12:00:00.000Z');
    expect(RENEW_BEFORE_MS).toBe(60_000);
    expect(renewDelay('2026-11-23T12:10:00.000Z', now)).toBe(540_000);
    // a 30-second session renews half-way, a past or unreadable expiry after the minimum wait
    expect(renewDelay('2026-11-23T12:00:30.000Z', now)).toBe(15_000);
    expect(renewDelay('2026-11-23T11:59:00.000Z', now)).toBe(MIN_RENEW_DELAY_MS);
    expect(renewDelay('not a date', now)).toBe(MIN_RENEW_DELAY_MS);
  });
});

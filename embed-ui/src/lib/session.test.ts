import { describe, expect, it } from 'vitest';
import { RENEW_BEFORE_MS, renewDelay } from './session.ts';

describe('renewDelay', () => {
  it('renews 60 s before expiry, at once when that has passed or the date is bad', () => {
    const now = Date.parse('2026-11-23T12:00:00.000Z');
    expect(RENEW_BEFORE_MS).toBe(60_000);
    expect(renewDelay('2026-11-23T12:10:00.000Z', now)).toBe(540_000);
    expect(renewDelay('2026-11-23T12:00:30.000Z', now)).toBe(0);
    expect(renewDelay('not a date', now)).toBe(0);
  });
});

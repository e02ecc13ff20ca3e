import { portalEventSchema, PORTAL_CHANNEL as SHARED_CHANNEL } from '@patchbay/shared';
import { describe, expect, it } from 'vitest';
import { boundedHeight, looksLikeJwt, PORTAL_EVENT_TYPES, toPortalEvent } from './events.ts';
import { PORTAL_CHANNEL } from './mountPortal.ts';

describe('what the SDK exports', () => {
  it('is the shared contract (channel and event types)', () => {
    expect(PORTAL_CHANNEL).toBe(SHARED_CHANNEL);
    expect([...PORTAL_EVENT_TYPES].sort()).toEqual(portalEventSchema.options.map((o) => o.shape.type.value).sort());
  });
});

describe('toPortalEvent', () => {
  it('answers a frozen copy of a known event', () => {
    const raw = { type: 'ready', configId: 'cfg_1', userId: 'u', accountId: 'a', sharingLevel: 'user' };
    const event = toPortalEvent(raw);
    expect(event).toEqual(raw);
    expect(event).not.toBe(raw);
    expect(Object.isFrozen(event)).toBe(true);
  });

  it.each([null, 'ready', [], {}, { type: 'evil' }, { type: '__proto__' }, { type: 42 }])('drops %j', (value) => {
    expect(toPortalEvent(value)).toBeUndefined();
  });
});

describe('looksLikeJwt', () => {
  it('accepts a compact JWS and refuses anything else', () => {
    expect(looksLikeJwt('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln')).toBe(true);
    for (const bad of ['', 'abc', 'a.b', 'eyJ.eyJ.', 'eyJh.eyJz.c2ln extra', `eyJh.${'a'.repeat(20_000)}.c2ln`, 42, undefined]) {
      expect(looksLikeJwt(bad)).toBe(false);
    }
  });
});

describe('boundedHeight', () => {
  it('rounds and bounds heights', () => {
    expect(boundedHeight(480.4)).toBe(480);
    expect(boundedHeight(-5)).toBe(0);
    expect(boundedHeight(1e12)).toBe(100_000);
    expect(boundedHeight(Number.NaN)).toBeUndefined();
    expect(boundedHeight('300')).toBeUndefined();
  });
});

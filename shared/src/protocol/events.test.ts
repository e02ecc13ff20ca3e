import { describe, expect, it } from 'vitest';
import { portalEventSchema } from '../events.ts';
import { isPortalEventType, PORTAL_EVENT_TYPES } from './events.ts';

describe('PORTAL_EVENT_TYPES', () => {
  it('names exactly the members of portalEventSchema', () => {
    expect([...PORTAL_EVENT_TYPES].sort()).toEqual(portalEventSchema.options.map((o) => o.shape.type.value).sort());
  });

  it('is what isPortalEventType accepts', () => {
    for (const type of PORTAL_EVENT_TYPES) expect(isPortalEventType(type)).toBe(true);
    for (const bad of ['evil', '__proto__', 'toString', '', 42, null, undefined]) expect(isPortalEventType(bad)).toBe(false);
  });
});

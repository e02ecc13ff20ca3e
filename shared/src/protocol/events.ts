/**
 * Every event type the portal relays to the host page; the SDK drops anything else. The payload
 * of each is `portalEventSchema` in `events.ts` (whose union is checked against this list).
 */
export const PORTAL_EVENT_TYPES = [
  'ready',
  'resize',
  'consent.given',
  'connectorAuth.created',
  'connectorAuth.updated',
  'connectorAuth.deleted',
  'integration.enabled',
  'integration.updated',
  'integration.disabled',
  'integration.deleted',
  'error',
] as const;

/** The name of a portal event. */
export type PortalEventType = (typeof PORTAL_EVENT_TYPES)[number];

/** Whether `value` names a portal event. */
export function isPortalEventType(value: unknown): value is PortalEventType {
  return typeof value === 'string' && (PORTAL_EVENT_TYPES as readonly string[]).includes(value);
}

/** The largest iframe height a `resize` event or call may carry, in CSS pixels. */
export const MAX_PORTAL_HEIGHT = 100_000;

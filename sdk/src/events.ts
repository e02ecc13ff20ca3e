import type { PortalEvent, PortalEventType } from '@patchbay/shared';

/** Every event type the portal may relay (docs/sdk.md); anything else is dropped. */
export const PORTAL_EVENT_TYPES: readonly PortalEventType[] = [
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
];

/** A frozen copy of `value` when it is an event of a known type, else undefined. */
export function toPortalEvent(value: unknown): Readonly<PortalEvent> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !(PORTAL_EVENT_TYPES as readonly string[]).includes(type)) return undefined;
  return Object.freeze({ ...(value as PortalEvent) });
}

/** Whether `token` has the shape of a compact JWS (three base64url parts, reasonable length). */
export function looksLikeJwt(token: unknown): token is string {
  return typeof token === 'string' && token.length <= 16_384 && /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+$/.test(token);
}

/** The iframe height in CSS pixels, bounded; undefined for anything that is not a finite number. */
export function boundedHeight(height: unknown): number | undefined {
  if (typeof height !== 'number' || !Number.isFinite(height)) return undefined;
  return Math.min(Math.max(Math.round(height), 0), 100_000);
}

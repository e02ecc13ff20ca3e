import type { PortalEvent } from '@patchbay/shared';
import { isPortalEventType, MAX_EMBED_TOKEN_LENGTH, MAX_PORTAL_HEIGHT } from '@patchbay/shared/protocol';

/** Every event type the portal may relay (docs/sdk.md); anything else is dropped. */
export { PORTAL_EVENT_TYPES } from '@patchbay/shared/protocol';

/** A frozen copy of `value` when it is an event of a known type, else undefined. */
export function toPortalEvent(value: unknown): Readonly<PortalEvent> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const type = (value as { type?: unknown }).type;
  if (!isPortalEventType(type)) return undefined;
  return Object.freeze({ ...(value as PortalEvent) });
}

/** Whether `token` has the shape of a compact JWS (three base64url parts, reasonable length). */
export function looksLikeJwt(token: unknown): token is string {
  return (
    typeof token === 'string' &&
    token.length <= MAX_EMBED_TOKEN_LENGTH &&
    /^[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]+$/.test(token)
  );
}

/** The iframe height in CSS pixels, bounded; undefined for anything that is not a finite number. */
export function boundedHeight(height: unknown): number | undefined {
  if (typeof height !== 'number' || !Number.isFinite(height)) return undefined;
  return Math.min(Math.max(Math.round(height), 0), MAX_PORTAL_HEIGHT);
}

/**
 * `@patchbay/sdk`: the browser entry. Mounts the Patchbay portal iframe and relays its events.
 * No runtime dependency but penpal (bundled in `dist/`, with the few constants it takes from
 * `@patchbay/shared/protocol`, which is free of zod); types come from `@patchbay/shared`.
 */
export type { PortalEvent } from '@patchbay/shared';
export type { PortalEventType } from '@patchbay/shared/protocol';
export { PORTAL_EVENT_TYPES } from './events.ts';
export { type MountPortalOptions, mountPortal, PORTAL_CHANNEL, type Portal, type PortalEventOf } from './mountPortal.ts';
export { type PortalLanguage, type PortalThemeMode, type PortalUrlInput, portalUrl } from './portalUrl.ts';

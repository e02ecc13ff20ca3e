/**
 * `@patchbay/sdk`: the browser entry. Mounts the Patchbay portal iframe and relays its events.
 * No runtime dependency but penpal (bundled in `dist/`); types come from `@patchbay/shared`.
 */
export type { PortalEvent, PortalEventType } from '@patchbay/shared';
export { PORTAL_EVENT_TYPES } from './events.ts';
export { type MountPortalOptions, mountPortal, PORTAL_CHANNEL, type Portal, type PortalEventOf } from './mountPortal.ts';
export { type PortalLanguage, type PortalThemeMode, type PortalUrlInput, portalUrl } from './portalUrl.ts';

/**
 * `@patchbay/sdk`: the browser entry. `mountPortal` arrives with the embed issue; until then this
 * entry exports the event types a host page listens to.
 */
export type { PortalEvent, PortalEventType } from '@patchbay/shared';

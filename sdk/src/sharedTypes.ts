/**
 * What the SDK's published declarations take from `@patchbay/shared` (and its zod-free
 * `@patchbay/shared/protocol`), written out as plain declarations: the build points their
 * imports of either here, so the package installs without the workspace or zod. Types only;
 * nothing imports this file at run time (the bundles carry the values themselves).
 * `sharedTypes.test.ts` keeps each declaration equal to the one it stands for, which stays the
 * one source; a name missing here fails the type-check of the packed package (published.test.ts).
 */

interface PortalEventBase {
  configId: string;
  userId: string;
  accountId: string;
  sharingLevel: 'user' | 'account';
}
interface IntegrationIds {
  integrationId: string;
  flowId: string;
}
/** One event: its name, the common fields and its own, as one object type (as zod infers it). */
type EventOf<T extends string, Own = unknown> = {
  [K in keyof ({ type: T } & PortalEventBase & Own)]: ({ type: T } & PortalEventBase & Own)[K];
};

/** A portal event (SPEC §5): ids, never credentials. */
export type PortalEvent =
  | EventOf<'ready'>
  | EventOf<'resize', { height: number }>
  | EventOf<'consent.given'>
  | EventOf<'connectorAuth.created', { connectorAuthId: string; connectorId: string; name: string }>
  | EventOf<'connectorAuth.updated', { connectorAuthId: string; change: string }>
  | EventOf<'connectorAuth.deleted', { connectorAuthId: string }>
  | EventOf<'integration.enabled', IntegrationIds>
  | EventOf<'integration.updated', IntegrationIds>
  | EventOf<'integration.disabled', IntegrationIds>
  | EventOf<'integration.deleted', IntegrationIds>
  | EventOf<'error', { code: string; message: string }>;

/** The name of a portal event. */
export type PortalEventType = PortalEvent['type'];

/** Languages the portal speaks. */
export type Language = 'en' | 'de';
/** Light, dark, or following the user's system setting. */
export type ThemeMode = 'light' | 'dark' | 'auto';

/** The penpal channel name the SDK and the iframe share. */
export declare const PORTAL_CHANNEL: 'patchbay.portal.v1';
/** Every event type the portal relays to the host page. */
export declare const PORTAL_EVENT_TYPES: readonly [
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

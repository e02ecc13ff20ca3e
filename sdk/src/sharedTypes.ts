/**
 * The types of `@patchbay/shared` that the SDK's published declarations name, written out
 * without zod: the build points the declarations' `@patchbay/shared` imports here, so the
 * package installs without the workspace or zod. `sharedTypes.test.ts` keeps each one equal to
 * the schema's inferred type, which stays the one source.
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

import { z } from 'zod';
import { MAX_PORTAL_HEIGHT, type PortalEventType } from './protocol/events.ts';
import { sharingLevelSchema } from './schemas/common.ts';

const base = {
  configId: z.string(),
  userId: z.string(),
  accountId: z.string(),
  sharingLevel: sharingLevelSchema,
};
const integrationIds = { integrationId: z.string(), flowId: z.string() };

/**
 * Every event the portal relays to the host page (docs/sdk.md), one member per name in
 * `PORTAL_EVENT_TYPES`; payloads carry ids, never credentials.
 */
export const portalEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready'), ...base }),
  z.object({ type: z.literal('resize'), ...base, height: z.number().int().min(0).max(MAX_PORTAL_HEIGHT) }),
  z.object({ type: z.literal('consent.given'), ...base }),
  z.object({ type: z.literal('connectorAuth.created'), ...base, connectorAuthId: z.string(), connectorId: z.string(), name: z.string() }),
  z.object({ type: z.literal('connectorAuth.updated'), ...base, connectorAuthId: z.string(), change: z.string() }),
  z.object({ type: z.literal('connectorAuth.deleted'), ...base, connectorAuthId: z.string() }),
  z.object({ type: z.literal('integration.enabled'), ...base, ...integrationIds }),
  z.object({ type: z.literal('integration.updated'), ...base, ...integrationIds }),
  z.object({ type: z.literal('integration.disabled'), ...base, ...integrationIds }),
  z.object({ type: z.literal('integration.deleted'), ...base, ...integrationIds }),
  z.object({ type: z.literal('error'), ...base, code: z.string(), message: z.string() }),
]);
/** A portal event. */
export type PortalEvent = z.infer<typeof portalEventSchema>;

// The union and `PORTAL_EVENT_TYPES` name the same events: either one missing a name fails here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const sameEventTypes: Same<PortalEvent['type'], PortalEventType> = true;
void sameEventTypes;

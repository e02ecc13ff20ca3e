import { auditEventListQuerySchema, auditEventPageSchema } from '@patchbay/shared';
import { z } from 'zod';
import { requireAdminRole } from '../../auth/permissions.ts';
import type { AppContext } from '../../context.ts';
import { afterCursor, toPage } from '../../db/keyset.ts';
import { listAuditEvents } from '../../db/repos/auditEvents.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';

const detailsSchema = z.record(z.string(), z.unknown());
// Stored times carry milliseconds; `…:00Z` must compare as `…:00.000Z`, so filters are normalised.
const normalise = (t: string | undefined) => (t === undefined ? undefined : new Date(t).toISOString());

/** `/api/v1/audit-events`: who did what, on which object, when (owners and admins only). */
export function auditEventsRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/audit-events',
      summary: 'List audit events',
      description: 'Newest first; `since` is inclusive, `until` exclusive. Owners and admins only.',
      tags: ['Audit events'],
      auth: 'apiToken',
      query: auditEventListQuerySchema,
      response: auditEventPageSchema,
      handler: async ({ principal, query }) => {
        requireAdminRole(principal, 'read audit events');
        const rows = await listAuditEvents(
          ctx.db,
          { ...query, since: normalise(query.since), until: normalise(query.until) },
          afterCursor(query.cursor, 'at', 'id'),
          query.limit + 1,
        );
        return toPage(
          rows,
          query.limit,
          (r) => ({ t: r.at, id: r.id }),
          (r) => ({
            id: r.id,
            at: r.at,
            actorType: r.actor_type,
            actorId: r.actor_id,
            action: r.action,
            objectType: r.object_type,
            objectId: r.object_id,
            configId: r.config_id,
            requestId: r.request_id,
            details: detailsSchema.parse(JSON.parse(r.details)),
          }),
        );
      },
    }),
  ];
}

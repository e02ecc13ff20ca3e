import {
  catalogEntrySchema,
  connectorCatalogQuerySchema,
  connectorCreateSchema,
  connectorIdSchema,
  connectorSchema,
  connectorUpdateSchema,
  pageOf,
  pageQuerySchema,
} from '@patchbay/shared';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { afterCursor, toPage } from '../../db/keyset.ts';
import { listConnectors } from '../../db/repos/connectors.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { searchCatalog } from '../../services/connectors/catalog.ts';
import { createConnector, deleteConnector, getConnector, toConnector, updateConnector } from '../../services/connectors/forAdmin.ts';

const tags = ['Connectors'];
const idParams = z.object({ id: connectorIdSchema });

/** `/api/v1/connectors`: the catalogue, and CRUD of connectors (reads for every admin, writes for owners/admins). */
export function connectorsRoutes(ctx: AppContext): RouteDef[] {
  return [
    // Declared before `{id}` so that `catalog` is never read as a connector id.
    defineRoute({
      method: 'get',
      path: '/api/v1/connectors/catalog',
      summary: 'Search the built-in catalogue (every provider grant ships)',
      tags,
      auth: 'apiToken',
      query: connectorCatalogQuerySchema,
      response: pageOf(catalogEntrySchema),
      handler: ({ query }) => {
        const page = searchCatalog({ q: query.q, after: query.cursor, limit: query.limit });
        return {
          items: page.items.map((e) => ({
            key: e.key,
            name: e.name,
            authType: e.authType,
            authorizeUrl: e.authorizeUrl,
            tokenUrl: e.accessUrl,
            scopeDelimiter: e.scopeDelimiter,
            needsSubdomain: e.needsSubdomain,
          })),
          nextCursor: page.nextCursor,
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/connectors',
      summary: 'Create a connector (custom service or catalogue entry)',
      description: 'The client secret is stored encrypted and never answered; `hasClientSecret` tells whether one is set.',
      tags,
      auth: 'apiToken',
      body: connectorCreateSchema,
      status: 201,
      response: connectorSchema,
      errors: [409],
      handler: ({ body, principal, requestId }) => createConnector(ctx, principal, body, requestId),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/connectors',
      summary: 'List connectors, newest first',
      tags,
      auth: 'apiToken',
      query: pageQuerySchema,
      response: pageOf(connectorSchema),
      handler: async ({ query }) => {
        const rows = await listConnectors(ctx.db, { after: afterCursor(query.cursor, 'c.created_at', 'c.id'), limit: query.limit });
        return toPage(
          rows,
          query.limit,
          (r) => ({ t: r.created_at, id: r.id }),
          (r) => toConnector(ctx, r),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/connectors/{id}',
      summary: 'Read a connector',
      tags,
      auth: 'apiToken',
      params: idParams,
      response: connectorSchema,
      handler: ({ params }) => getConnector(ctx, params.id),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/connectors/{id}',
      summary: 'Change a connector (id and auth type are fixed)',
      description:
        'Credentials stay with the hosts they were issued for. Moving `baseUrl`, `oauth2.tokenUrl`, `oauth2.revokeUrl`, ' +
        '`oauth1.requestTokenUrl` or `oauth1.accessTokenUrl` to another origin (scheme, host, port) while connector auths hold ' +
        'credentials answers 409 `conflict` with `details: {connectorAuthCount, fields}`, unless the body has `force: true`: then ' +
        'those credentials are dropped in the same change and the auths become `needs_reauth` (disabled ones stay disabled), so ' +
        'their users must reconnect. Path-only changes, clearing a URL, and moving one to the origin of the token URL (the host ' +
        'that issued the credentials) need no force. Authorize URLs and the icon may move freely. The audit event records the ' +
        'old and new value of every changed setting, and only the fact that a client secret was replaced.',
      tags,
      auth: 'apiToken',
      params: idParams,
      body: connectorUpdateSchema,
      response: connectorSchema,
      errors: [409],
      handler: ({ params, body, principal, requestId }) => updateConnector(ctx, principal, params.id, body, requestId),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/connectors/{id}',
      summary: 'Delete a connector nothing refers to',
      description: 'Answers `409 in_use` with the connector auths, flows and embed configurations that still refer to it.',
      tags,
      auth: 'apiToken',
      params: idParams,
      status: 204,
      errors: [409],
      handler: async ({ params, principal, requestId }) => {
        await deleteConnector(ctx, principal, params.id, requestId);
        return undefined;
      },
    }),
  ];
}

import { connectorAuthIdParamsSchema, connectorAuthListQuerySchema, connectorAuthPageSchema, connectorAuthSchema } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { getConnectorAuthFor, listConnectorAuthsFor } from '../../services/connectorAuthsAdmin.ts';

const tags = ['Connector auths'];

/** `/api/v1/connector-auths`: review end users' connector auths (metadata only, never credentials). */
export function connectorAuthsRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/connector-auths',
      summary: 'List connector auths',
      description:
        "Newest first. `userId` is the owner's `embed_user_id`. Members see auths of configurations where they may view a group.",
      tags,
      auth: 'apiToken',
      query: connectorAuthListQuerySchema,
      response: connectorAuthPageSchema,
      handler: ({ principal, query }) => listConnectorAuthsFor(ctx, principal, query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/connector-auths/{id}',
      summary: 'Get a connector auth',
      tags,
      auth: 'apiToken',
      params: connectorAuthIdParamsSchema,
      response: connectorAuthSchema,
      handler: ({ principal, params }) => getConnectorAuthFor(ctx, principal, params.id),
    }),
  ];
}

import { embedConnectorListSchema } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { listEmbedConnectors } from '../../services/connectors/forEmbed.ts';

/** `GET /embed/api/connectors`: what the end user can connect in this configuration. */
export function embedConnectorsRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/embed/api/connectors',
      summary: 'List the connectors the end user can connect',
      description:
        "The connectors of the slots of this configuration's flows (current versions), except its proprietary connector, by name. " +
        'basic/api_key connectors carry the fields of their credentials form; no URL, client id or secret is ever answered.',
      tags: ['embed'],
      auth: 'embedSession',
      response: embedConnectorListSchema,
      handler: ({ principal }) => listEmbedConnectors(ctx, principal),
    }),
  ];
}

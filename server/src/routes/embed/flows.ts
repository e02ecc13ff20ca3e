import { embedFlowGroupsSchema } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { listEmbedFlowGroups } from '../../services/flows/forEmbed.ts';

/** `GET /embed/api/flows`: what the configuration offers, by group. */
export function embedFlowsRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/embed/api/flows',
      summary: "List the configuration's flows by group",
      description:
        "The configuration's groups in display order, each with its highlighted connectors and its flows (current version): " +
        'connector slots (`prefilled` when the vendor supplies the connection), the input form and the trigger. Never the steps.',
      tags: ['embed'],
      auth: 'embedSession',
      response: embedFlowGroupsSchema,
      handler: ({ principal }) => listEmbedFlowGroups(ctx, principal),
    }),
  ];
}

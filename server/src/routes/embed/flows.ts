import { embedFlowGroupsSchema, remoteOptionListSchema, remoteOptionsParamsSchema, remoteOptionsQuerySchema } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { listEmbedFlowGroups } from '../../services/flows/forEmbed.ts';
import { listRemoteOptions } from '../../services/flows/remoteOptions.ts';

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
    defineRoute({
      method: 'get',
      path: '/embed/api/flows/{flowId}/inputs/{inputKey}/options',
      summary: 'Load the options of a select with remote options',
      description:
        "Calls the input's slot connector (its `remoteOptions.path`, templated over `embed` and `q`) through `connectorAuthId` — a " +
        "connection the caller may use, of the slot's connector — or the auth the vendor pre-filled the slot with, with the same " +
        'credential injection, token refresh and egress guard as the proxy. Answers at most 200 options, those whose label contains ' +
        '`q` (case-insensitive). A flow the configuration does not offer, an input without remote options or an auth the caller ' +
        'may not use answers 404; an auth that is not active 422 `unprocessable` (`details.reason`); a connector that fails, ' +
        'answers non-2xx or no list where `itemsPath` points, or takes longer than 10 s, 502 `upstream_error` (`details.reason`: ' +
        '`status` with `upstreamStatus`, `bad_answer`, `timeout`, `too_large`, `blocked_address`, `bad_url`, `network`).',
      tags: ['embed'],
      auth: 'embedSession',
      params: remoteOptionsParamsSchema,
      query: remoteOptionsQuerySchema,
      response: remoteOptionListSchema,
      errors: [404, 422, 502, 503],
      handler: ({ principal, params, query, log }) => listRemoteOptions(ctx, principal, params.flowId, params.inputKey, query, log),
    }),
  ];
}

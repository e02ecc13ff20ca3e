import {
  embedIntegrationCreateSchema,
  embedIntegrationListSchema,
  embedIntegrationSchema,
  embedIntegrationUpdateSchema,
  embedRunListSchema,
  integrationIdParamsSchema,
  pageQuerySchema,
} from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import {
  createEmbedIntegration,
  deleteEmbedIntegration,
  listEmbedIntegrations,
  listEmbedRuns,
  updateEmbedIntegration,
} from '../../services/integrations/forEmbed.ts';

const tags = ['embed'];
const SCOPE_NOTE =
  "Scoped by the configuration's sharing level: at `user` level only the caller's own integrations, at `account` level every " +
  "integration of the caller's account. Any other id answers 404.";
const SECRET_NOTE = 'Password inputs are write-only: answered as `null`, their keys listed in `secretInputsSet`.';

/** `/embed/api/integrations`: the end user's enabled flows. */
export function embedIntegrationsRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/embed/api/integrations',
      summary: "List the end user's integrations",
      description: `Newest first. ${SCOPE_NOTE} ${SECRET_NOTE}`,
      tags,
      auth: 'embedSession',
      query: pageQuerySchema,
      response: embedIntegrationListSchema,
      handler: ({ principal, query }) => listEmbedIntegrations(ctx, principal, query),
    }),
    defineRoute({
      method: 'post',
      path: '/embed/api/integrations',
      summary: 'Enable a flow',
      description:
        "The flow must be offered by the configuration (else 404). Each connector slot that is not pre-filled is bound to a connector auth the caller may use, active, of the slot's connector " +
        "(problems named `body.bindings.<slot>`); inputs are checked against the flow's form (problems named `body.inputs.<key>`). " +
        'One integration per user and flow (`user` level) or per account and flow (`account` level): a second answers 409 `conflict` ' +
        `with \`details.integrationId\`. ${SECRET_NOTE}`,
      tags,
      auth: 'embedSession',
      body: embedIntegrationCreateSchema,
      bodyLimit: '64kb',
      status: 201,
      response: embedIntegrationSchema,
      errors: [404, 409, 422],
      handler: ({ principal, body, requestId }) => createEmbedIntegration(ctx, principal, body, requestId),
    }),
    defineRoute({
      method: 'patch',
      path: '/embed/api/integrations/{id}',
      summary: 'Edit, disable or enable an integration',
      description:
        '`bindings` are merged over the current ones and checked; `inputs` is the whole form again (a password input left out keeps ' +
        'its value, `null` clears it); `status` disables (`disabledBy: "user"`) or enables it. An integration an administrator ' +
        `disabled answers 403 \`forbidden\` when enabled here. ${SCOPE_NOTE} ${SECRET_NOTE}`,
      tags,
      auth: 'embedSession',
      params: integrationIdParamsSchema,
      body: embedIntegrationUpdateSchema,
      bodyLimit: '64kb',
      response: embedIntegrationSchema,
      errors: [403, 404, 409, 422],
      handler: ({ principal, params, body, requestId }) => updateEmbedIntegration(ctx, principal, params.id, body, requestId),
    }),
    defineRoute({
      method: 'delete',
      path: '/embed/api/integrations/{id}',
      summary: 'Delete an integration',
      description: `Its bindings and runs are deleted with it; the connector auths stay. ${SCOPE_NOTE}`,
      tags,
      auth: 'embedSession',
      params: integrationIdParamsSchema,
      status: 204,
      errors: [404],
      handler: async ({ principal, params, requestId }) => {
        await deleteEmbedIntegration(ctx, principal, params.id, requestId);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/embed/api/integrations/{id}/runs',
      summary: "List an integration's runs",
      description: `Newest first, with the end-user log records; never trigger payloads or step details. ${SCOPE_NOTE}`,
      tags,
      auth: 'embedSession',
      params: integrationIdParamsSchema,
      query: pageQuerySchema,
      response: embedRunListSchema,
      errors: [404],
      handler: ({ principal, params, query, log }) => listEmbedRuns(ctx, principal, params.id, query, log),
    }),
  ];
}

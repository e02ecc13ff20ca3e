import {
  connectorAuthCreateSchema,
  connectorAuthDeleteQuerySchema,
  connectorAuthIdParamsSchema,
  connectorAuthListQuerySchema,
  connectorAuthPageSchema,
  connectorAuthSchema,
} from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import {
  createConnectorAuthFor,
  deleteConnectorAuthFor,
  getConnectorAuthFor,
  listConnectorAuthsFor,
  revokeConnectorAuthFor,
  setConnectorAuthEnabledFor,
} from '../../services/auths/forAdmin.ts';

const tags = ['Connector auths'];
const MANAGE_NOTE = 'Owners and admins, or members with `manage` on a group of the configuration.';

/** `/api/v1/connector-auths`: review, import, revoke, disable and delete end users' connector auths (never credentials). */
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
      method: 'post',
      path: '/api/v1/connector-auths',
      summary: 'Create (import) a connector auth for an end user',
      description:
        'Stores existing credentials (OAuth2 tokens, OAuth1 token, basic, API key) for the end user `userId` of account `accountId` ' +
        "in configuration `configId`, owned per the configuration's sharing level; the end user is created when unknown. " +
        `The credentials are checked with the connector's validation request unless \`validate\` is false (422 when refused). ${MANAGE_NOTE}`,
      tags,
      auth: 'apiToken',
      body: connectorAuthCreateSchema,
      bodyLimit: '32kb',
      status: 201,
      response: connectorAuthSchema,
      errors: [404, 422],
      handler: ({ principal, body, requestId }) => createConnectorAuthFor(ctx, principal, body, requestId),
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
    defineRoute({
      method: 'post',
      path: '/api/v1/connector-auths/{id}/revoke',
      summary: 'Revoke a connector auth',
      description: `Drops the stored tokens (status \`revoked\`) and calls the provider's revoke URL when the connector has one. ${MANAGE_NOTE}`,
      tags,
      auth: 'apiToken',
      params: connectorAuthIdParamsSchema,
      response: connectorAuthSchema,
      handler: ({ principal, params, requestId, log }) => revokeConnectorAuthFor(ctx, principal, params.id, requestId, log),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/connector-auths/{id}/disable',
      summary: 'Disable a connector auth',
      description:
        'Records `disabledBy: "admin"`: the end user can then neither enable nor reconnect it (403) until an administrator ' +
        `enables it again; this also takes over an end user's own disable. A revoked auth cannot be disabled (409). ${MANAGE_NOTE}`,
      tags,
      auth: 'apiToken',
      params: connectorAuthIdParamsSchema,
      response: connectorAuthSchema,
      errors: [409],
      handler: ({ principal, params, requestId, log }) => setConnectorAuthEnabledFor(ctx, principal, params.id, false, requestId, log),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/connector-auths/{id}/enable',
      summary: 'Enable a disabled connector auth',
      description:
        'Only a disabled auth can be enabled (409 otherwise: reconnect it); `disabledBy` is cleared. An auth whose credentials ' +
        `were dropped (its connector moved to another host) becomes \`needs_reauth\`. ${MANAGE_NOTE}`,
      tags,
      auth: 'apiToken',
      params: connectorAuthIdParamsSchema,
      response: connectorAuthSchema,
      errors: [409],
      handler: ({ principal, params, requestId, log }) => setConnectorAuthEnabledFor(ctx, principal, params.id, true, requestId, log),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/connector-auths/{id}',
      summary: 'Delete a connector auth',
      description:
        "Answers 409 `in_use` with `details.references` when integrations of its configuration use it (never another configuration's); `?force=true` first disables those integrations " +
        `(\`disabledBy: admin\`). OAuth2 tokens are revoked at the provider when it has a revoke URL. ${MANAGE_NOTE}`,
      tags,
      auth: 'apiToken',
      params: connectorAuthIdParamsSchema,
      query: connectorAuthDeleteQuerySchema,
      status: 204,
      errors: [409],
      handler: async ({ principal, params, query, requestId, log }) => {
        await deleteConnectorAuthFor(ctx, principal, params.id, query.force, requestId, log);
        return undefined;
      },
    }),
  ];
}

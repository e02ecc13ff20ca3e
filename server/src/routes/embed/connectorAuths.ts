import {
  connectorAuthDeleteQuerySchema,
  embedConnectorAuthCreateSchema,
  embedConnectorAuthIdParamsSchema,
  embedConnectorAuthListQuerySchema,
  embedConnectorAuthPageSchema,
  embedConnectorAuthSchema,
  embedConnectorAuthUpdateSchema,
} from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import {
  createEmbedConnectorAuth,
  deleteEmbedConnectorAuth,
  listEmbedConnectorAuths,
  updateEmbedConnectorAuth,
} from '../../services/auths/forEmbed.ts';
import { credentialCheckLimits } from './credentialCheckLimits.ts';

const tags = ['embed'];
const SCOPE_NOTE =
  "Scoped by the configuration's sharing level: at `user` level only the caller's own auths, at `account` level every auth of the " +
  "caller's account. Any other id answers 404.";
const LIMIT_NOTE =
  'Each credential check counts against a budget per end user and per configuration (15 minutes; ' +
  '`PATCHBAY_CREDENTIAL_USER_RATE_LIMIT`, `PATCHBAY_CREDENTIAL_CONFIG_RATE_LIMIT`); past it the answer is 429 `rate_limited` with `Retry-After` ' +
  'and the service is not asked.';

/** `/embed/api/connector-auths`: the end user's connector auths (metadata only, never credentials). */
export function embedConnectorAuthsRoutes(ctx: AppContext): RouteDef[] {
  const checks = credentialCheckLimits(ctx);
  return [
    defineRoute({
      method: 'get',
      path: '/embed/api/connector-auths',
      summary: "List the end user's connector auths",
      description: `Newest first. ${SCOPE_NOTE}`,
      tags,
      auth: 'embedSession',
      query: embedConnectorAuthListQuerySchema,
      response: embedConnectorAuthPageSchema,
      handler: ({ principal, query }) => listEmbedConnectorAuths(ctx, principal, query),
    }),
    defineRoute({
      method: 'post',
      path: '/embed/api/connector-auths',
      summary: 'Save basic or API-key credentials',
      description:
        "For basic/api_key connectors: `values` by the connector's field keys. They are checked with the connector's validation " +
        'request first: wrong credentials answer 422 `unprocessable` with a readable message and nothing is stored. ' +
        `OAuth connectors answer 400: connect them with a connect ticket. ${LIMIT_NOTE}`,
      tags,
      auth: 'embedSession',
      body: embedConnectorAuthCreateSchema,
      bodyLimit: '16kb',
      status: 201,
      response: embedConnectorAuthSchema,
      errors: [404, 422, 429],
      handler: async ({ principal, body, requestId }) => {
        await checks.consume(principal);
        return createEmbedConnectorAuth(ctx, principal, body, requestId);
      },
    }),
    defineRoute({
      method: 'patch',
      path: '/embed/api/connector-auths/{id}',
      summary: 'Rename, disable/enable, or update the credentials of a connector auth',
      description:
        '`name` renames; `status: "disabled"` disables (`disabledBy: "user"`) and `status: "active"` enables a disabled auth; ' +
        '`values` (basic/api_key) replaces the credentials after checking them (the id stays; a disabled auth stays disabled). ' +
        'An auth an administrator disabled (`disabledBy: "admin"`) can be neither enabled nor reconnected here: 403 `forbidden`. ' +
        `${SCOPE_NOTE} With \`values\`: ${LIMIT_NOTE}`,
      tags,
      auth: 'embedSession',
      params: embedConnectorAuthIdParamsSchema,
      body: embedConnectorAuthUpdateSchema,
      bodyLimit: '16kb',
      response: embedConnectorAuthSchema,
      errors: [403, 404, 409, 422, 429],
      handler: async ({ principal, params, body, requestId, log }) => {
        if (body.values !== undefined) await checks.consume(principal);
        return updateEmbedConnectorAuth(ctx, principal, params.id, body, requestId, log);
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/embed/api/connector-auths/{id}',
      summary: 'Delete a connector auth',
      description:
        "Answers 409 `in_use` with `details.references` when integrations of its configuration use it (never another configuration's); `?force=true` first disables those integrations. " +
        `OAuth2 tokens are revoked at the provider when it has a revoke URL. ${SCOPE_NOTE}`,
      tags,
      auth: 'embedSession',
      params: embedConnectorAuthIdParamsSchema,
      query: connectorAuthDeleteQuerySchema,
      status: 204,
      errors: [404, 409],
      handler: async ({ principal, params, query, requestId, log }) => {
        await deleteEmbedConnectorAuth(ctx, principal, params.id, query.force, requestId, log);
        return undefined;
      },
    }),
  ];
}

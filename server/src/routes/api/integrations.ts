import {
  integrationIdParamsSchema,
  integrationListQuerySchema,
  integrationPageSchema,
  integrationSchema,
  webhookUrlSchema,
} from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import {
  getIntegrationFor,
  listIntegrationsFor,
  rotateWebhookFor,
  setIntegrationEnabledByAdmin,
} from '../../services/integrations/forAdmin.ts';

const tags = ['Integrations'];

/** `/api/v1/integrations`: review, disable and enable end users' integrations. */
export function integrationsRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/integrations',
      summary: 'List integrations',
      description: "Newest first. `userId` is the owner's `embed_user_id`. Members see integrations of the groups they may view.",
      tags,
      auth: 'apiToken',
      query: integrationListQuerySchema,
      response: integrationPageSchema,
      handler: ({ principal, query }) => listIntegrationsFor(ctx, principal, query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/integrations/{id}',
      summary: 'Get an integration',
      tags,
      auth: 'apiToken',
      params: integrationIdParamsSchema,
      response: integrationSchema,
      handler: ({ principal, params }) => getIntegrationFor(ctx, principal, params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/integrations/{id}/disable',
      summary: 'Disable an integration',
      description:
        'Needs `manage` on the group for members. Records `disabledBy: "admin"`; disabling a disabled integration changes nothing.',
      tags,
      auth: 'apiToken',
      params: integrationIdParamsSchema,
      response: integrationSchema,
      handler: ({ principal, params, requestId }) => setIntegrationEnabledByAdmin(ctx, principal, params.id, false, requestId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/integrations/{id}/enable',
      summary: 'Enable an integration',
      description: 'Needs `manage` on the group for members. Enabling an enabled integration changes nothing.',
      tags,
      auth: 'apiToken',
      params: integrationIdParamsSchema,
      response: integrationSchema,
      handler: ({ principal, params, requestId }) => setIntegrationEnabledByAdmin(ctx, principal, params.id, true, requestId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/integrations/{id}/rotate-webhook',
      summary: "Rotate an integration's webhook URL",
      description:
        'Gives an integration of a webhook-triggered flow a new inbound URL and answers it; the old URL answers 404 from this moment. ' +
        'Needs `manage` on the group for members (the sender has to be told the new URL). An integration whose flow version has no ' +
        'webhook trigger answers 409 `conflict`.',
      tags,
      auth: 'apiToken',
      params: integrationIdParamsSchema,
      response: webhookUrlSchema,
      errors: [403, 404, 409],
      handler: ({ principal, params, requestId }) => rotateWebhookFor(ctx, principal, params.id, requestId),
    }),
  ];
}

import {
  callbackDeliveryDetailSchema,
  callbackDeliveryIdParamsSchema,
  callbackDeliveryListQuerySchema,
  callbackDeliveryPageSchema,
  callbackRedeliveredSchema,
  callbackTestSchema,
  embedConfigSchema,
  prefixedIdSchema,
} from '@patchbay/shared';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import {
  enableCallbacksFor,
  getCallbackDeliveryFor,
  listCallbackDeliveriesFor,
  redeliverFor,
  testCallbackFor,
} from '../../services/callbacks/forAdmin.ts';
import { getEmbedConfig } from '../../services/embed/configs.ts';

const tags = ['Callback deliveries'];
const configParams = z.object({ id: prefixedIdSchema('cfg') });
const SCOPE =
  'A member sees the deliveries of configurations with a group it may `view` (others answer 404); redelivering, the test callback and ' +
  're-enabling callbacks need `manage` there (403).';

/**
 * Callback deliveries in the vendor API (docs/callbacks.md): list, detail with every attempt,
 * redeliver, the test callback and re-enabling callbacks a 410 stopped. The console's
 * `/admin/api` mirror gets them too.
 */
export function callbackDeliveriesRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/callback-deliveries',
      summary: 'List callback deliveries',
      description: `Newest first; filters configId, eventType, status (\`pending\` includes a delivery being sent now); cursor pagination. The \`id\` is the \`webhook-id\`. ${SCOPE}`,
      tags,
      auth: 'apiToken',
      query: callbackDeliveryListQuerySchema,
      response: callbackDeliveryPageSchema,
      handler: ({ principal, query }) => listCallbackDeliveriesFor(ctx, principal, query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/callback-deliveries/{id}',
      summary: 'Get a callback delivery',
      description: `With the signed body and every attempt, oldest first (time, duration, status code, error, the first 1 KB of the answer). ${SCOPE}`,
      tags,
      auth: 'apiToken',
      params: callbackDeliveryIdParamsSchema,
      response: callbackDeliveryDetailSchema,
      errors: [404],
      handler: ({ principal, params }) => getCallbackDeliveryFor(ctx, principal, params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/callback-deliveries/{id}/redeliver',
      summary: 'Redeliver a callback',
      description:
        'Queues the delivery again, due now, with the same `webhook-id` and body (202); a failed attempt continues its retry schedule. ' +
        'A delivery being sent right now, or of a configuration without a callback URL or whose callbacks a 410 stopped, answers 409 ' +
        `\`conflict\`. Audited (\`callback_delivery.redelivered\`). ${SCOPE}`,
      tags,
      auth: 'apiToken',
      params: callbackDeliveryIdParamsSchema,
      status: 202,
      response: callbackRedeliveredSchema,
      errors: [403, 404, 409],
      handler: ({ principal, params, requestId }) => redeliverFor(ctx, principal, params.id, requestId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/embed-configs/{id}/test-callback',
      summary: 'Send a test callback (`ping`) now',
      description:
        'Sends a `ping` event to the configuration’s callback URL now, once (not retried), signed like every callback, and answers the ' +
        'delivery with its attempt. It is sent even while a 410 stopped the other callbacks; a 410 to it stops them too. No callback URL ' +
        `answers 409 \`conflict\`. Audited (\`embed_config.callback_tested\`). ${SCOPE}`,
      tags,
      auth: 'apiToken',
      params: configParams,
      response: callbackTestSchema,
      errors: [403, 404, 409],
      handler: ({ principal, params, requestId }) => testCallbackFor(ctx, principal, params.id, requestId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/embed-configs/{id}/enable-callbacks',
      summary: 'Start callbacks again after a 410 stopped them',
      description:
        'Clears `callbacksDisabledAt`: events from now on are delivered again (those of the stopped time were not written). Answers the ' +
        `configuration; audited (\`embed_config.callbacks_enabled\`) when they were stopped. ${SCOPE}`,
      tags,
      auth: 'apiToken',
      params: configParams,
      response: embedConfigSchema,
      errors: [403, 404],
      handler: async ({ principal, params, requestId }) => {
        await enableCallbacksFor(ctx, principal, params.id, requestId);
        return getEmbedConfig(ctx, principal, params.id);
      },
    }),
  ];
}

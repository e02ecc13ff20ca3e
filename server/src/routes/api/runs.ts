import {
  integrationIdParamsSchema,
  runAcceptedSchema,
  runIdParamsSchema,
  runListQuerySchema,
  runPageSchema,
  runSchema,
  runStartSchema,
} from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { cancelRunFor, getRunFor, listRunsFor, retryRunFor, startAdminRun } from '../../services/runs/forAdmin.ts';

const tags = ['runs'];
const SCOPE = 'A member sees runs of the groups it may `view` (others answer 404); starting, retrying and cancelling need `run` (403).';

/** Runs in the vendor API (docs/runs.md); the console's `/admin/api` mirror gets them too. */
export function runsRoutes(ctx: AppContext, worker: () => { cancelLocal(id: string): boolean } | null = () => null): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/integrations/{id}/runs',
      summary: 'Run an integration now',
      description: `Queues a run with trigger \`admin\` and answers it (202); \`payload\` is what templates see as \`trigger.payload\`. A disabled integration answers 409 \`conflict\`. ${SCOPE}`,
      tags,
      auth: 'apiToken',
      params: integrationIdParamsSchema,
      body: runStartSchema,
      bodyLimit: '1mb',
      status: 202,
      response: runAcceptedSchema,
      errors: [403, 404, 409],
      handler: ({ principal, params, body, requestId }) => startAdminRun(ctx, principal, params.id, body.payload, requestId),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/runs',
      summary: 'List runs',
      description: `Newest first; filters integrationId, configId, flowId, accountId, userId, status, trigger, createdAfter (inclusive), createdBefore (exclusive); cursor pagination. ${SCOPE}`,
      tags,
      auth: 'apiToken',
      query: runListQuerySchema,
      response: runPageSchema,
      handler: ({ principal, query }) => listRunsFor(ctx, principal, query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/runs/{id}',
      summary: 'Get a run',
      description: `With its steps (status, HTTP status, duration, attempt, the first and failed calls: method, path without query values, a redacted preview) and end-user log. Never trigger payloads or credentials. ${SCOPE}`,
      tags,
      auth: 'apiToken',
      params: runIdParamsSchema,
      response: runSchema,
      errors: [404],
      handler: ({ principal, params }) => getRunFor(ctx, principal, params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/runs/{id}/cancel',
      summary: 'Cancel a run',
      description: `A queued run is canceled at once; a running one stops within a second (its HTTP call is aborted). A finished run answers 409 \`conflict\`. ${SCOPE}`,
      tags,
      auth: 'apiToken',
      params: runIdParamsSchema,
      response: runSchema,
      errors: [403, 404, 409],
      handler: ({ principal, params, requestId }) => cancelRunFor(ctx, principal, params.id, worker(), requestId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/runs/{id}/retry',
      summary: 'Retry a run',
      description: `Queues a new run (trigger \`retry\`, \`retryOf\` the original) with the same payload on the integration's current flow version; 202. A run not finished yet answers 409 \`conflict\`. ${SCOPE}`,
      tags,
      auth: 'apiToken',
      params: runIdParamsSchema,
      status: 202,
      response: runAcceptedSchema,
      errors: [403, 404, 409],
      handler: ({ principal, params, requestId }) => retryRunFor(ctx, principal, params.id, requestId),
    }),
  ];
}

import { embedRunAcceptedSchema, embedRunDetailSchema, integrationIdParamsSchema, prefixedIdSchema } from '@patchbay/shared';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { getEmbedRun, startEmbedRun } from '../../services/runs/runs.ts';

const tags = ['embed'];
const SCOPE_NOTE = "Only runs of integrations the caller may see (the configuration's sharing level); any other id answers 404.";

/** The end user's side of runs (docs/runs.md): "Run now" and a run's detail. */
export function embedRunsRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/embed/api/integrations/{id}/runs',
      summary: 'Run an integration now',
      description: `The end user's "Run now": queues a run with trigger \`manual\` and answers it (202); a worker picks it up. A disabled integration answers 409 \`conflict\`. ${SCOPE_NOTE}`,
      tags,
      auth: 'embedSession',
      params: integrationIdParamsSchema,
      status: 202,
      response: embedRunAcceptedSchema,
      errors: [404, 409],
      handler: ({ principal, params, log, requestId }) => startEmbedRun(ctx, principal, params.id, log, requestId),
    }),
    defineRoute({
      method: 'get',
      path: '/embed/api/runs/{id}',
      summary: 'Get a run',
      description: `Status, step statuses (status, HTTP status, duration, attempt, calls) and the end-user log (\`overview\`, \`details\`, \`errors\`; null until the run rendered it). Never request or response bodies. ${SCOPE_NOTE}`,
      tags,
      auth: 'embedSession',
      params: z.strictObject({ id: prefixedIdSchema('run') }),
      response: embedRunDetailSchema,
      errors: [404],
      handler: ({ principal, params, log }) => getEmbedRun(ctx, principal, params.id, log),
    }),
  ];
}

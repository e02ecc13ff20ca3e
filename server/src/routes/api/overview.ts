import { overviewSchema } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { overviewFor } from '../../services/admins/overview.ts';

/** `/api/v1/overview`: the console's landing numbers. */
export function overviewRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/overview',
      summary: 'Counts for the overview',
      description:
        'Integrations enabled and disabled, connector auths that need reconnecting, runs that failed or succeeded in the last 24 hours, and runs per UTC day by status over the last 7 days (oldest first, today included). Members count only the groups they may view.',
      tags: ['Overview'],
      auth: 'apiToken',
      response: overviewSchema,
      handler: ({ principal }) => overviewFor(ctx, principal),
    }),
  ];
}

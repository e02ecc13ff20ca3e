import type { AppContext } from '../context.ts';
import type { RouteDef } from '../http/route.ts';
import { authRoutes } from './admin/auth.ts';
import { adminUsersRoutes } from './api/adminUsers.ts';
import { auditEventsRoutes } from './api/auditEvents.ts';
import { callbackDeliveriesRoutes } from './api/callbackDeliveries.ts';
import { connectorAuthsRoutes } from './api/connectorAuths.ts';
import { connectorsRoutes } from './api/connectors.ts';
import { embedConfigsRoutes } from './api/embedConfigs.ts';
import { flowsRoutes } from './api/flows.ts';
import { integrationsRoutes } from './api/integrations.ts';
import { overviewRoutes } from './api/overview.ts';
import { proxyRoutes } from './api/proxy.ts';
import { runsRoutes } from './api/runs.ts';
import { embedConnectorAuthsRoutes } from './embed/connectorAuths.ts';
import { embedConnectorsRoutes } from './embed/connectors.ts';
import { connectTicketsRoutes } from './embed/connectTickets.ts';
import { consentRoutes } from './embed/consent.ts';
import { embedDataRoutes } from './embed/data.ts';
import { embedFlowsRoutes } from './embed/flows.ts';
import { embedIntegrationsRoutes } from './embed/integrations.ts';
import { embedRunsRoutes } from './embed/runs.ts';
import { sessionRoutes } from './embed/session.ts';

/** Where the console reaches the vendor API: `/api/v1/flows/{id}` → `/admin/api/flows/{id}`. */
export function consolePath(apiPath: string): string {
  return `/admin/api${apiPath.slice('/api/v1'.length)}`;
}

/**
 * The admin console's API: every vendor API route again under `/admin/api`, the same handler,
 * schemas and permission rules (one implementation), authenticated by the console's cookie
 * session instead of an API token (two authentications). The proxy is left out: people do not
 * call upstreams through the console.
 */
export function consoleRoutes(apiRoutes: readonly RouteDef[]): RouteDef[] {
  return apiRoutes
    .filter((r) => r.auth === 'apiToken' && r.path.startsWith('/api/v1/') && !r.raw)
    .map((r) => ({ ...r, path: consolePath(r.path), auth: 'adminSession' as const, tags: ['Admin console'] }));
}

/** Every declared route of the JSON APIs, in documentation order. */
export function allRoutes(ctx: AppContext): RouteDef[] {
  const vendorApi = [
    ...connectorsRoutes(ctx),
    ...embedConfigsRoutes(ctx),
    ...flowsRoutes(ctx),
    ...integrationsRoutes(ctx),
    ...runsRoutes(ctx),
    ...callbackDeliveriesRoutes(ctx),
    ...connectorAuthsRoutes(ctx),
    ...auditEventsRoutes(ctx),
    ...adminUsersRoutes(ctx),
    ...overviewRoutes(ctx),
    ...proxyRoutes(ctx),
  ];
  return [
    ...vendorApi,
    ...sessionRoutes(ctx),
    ...embedConnectorsRoutes(ctx),
    ...embedConnectorAuthsRoutes(ctx),
    ...connectTicketsRoutes(ctx),
    ...consentRoutes(ctx),
    ...embedFlowsRoutes(ctx),
    ...embedIntegrationsRoutes(ctx),
    ...embedRunsRoutes(ctx),
    ...embedDataRoutes(ctx),
    ...authRoutes(ctx),
    ...consoleRoutes(vendorApi),
  ];
}

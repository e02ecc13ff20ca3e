import type { AppContext } from '../context.ts';
import type { RouteDef } from '../http/route.ts';
import { authRoutes } from './admin/auth.ts';
import { adminUsersRoutes } from './api/adminUsers.ts';
import { auditEventsRoutes } from './api/auditEvents.ts';
import { connectorAuthsRoutes } from './api/connectorAuths.ts';
import { connectorsRoutes } from './api/connectors.ts';
import { embedConfigsRoutes } from './api/embedConfigs.ts';
import { flowsRoutes } from './api/flows.ts';
import { integrationsRoutes } from './api/integrations.ts';
import { proxyRoutes } from './api/proxy.ts';
import { embedConnectorAuthsRoutes } from './embed/connectorAuths.ts';
import { embedConnectorsRoutes } from './embed/connectors.ts';
import { connectTicketsRoutes } from './embed/connectTickets.ts';
import { consentRoutes } from './embed/consent.ts';
import { embedFlowsRoutes } from './embed/flows.ts';
import { embedIntegrationsRoutes } from './embed/integrations.ts';
import { sessionRoutes } from './embed/session.ts';

/** Every declared route of the JSON APIs, in documentation order. */
export function allRoutes(ctx: AppContext): RouteDef[] {
  return [
    ...connectorsRoutes(ctx),
    ...embedConfigsRoutes(ctx),
    ...flowsRoutes(ctx),
    ...integrationsRoutes(ctx),
    ...connectorAuthsRoutes(ctx),
    ...auditEventsRoutes(ctx),
    ...adminUsersRoutes(ctx),
    ...proxyRoutes(ctx),
    ...sessionRoutes(ctx),
    ...embedConnectorsRoutes(ctx),
    ...embedConnectorAuthsRoutes(ctx),
    ...connectTicketsRoutes(ctx),
    ...consentRoutes(ctx),
    ...embedFlowsRoutes(ctx),
    ...embedIntegrationsRoutes(ctx),
    ...authRoutes(ctx),
  ];
}

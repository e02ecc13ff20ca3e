import type { AppContext } from '../../context.ts';
import type { RouteDef } from '../../http/route.ts';

/** Routes of this area (filled in by its owner). */
export function embedIntegrationsRoutes(_ctx: AppContext): RouteDef[] {
  return [];
}

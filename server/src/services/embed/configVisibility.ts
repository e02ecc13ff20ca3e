import { configVisible } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import type { AppContext } from '../../context.ts';
import { embedConfigVisible } from '../../db/repos/embedConfigs.ts';
import { notFound } from '../../errors.ts';

/**
 * Admins see every configuration; a member only those with a group where they hold `view`.
 * Anything else is `404`, so a member cannot learn that a configuration exists.
 */
export async function assertConfigVisible(ctx: AppContext, p: AdminPrincipal, id: string): Promise<void> {
  if (!(await embedConfigVisible(ctx.db, id, configVisible(p, 'view', 'c.id')))) throw notFound('Embed configuration', id);
}

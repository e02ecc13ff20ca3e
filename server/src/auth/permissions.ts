import type { ApiTokenScope } from '@patchbay/shared';
import { sql } from '../db/sql.ts';
import { AppError } from '../errors.ts';
import type { AdminPrincipal } from './principal.ts';

/** A group permission name. */
export type Permission = 'view' | 'run' | 'manage';

type Fragment = ReturnType<typeof sql>;

/** Owners and admins only; members get `403 forbidden`. */
export function requireAdminRole(p: AdminPrincipal, action: string): void {
  if (p.role === 'member') throw new AppError('forbidden', `Only owners and admins can ${action}`);
}

/** The API token must carry `scope`. */
export function requireScope(p: AdminPrincipal, scope: ApiTokenScope): void {
  if (!p.scopes.has(scope)) throw new AppError('insufficient_scope', `This API token lacks the "${scope}" scope`);
}

/** Groups in which a member holds `perm`; null means unrestricted (owner/admin). */
export function permittedGroups(p: AdminPrincipal, perm: Permission): string[] | null {
  if (p.role !== 'member') return null;
  return [...p.groups].filter(([, g]) => g[perm]).map(([id]) => id);
}

function inList(ids: readonly string[]): Fragment {
  return sql.list(ids);
}

/** SQL condition: the configuration in `column` has a group where `p` holds `perm`. */
export function configVisible(p: AdminPrincipal, perm: Permission, column: string): Fragment {
  const groups = permittedGroups(p, perm);
  if (groups === null) return sql`1 = 1`;
  if (groups.length === 0) return sql`0 = 1`;
  return sql`${sql.raw(column)} IN (SELECT config_id FROM embed_groups WHERE id IN (${inList(groups)}))`;
}

/** SQL condition: the flow in `column` belongs to a group where `p` holds `perm`. */
export function flowVisible(p: AdminPrincipal, perm: Permission, column: string): Fragment {
  const groups = permittedGroups(p, perm);
  if (groups === null) return sql`1 = 1`;
  if (groups.length === 0) return sql`0 = 1`;
  return sql`${sql.raw(column)} IN (SELECT flow_id FROM embed_group_flows WHERE group_id IN (${inList(groups)}))`;
}

/** SQL condition: the (configuration, flow) pair belongs to a group where `p` holds `perm`. */
export function integrationVisible(p: AdminPrincipal, perm: Permission, configColumn: string, flowColumn: string): Fragment {
  const groups = permittedGroups(p, perm);
  if (groups === null) return sql`1 = 1`;
  if (groups.length === 0) return sql`0 = 1`;
  return sql`EXISTS (SELECT 1 FROM embed_group_flows gf JOIN embed_groups g ON g.id = gf.group_id
    WHERE g.id IN (${inList(groups)}) AND g.config_id = ${sql.raw(configColumn)} AND gf.flow_id = ${sql.raw(flowColumn)})`;
}

/**
 * For one object: `404` when the caller may not even view it (its existence stays hidden),
 * `403 forbidden` when it may view but lacks `perm`. `visible(q)` answers whether the object
 * exists and the caller holds `q` on it (a repository's visibility check); owners and admins are
 * never asked.
 */
export async function assertObjectPermission(
  p: AdminPrincipal,
  perm: Permission,
  visible: (perm: Permission) => Promise<boolean>,
  hide: () => AppError,
): Promise<void> {
  if (p.role !== 'member') return;
  if (!(await visible('view'))) throw hide();
  if (perm !== 'view' && !(await visible(perm)))
    throw new AppError('forbidden', `You lack the "${perm}" permission on this object's group`);
}

import type { ConsoleSession, EmbedConfig } from '@patchbay/shared';

/** The signed-in admin. */
export type Me = ConsoleSession['user'];
/** A group permission. */
export type Permission = 'view' | 'run' | 'manage';
type ConfigGroups = Pick<EmbedConfig, 'id' | 'groups'>;

/** Owners and admins see and do everything; members only what their groups allow. */
export const isAdmin = (me: Me): boolean => me.role !== 'member';

/** Whether the member holds `perm` on group `groupId` (the same rule as the server: the flag itself). */
function holds(me: Me, groupId: string, perm: Permission): boolean {
  return me.permissions.some((p) => p.groupId === groupId && p[perm]);
}

/**
 * Whether `me` may take a `perm` action on an integration of `flowId` in configuration `configId`:
 * always for owners and admins; for a member, when a group of that configuration offering the flow
 * gives it `perm` (the server's `integrationVisible`). The API enforces this; the console only
 * hides what would be refused.
 */
export function canOnIntegration(
  me: Me,
  perm: Permission,
  configs: ReadonlyMap<string, ConfigGroups>,
  configId: string,
  flowId: string,
): boolean {
  if (isAdmin(me)) return true;
  const groups = configs.get(configId)?.groups ?? [];
  return groups.some((g) => g.flowIds.includes(flowId) && holds(me, g.id, perm));
}

/** Whether `me` may take a `perm` action on a configuration's objects (connector auths): a group of it gives `perm`. */
export function canOnConfig(me: Me, perm: Permission, configs: ReadonlyMap<string, ConfigGroups>, configId: string): boolean {
  if (isAdmin(me)) return true;
  const groups = configs.get(configId)?.groups ?? [];
  return groups.some((g) => holds(me, g.id, perm));
}

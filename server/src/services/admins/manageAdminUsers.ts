import type { adminUserCreateSchema, adminUserSchema, pageQuerySchema, permissionsReplaceSchema } from '@patchbay/shared';
import type { z } from 'zod';
import { requireAdminRole } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import type { AppContext } from '../../context.ts';
import { inTransaction } from '../../context.ts';
import { afterCursor, toPage } from '../../db/keyset.ts';
import {
  type AdminUserRow,
  existingGroupIds,
  findAdminUser,
  type GroupPermissionRow,
  listAdminUsersPage,
  listGroupPermissionsOf,
  replaceGroupPermissions,
} from '../../db/repos/adminUsers.ts';
import { AppError, notFound } from '../../errors.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { createAdminUser } from './adminUsers.ts';

type AdminUser = z.input<typeof adminUserSchema>;

function toAdminUser(row: AdminUserRow, permissions: readonly GroupPermissionRow[]): AdminUser {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    permissions:
      row.role === 'member'
        ? permissions.map((g) => ({ groupId: g.group_id, view: g.can_view === 1, run: g.can_run === 1, manage: g.can_manage === 1 }))
        : [],
    createdAt: row.created_at,
  };
}

/** An admin user with its group permissions, as answered; unknown → 404. */
export async function loadAdminUser(ctx: AppContext, id: string): Promise<AdminUser> {
  const row = await findAdminUser(ctx.db, id);
  if (!row) throw notFound('Admin user', id);
  return toAdminUser(row, (await listGroupPermissionsOf(ctx.db, [id])).get(id) ?? []);
}

/** Every admin user, newest first; owners and admins only. */
export async function listAdminUsersFor(ctx: AppContext, p: AdminPrincipal, query: z.infer<typeof pageQuerySchema>) {
  requireAdminRole(p, 'list admin users');
  const rows = await listAdminUsersPage(ctx.db, afterCursor(query.cursor, 'created_at', 'id'), query.limit + 1);
  const permissions = await listGroupPermissionsOf(
    ctx.db,
    rows.map((r) => r.id),
  );
  return toPage(
    rows,
    query.limit,
    (r) => ({ t: r.created_at, id: r.id }),
    (r) => toAdminUser(r, permissions.get(r.id) ?? []),
  );
}

/** One admin user; a member may read only itself. */
export async function getAdminUserFor(ctx: AppContext, p: AdminPrincipal, id: string): Promise<AdminUser> {
  if (id !== p.adminUserId) requireAdminRole(p, 'read other admin users');
  return loadAdminUser(ctx, id);
}

/** Creates an admin user; owners and admins may, and only owners may create owners. */
export async function createAdminUserFor(
  ctx: AppContext,
  p: AdminPrincipal,
  input: z.infer<typeof adminUserCreateSchema>,
): Promise<AdminUser> {
  requireAdminRole(p, 'create admin users');
  if (input.role === 'owner' && p.role !== 'owner') throw new AppError('forbidden', 'Only owners can create owners');
  const { id } = await createAdminUser(ctx, p, input);
  return loadAdminUser(ctx, id);
}

/**
 * Replaces a member's group permissions (owners and admins only). `run` and `manage` imply
 * `view`, and are stored so, so that what is answered is what is enforced.
 */
export async function replaceMemberPermissions(
  ctx: AppContext,
  p: AdminPrincipal,
  id: string,
  input: z.infer<typeof permissionsReplaceSchema>,
  requestId: string,
): Promise<AdminUser> {
  requireAdminRole(p, 'change permissions');
  const issues: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  input.permissions.forEach((perm, i) => {
    if (seen.has(perm.groupId)) issues.push({ path: `body.permissions.${i}.groupId`, message: 'repeats a group listed before' });
    seen.add(perm.groupId);
  });
  const permissions = input.permissions.map((g) => ({
    groupId: g.groupId,
    view: g.view || g.run || g.manage,
    run: g.run,
    manage: g.manage,
  }));
  await inTransaction(ctx, async (txCtx) => {
    const target = await findAdminUser(txCtx.db, id);
    if (!target) throw notFound('Admin user', id);
    if (target.role !== 'member') {
      throw new AppError(
        'conflict',
        `Admin user ${id} is ${target.role === 'owner' ? 'an owner' : 'an admin'} and sees every group; only members have group permissions`,
      );
    }
    const known = await existingGroupIds(txCtx.db, [...seen]);
    input.permissions.forEach((perm, i) => {
      if (!known.has(perm.groupId)) issues.push({ path: `body.permissions.${i}.groupId`, message: `no group ${perm.groupId} exists` });
    });
    if (issues.length > 0) {
      throw new AppError('validation_failed', `Invalid request: ${[...new Set(issues.map((x) => x.path))].slice(0, 5).join(', ')}`, {
        issues,
      });
    }
    await replaceGroupPermissions(txCtx.db, id, permissions);
    await recordAudit(txCtx, p, {
      action: 'admin_user.permissions_replaced',
      objectType: 'admin_user',
      objectId: id,
      requestId,
      details: { permissions },
    });
  });
  return loadAdminUser(ctx, id);
}

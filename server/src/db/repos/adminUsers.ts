import type { AdminRole } from '@patchbay/shared';
import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

/** An admin user row. */
export interface AdminUserRow {
  id: string;
  email: string;
  name: string;
  password_hash: string;
  role: AdminRole;
  created_at: string;
  updated_at: string;
  disabled_at: string | null;
}

/** A member's permission row on one group. */
export interface GroupPermissionRow {
  admin_user_id: string;
  group_id: string;
  can_view: number;
  can_run: number;
  can_manage: number;
}

/** Inserts an admin user. */
export async function insertAdminUser(db: Queryable, row: Omit<AdminUserRow, 'disabled_at'>): Promise<void> {
  await db.run(sql`INSERT INTO admin_users (id, email, name, password_hash, role, created_at, updated_at)
    VALUES (${row.id}, ${row.email}, ${row.name}, ${row.password_hash}, ${row.role}, ${row.created_at}, ${row.updated_at})`);
}

/** Finds an admin user by id. */
export async function findAdminUser(db: Queryable, id: string): Promise<AdminUserRow | undefined> {
  return db.get<AdminUserRow>(sql`SELECT * FROM admin_users WHERE id = ${id}`);
}

/** Finds an admin user by e-mail (case-insensitive). */
export async function findAdminUserByEmail(db: Queryable, email: string): Promise<AdminUserRow | undefined> {
  return db.get<AdminUserRow>(sql`SELECT * FROM admin_users WHERE email = ${email}`);
}

/** All admin users, oldest first. */
export async function listAdminUsers(db: Queryable): Promise<AdminUserRow[]> {
  return db.all<AdminUserRow>(sql`SELECT * FROM admin_users ORDER BY created_at, id`);
}

/** Counts admin users (to know whether the first one must be an owner). */
export async function countAdminUsers(db: Queryable): Promise<number> {
  return (await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM admin_users`))?.n ?? 0;
}

/** A member's group permissions. */
export async function listGroupPermissions(db: Queryable, adminUserId: string): Promise<GroupPermissionRow[]> {
  return db.all<GroupPermissionRow>(sql`SELECT * FROM admin_group_permissions WHERE admin_user_id = ${adminUserId}`);
}

/** Replaces a member's group permissions in one transaction. */
export async function replaceGroupPermissions(
  db: Queryable,
  adminUserId: string,
  permissions: readonly { groupId: string; view: boolean; run: boolean; manage: boolean }[],
): Promise<void> {
  await db.tx(async (tx) => {
    await tx.run(sql`DELETE FROM admin_group_permissions WHERE admin_user_id = ${adminUserId}`);
    for (const p of permissions) {
      await tx.run(sql`INSERT INTO admin_group_permissions (admin_user_id, group_id, can_view, can_run, can_manage)
        VALUES (${adminUserId}, ${p.groupId}, ${p.view}, ${p.run}, ${p.manage})`);
    }
  });
}

/** One page of admin users, newest first; `after` is the keyset condition of the cursor (plain columns). */
export async function listAdminUsersPage(db: Queryable, after: ReturnType<typeof sql> | null, limit: number): Promise<AdminUserRow[]> {
  return db.all<AdminUserRow>(sql`SELECT * FROM admin_users ${sql.where(after ? [after] : [])}
    ORDER BY created_at DESC, id DESC LIMIT ${limit}`);
}

/** Group permissions of several admin users, grouped by admin user id. */
export async function listGroupPermissionsOf(db: Queryable, adminUserIds: readonly string[]): Promise<Map<string, GroupPermissionRow[]>> {
  const out = new Map<string, GroupPermissionRow[]>();
  if (adminUserIds.length === 0) return out;
  const ids = sql.list(adminUserIds);
  for (const row of await db.all<GroupPermissionRow>(
    sql`SELECT * FROM admin_group_permissions WHERE admin_user_id IN (${ids}) ORDER BY admin_user_id, group_id`,
  )) {
    const list = out.get(row.admin_user_id) ?? [];
    list.push(row);
    out.set(row.admin_user_id, list);
  }
  return out;
}

/** Which of `groupIds` exist as embed groups. */
export async function existingGroupIds(db: Queryable, groupIds: readonly string[]): Promise<Set<string>> {
  if (groupIds.length === 0) return new Set();
  const ids = sql.list(groupIds);
  return new Set((await db.all<{ id: string }>(sql`SELECT id FROM embed_groups WHERE id IN (${ids})`)).map((r) => r.id));
}

import type { AdminRole } from '@patchbay/shared';
import type { Db } from '../database.ts';
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
export function insertAdminUser(db: Db, row: Omit<AdminUserRow, 'disabled_at'>): void {
  db.run(sql`INSERT INTO admin_users (id, email, name, password_hash, role, created_at, updated_at)
    VALUES (${row.id}, ${row.email}, ${row.name}, ${row.password_hash}, ${row.role}, ${row.created_at}, ${row.updated_at})`);
}

/** Finds an admin user by id. */
export function findAdminUser(db: Db, id: string): AdminUserRow | undefined {
  return db.get<AdminUserRow>(sql`SELECT * FROM admin_users WHERE id = ${id}`);
}

/** Finds an admin user by e-mail (case-insensitive). */
export function findAdminUserByEmail(db: Db, email: string): AdminUserRow | undefined {
  return db.get<AdminUserRow>(sql`SELECT * FROM admin_users WHERE email = ${email}`);
}

/** All admin users, oldest first. */
export function listAdminUsers(db: Db): AdminUserRow[] {
  return db.all<AdminUserRow>(sql`SELECT * FROM admin_users ORDER BY created_at, id`);
}

/** Counts admin users (to know whether the first one must be an owner). */
export function countAdminUsers(db: Db): number {
  return db.get<{ n: number }>(sql`SELECT count(*) AS n FROM admin_users`)?.n ?? 0;
}

/** A member's group permissions. */
export function listGroupPermissions(db: Db, adminUserId: string): GroupPermissionRow[] {
  return db.all<GroupPermissionRow>(sql`SELECT * FROM admin_group_permissions WHERE admin_user_id = ${adminUserId}`);
}

/** Replaces a member's group permissions in one transaction. */
export function replaceGroupPermissions(
  db: Db,
  adminUserId: string,
  permissions: readonly { groupId: string; view: boolean; run: boolean; manage: boolean }[],
): void {
  db.tx(() => {
    db.run(sql`DELETE FROM admin_group_permissions WHERE admin_user_id = ${adminUserId}`);
    for (const p of permissions) {
      db.run(sql`INSERT INTO admin_group_permissions (admin_user_id, group_id, can_view, can_run, can_manage)
        VALUES (${adminUserId}, ${p.groupId}, ${p.view}, ${p.run}, ${p.manage})`);
    }
  });
}

import type { Db } from '../database.ts';
import { sql } from '../sql.ts';

type Fragment = ReturnType<typeof sql>;

/** A connector auth's metadata joined with its owner's embed user id; credentials are never selected here. */
export interface ConnectorAuthRow {
  id: string;
  config_id: string;
  connector_id: string;
  name: string;
  owner_end_user_id: string | null;
  owner_user_id: string | null;
  account_id: string | null;
  sharing_level: 'user' | 'account';
  proprietary: number;
  status: 'active' | 'needs_reauth' | 'revoked' | 'disabled';
  /** Who disabled it (`admin`: only an administrator may enable it again); null unless disabled. */
  disabled_by: 'user' | 'admin' | 'system' | null;
  scopes: string;
  expires_at: string | null;
  created_at: string;
  updated_at: string;
  last_used_at: string | null;
  last_refreshed_at: string | null;
  last_error: string | null;
}

/** Filters of the vendor API's connector auth list. */
export interface ConnectorAuthFilters {
  configId?: string | undefined;
  connectorId?: string | undefined;
  userId?: string | undefined;
  accountId?: string | undefined;
  status?: ConnectorAuthRow['status'] | undefined;
}

// credentials_enc and the refresh lease columns are deliberately absent.
const COLUMNS = sql`ca.id, ca.config_id, ca.connector_id, ca.name, ca.owner_end_user_id, u.user_id AS owner_user_id, ca.account_id,
  ca.sharing_level, ca.proprietary, ca.status, ca.disabled_by, ca.scopes, ca.expires_at, ca.created_at, ca.updated_at, ca.last_used_at,
  ca.last_refreshed_at, ca.last_error`;

/**
 * One page of connector auths, newest first. `visible` restricts what the caller may see and
 * `after` is the keyset condition of the cursor; both refer to the alias `ca`.
 */
export function listConnectorAuths(
  db: Db,
  filters: ConnectorAuthFilters,
  visible: Fragment,
  after: Fragment | null,
  limit: number,
): ConnectorAuthRow[] {
  const where: Fragment[] = [visible];
  if (filters.configId !== undefined) where.push(sql`ca.config_id = ${filters.configId}`);
  if (filters.connectorId !== undefined) where.push(sql`ca.connector_id = ${filters.connectorId}`);
  if (filters.userId !== undefined) where.push(sql`u.user_id = ${filters.userId}`);
  if (filters.accountId !== undefined) where.push(sql`ca.account_id = ${filters.accountId}`);
  if (filters.status !== undefined) where.push(sql`ca.status = ${filters.status}`);
  if (after) where.push(after);
  return db.all<ConnectorAuthRow>(sql`SELECT ${COLUMNS} FROM connector_auths ca LEFT JOIN end_users u ON u.id = ca.owner_end_user_id
    ${sql.where(where)} ORDER BY ca.created_at DESC, ca.id DESC LIMIT ${limit}`);
}

/** One connector auth the caller may see (`visible` refers to the alias `ca`), or undefined. */
export function findConnectorAuth(db: Db, id: string, visible: Fragment): ConnectorAuthRow | undefined {
  return db.get<ConnectorAuthRow>(sql`SELECT ${COLUMNS} FROM connector_auths ca LEFT JOIN end_users u ON u.id = ca.owner_end_user_id
    WHERE ca.id = ${id} AND ${visible}`);
}

/** The auths of a connector that hold credentials (revoked ones hold none): what moving the connector to another host would expose. */
export function listAuthsHoldingCredentials(db: Db, connectorId: string): Pick<ConnectorAuthRow, 'id' | 'config_id' | 'status'>[] {
  return db.all<Pick<ConnectorAuthRow, 'id' | 'config_id' | 'status'>>(
    sql`SELECT id, config_id, status FROM connector_auths
      WHERE connector_id = ${connectorId} AND credentials_enc IS NOT NULL AND status <> 'revoked' ORDER BY created_at, id`,
  );
}

/**
 * Drops an auth's credentials: `credentials_enc` NULL and `credentials_version` moved on (a refresh
 * in flight then loses its compare-and-swap), the refresh lease cleared, the status and reason set.
 */
export function dropAuthCredentials(db: Db, id: string, status: ConnectorAuthRow['status'], reason: string, nowIso: string): void {
  db.run(sql`UPDATE connector_auths SET credentials_enc = NULL, credentials_version = credentials_version + 1, status = ${status},
    expires_at = NULL, refresh_lease_until = NULL, refresh_lease_owner = NULL, last_error = ${reason}, updated_at = ${nowIso}
    WHERE id = ${id}`);
}

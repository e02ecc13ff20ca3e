import type { Queryable } from '../database.ts';
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
export async function listConnectorAuths(
  db: Queryable,
  filters: ConnectorAuthFilters,
  visible: Fragment,
  after: Fragment | null,
  limit: number,
): Promise<ConnectorAuthRow[]> {
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
export async function findConnectorAuth(db: Queryable, id: string, visible: Fragment): Promise<ConnectorAuthRow | undefined> {
  return db.get<ConnectorAuthRow>(sql`SELECT ${COLUMNS} FROM connector_auths ca LEFT JOIN end_users u ON u.id = ca.owner_end_user_id
    WHERE ca.id = ${id} AND ${visible}`);
}

/** The auths of a connector that hold credentials (revoked ones hold none): what moving the connector to another host would expose. */
export async function listAuthsHoldingCredentials(
  db: Queryable,
  connectorId: string,
): Promise<Pick<ConnectorAuthRow, 'id' | 'config_id' | 'status'>[]> {
  return db.all<Pick<ConnectorAuthRow, 'id' | 'config_id' | 'status'>>(
    sql`SELECT id, config_id, status FROM connector_auths
      WHERE connector_id = ${connectorId} AND credentials_enc IS NOT NULL AND status <> 'revoked' ORDER BY created_at, id`,
  );
}

/**
 * Drops an auth's credentials: `credentials_enc` NULL and `credentials_version` moved on (a refresh
 * in flight then loses its compare-and-swap), the refresh lease cleared, the status and reason set.
 */
export async function dropAuthCredentials(
  db: Queryable,
  id: string,
  status: ConnectorAuthRow['status'],
  reason: string,
  nowIso: string,
): Promise<void> {
  await db.run(sql`UPDATE connector_auths SET credentials_enc = NULL, credentials_version = credentials_version + 1, status = ${status},
    expires_at = NULL, refresh_lease_until = NULL, refresh_lease_owner = NULL, last_error = ${reason}, updated_at = ${nowIso}
    WHERE id = ${id}`);
}

/** Whether connector auth `id` exists and satisfies `visible` (a condition over the alias `ca`). */
export async function isConnectorAuthVisible(db: Queryable, id: string, visible: Fragment): Promise<boolean> {
  return (await db.get<{ ok: number }>(sql`SELECT 1 AS ok FROM connector_auths ca WHERE ca.id = ${id} AND ${visible}`)) !== undefined;
}

/** Whether connector auth `id` exists. */
export async function connectorAuthExists(db: Queryable, id: string): Promise<boolean> {
  return (await db.get(sql`SELECT 1 AS one FROM connector_auths WHERE id = ${id}`)) !== undefined;
}

/** What a new connector auth row holds; `credentials_enc` is already sealed for this row. */
export interface NewConnectorAuth {
  id: string;
  config_id: string;
  connector_id: string;
  name: string;
  owner_end_user_id: string | null;
  account_id: string | null;
  sharing_level: 'user' | 'account';
  proprietary: boolean;
  /** Who made it: an end user in the iframe, the vendor through its API, or the vendor's embed token. */
  created_via: 'end_user' | 'vendor_api' | 'embed_token';
  status: ConnectorAuthRow['status'];
  /** JSON text. */
  scopes: string;
  credentials_enc: string | null;
  credentials_version: number;
  expires_at: string | null;
  created_at: string;
  last_refreshed_at: string | null;
}

/** Inserts a connector auth (`updated_at` is its `created_at`). */
export async function insertConnectorAuthRow(db: Queryable, row: NewConnectorAuth): Promise<void> {
  await db.run(sql`INSERT INTO connector_auths (id, config_id, connector_id, name, owner_end_user_id, account_id, sharing_level,
      proprietary, created_via, status, scopes, credentials_enc, credentials_version, expires_at, created_at, updated_at, last_refreshed_at)
    VALUES (${row.id}, ${row.config_id}, ${row.connector_id}, ${row.name}, ${row.owner_end_user_id}, ${row.account_id},
      ${row.sharing_level}, ${row.proprietary}, ${row.created_via}, ${row.status}, ${row.scopes}, ${row.credentials_enc},
      ${row.credentials_version}, ${row.expires_at}, ${row.created_at}, ${row.created_at}, ${row.last_refreshed_at})`);
}

/** An auth's sealed credentials, or null when it holds none (or does not exist). */
export async function findSealedCredentials(db: Queryable, id: string): Promise<string | null> {
  return (
    (await db.get<{ credentials_enc: string | null }>(sql`SELECT credentials_enc FROM connector_auths WHERE id = ${id}`))
      ?.credentials_enc ?? null
  );
}

/** Whether an auth holds any credentials (they are dropped when its connector moves to another host). */
export async function authHoldsCredentials(db: Queryable, id: string): Promise<boolean> {
  return (await db.get(sql`SELECT 1 AS one FROM connector_auths WHERE id = ${id} AND credentials_enc IS NOT NULL`)) !== undefined;
}

/**
 * Stores new sealed credentials: version + 1, status back to `active`, refresh errors cleared;
 * `scopes` (JSON text) and `refreshedAt` (`last_refreshed_at`) are written only when given.
 * `expectVersion` makes it a compare-and-swap. Answers whether the row was written.
 */
export async function writeSealedCredentials(
  db: Queryable,
  id: string,
  input: {
    sealed: string;
    expiresAt: string | null;
    scopes?: string | undefined;
    refreshedAt?: string | undefined;
    expectVersion?: number | undefined;
    nowIso: string;
  },
): Promise<boolean> {
  const versionCheck = input.expectVersion === undefined ? sql`` : sql` AND credentials_version = ${input.expectVersion}`;
  const scopes = input.scopes === undefined ? sql`` : sql`, scopes = ${input.scopes}`;
  const refreshed = input.refreshedAt === undefined ? sql`` : sql`, last_refreshed_at = ${input.refreshedAt}`;
  return (
    (
      await db.run(sql`UPDATE connector_auths SET credentials_enc = ${input.sealed}, credentials_version = credentials_version + 1,
      expires_at = ${input.expiresAt}, status = 'active', last_error = NULL, refresh_failures = 0, refresh_failed_at = NULL,
      updated_at = ${input.nowIso}${scopes}${refreshed}
      WHERE id = ${id}${versionCheck}`)
    ).changes === 1
  );
}

/**
 * Revokes an auth: its sealed credentials replaced (by sealed `{type:'none'}`), version + 1 (a
 * refresh in flight loses its compare-and-swap), status `revoked`, expiry and refresh lease cleared.
 */
export async function revokeAuthCredentials(db: Queryable, id: string, sealedNone: string, nowIso: string): Promise<void> {
  await db.run(sql`UPDATE connector_auths SET credentials_enc = ${sealedNone}, credentials_version = credentials_version + 1,
      status = 'revoked', disabled_by = NULL, expires_at = NULL, refresh_lease_until = NULL, refresh_lease_owner = NULL, updated_at = ${nowIso}
      WHERE id = ${id}`);
}

/** Sets an auth's status; `updatedAt`, when given, moves `updated_at`. Who disabled it is left as it is. */
export async function setAuthStatus(db: Queryable, id: string, status: ConnectorAuthRow['status'], updatedAt?: string): Promise<void> {
  if (updatedAt === undefined) await db.run(sql`UPDATE connector_auths SET status = ${status} WHERE id = ${id}`);
  else await db.run(sql`UPDATE connector_auths SET status = ${status}, updated_at = ${updatedAt} WHERE id = ${id}`);
}

/** Enables an auth (`active`, or `needs_reauth` when it holds no credentials), clearing who disabled it. */
export async function enableAuth(db: Queryable, id: string, status: 'active' | 'needs_reauth', nowIso: string): Promise<void> {
  await db.run(sql`UPDATE connector_auths SET status = ${status}, disabled_by = NULL, updated_at = ${nowIso} WHERE id = ${id}`);
}

/** Disables an auth, recording who did (`admin`: only an administrator may enable it again). */
export async function disableAuth(db: Queryable, id: string, disabledBy: 'user' | 'admin', nowIso: string): Promise<void> {
  await db.run(sql`UPDATE connector_auths SET status = 'disabled', disabled_by = ${disabledBy}, updated_at = ${nowIso} WHERE id = ${id}`);
}

/** Renames an auth. */
export async function renameConnectorAuth(db: Queryable, id: string, name: string, nowIso: string): Promise<void> {
  await db.run(sql`UPDATE connector_auths SET name = ${name}, updated_at = ${nowIso} WHERE id = ${id}`);
}

/**
 * Moves `last_used_at` to now unless it is already at or past `threshold` (a concurrent call
 * recorded it), so busy auths are written at most once per interval.
 */
export async function touchAuthLastUsed(db: Queryable, id: string, nowIso: string, threshold: string): Promise<void> {
  await db.run(sql`UPDATE connector_auths SET last_used_at = ${nowIso}
    WHERE id = ${id} AND (last_used_at IS NULL OR last_used_at < ${threshold})`);
}

/**
 * Deletes an auth with every binding to it. Every binding goes (the foreign key requires it); the
 * caller lists and disables only its own configuration's integrations, since another
 * configuration's binding to the auth was never legitimate.
 */
export async function deleteConnectorAuthWithBindings(db: Queryable, id: string): Promise<void> {
  await db.run(sql`DELETE FROM integration_bindings WHERE connector_auth_id = ${id}`);
  await db.run(sql`DELETE FROM connector_auths WHERE id = ${id}`);
}

/** An integration of the auth's configuration bound to the auth, with its flow's name. */
export interface AuthReferenceRow {
  integration_id: string;
  flow_id: string;
  flow_name: string | null;
  status: string;
}

/** The integrations of configuration `configId` with a slot bound to auth `id` (at most `cap`), by integration id. */
export async function listAuthReferences(db: Queryable, id: string, configId: string, cap: number): Promise<AuthReferenceRow[]> {
  return db.all<AuthReferenceRow>(
    sql`SELECT DISTINCT b.integration_id, i.flow_id, f.name AS flow_name, i.status FROM integration_bindings b
      JOIN integrations i ON i.id = b.integration_id LEFT JOIN flows f ON f.id = i.flow_id
      WHERE b.connector_auth_id = ${id} AND i.config_id = ${configId} ORDER BY b.integration_id LIMIT ${cap}`,
  );
}

/** Where a proprietary auth lives: one per account (account level) or per end user (user level). */
export type ProprietaryScope = { sharingLevel: 'account'; accountId: string } | { sharingLevel: 'user'; endUserId: string };

/** The oldest proprietary auth of a connector in one configuration and scope, with its sealed credentials, if any. */
export async function findProprietaryAuth(
  db: Queryable,
  configId: string,
  connectorId: string,
  scope: ProprietaryScope,
): Promise<{ id: string; status: ConnectorAuthRow['status']; credentials_enc: string | null } | undefined> {
  const where =
    scope.sharingLevel === 'account'
      ? sql`sharing_level = 'account' AND account_id = ${scope.accountId}`
      : sql`sharing_level = 'user' AND owner_end_user_id = ${scope.endUserId}`;
  return db.get(sql`SELECT id, status, credentials_enc FROM connector_auths
    WHERE config_id = ${configId} AND connector_id = ${connectorId} AND proprietary = 1 AND ${where}
    ORDER BY created_at, id LIMIT 1`);
}

/** The newest active proprietary auth of a connector that satisfies `usable` (a condition over the alias `ca`), if any. */
export async function findActiveProprietaryAuthId(db: Queryable, connectorId: string, usable: Fragment): Promise<string | undefined> {
  return (
    await db.get<{ id: string }>(sql`SELECT ca.id FROM connector_auths ca WHERE ca.proprietary = 1 AND ca.status = 'active'
    AND ca.connector_id = ${connectorId} AND ${usable} ORDER BY ca.created_at DESC, ca.id DESC LIMIT 1`)
  )?.id;
}

/** Ids of every connector auth `visible` selects (alias `ca`), oldest first; for "Delete all my integration data". */
export async function listConnectorAuthIdsWhere(
  db: Queryable,
  visible: Fragment,
): Promise<{ id: string; connector_id: string; status: string }[]> {
  return db.all(sql`SELECT ca.id, ca.connector_id, ca.status FROM connector_auths ca WHERE ${visible} ORDER BY ca.created_at, ca.id`);
}

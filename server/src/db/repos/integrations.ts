import type { Db } from '../database.ts';
import { sql } from '../sql.ts';

type Fragment = ReturnType<typeof sql>;

/** An integration row joined with its owner's embed user id. */
export interface IntegrationRow {
  id: string;
  config_id: string;
  flow_id: string;
  flow_version: number;
  owner_end_user_id: string;
  owner_user_id: string;
  account_id: string;
  sharing_level: 'user' | 'account';
  scope_user_id: string;
  status: 'enabled' | 'disabled';
  disabled_by: 'user' | 'admin' | 'system' | null;
  inputs: string;
  next_run_at: string | null;
  latest_run_id: string | null;
  latest_run_status: string | null;
  latest_run_at: string | null;
  created_at: string;
  updated_at: string;
}

/** Filters of the vendor API's integration list. */
export interface IntegrationFilters {
  configId?: string | undefined;
  flowId?: string | undefined;
  userId?: string | undefined;
  accountId?: string | undefined;
  status?: 'enabled' | 'disabled' | undefined;
}

// Never selects secret_inputs_enc or webhook_token_hash: what is not read cannot leak.
const COLUMNS = sql`i.id, i.config_id, i.flow_id, i.flow_version, i.owner_end_user_id, u.user_id AS owner_user_id, i.account_id,
  i.sharing_level, i.scope_user_id, i.status, i.disabled_by, i.inputs, i.next_run_at, i.latest_run_id, i.latest_run_status,
  i.latest_run_at, i.created_at, i.updated_at`;

/**
 * One page of integrations, newest first. `visible` restricts what the caller may see and
 * `after` is the keyset condition of the cursor; both refer to the alias `i`.
 */
export function listIntegrations(
  db: Db,
  filters: IntegrationFilters,
  visible: Fragment,
  after: Fragment | null,
  limit: number,
): IntegrationRow[] {
  const where: Fragment[] = [visible];
  if (filters.configId !== undefined) where.push(sql`i.config_id = ${filters.configId}`);
  if (filters.flowId !== undefined) where.push(sql`i.flow_id = ${filters.flowId}`);
  if (filters.userId !== undefined) where.push(sql`u.user_id = ${filters.userId}`);
  if (filters.accountId !== undefined) where.push(sql`i.account_id = ${filters.accountId}`);
  if (filters.status !== undefined) where.push(sql`i.status = ${filters.status}`);
  if (after) where.push(after);
  return db.all<IntegrationRow>(sql`SELECT ${COLUMNS} FROM integrations i JOIN end_users u ON u.id = i.owner_end_user_id
    ${sql.where(where)} ORDER BY i.created_at DESC, i.id DESC LIMIT ${limit}`);
}

/** One integration the caller may see (`visible` refers to the alias `i`), or undefined. */
export function findIntegration(db: Db, id: string, visible: Fragment): IntegrationRow | undefined {
  return db.get<IntegrationRow>(sql`SELECT ${COLUMNS} FROM integrations i JOIN end_users u ON u.id = i.owner_end_user_id
    WHERE i.id = ${id} AND ${visible}`);
}

/** Slot → connector auth bindings of some integrations, grouped by integration id. */
export function listBindings(db: Db, integrationIds: readonly string[]): Map<string, Record<string, string>> {
  const out = new Map<string, Record<string, string>>();
  if (integrationIds.length === 0) return out;
  const ids = sql.list(integrationIds);
  const rows = db.all<{ integration_id: string; slot_key: string; connector_auth_id: string }>(
    sql`SELECT integration_id, slot_key, connector_auth_id FROM integration_bindings WHERE integration_id IN (${ids})
      ORDER BY integration_id, slot_key`,
  );
  for (const row of rows) {
    let bindings = out.get(row.integration_id);
    if (!bindings) {
      bindings = {};
      out.set(row.integration_id, bindings);
    }
    bindings[row.slot_key] = row.connector_auth_id;
  }
  return out;
}

/** Sets an integration's status; `disabledBy` is cleared when enabling. Answers whether a row changed. */
export function setIntegrationStatus(
  db: Db,
  id: string,
  status: 'enabled' | 'disabled',
  disabledBy: 'user' | 'admin' | 'system' | null,
  nowIso: string,
): boolean {
  return (
    db.run(sql`UPDATE integrations SET status = ${status}, disabled_by = ${status === 'enabled' ? null : disabledBy},
      updated_at = ${nowIso} WHERE id = ${id}`).changes === 1
  );
}

import type { Queryable } from '../database.ts';
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
export async function listIntegrations(
  db: Queryable,
  filters: IntegrationFilters,
  visible: Fragment,
  after: Fragment | null,
  limit: number,
): Promise<IntegrationRow[]> {
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
export async function findIntegration(db: Queryable, id: string, visible: Fragment): Promise<IntegrationRow | undefined> {
  return db.get<IntegrationRow>(sql`SELECT ${COLUMNS} FROM integrations i JOIN end_users u ON u.id = i.owner_end_user_id
    WHERE i.id = ${id} AND ${visible}`);
}

/** Whether integration `id` exists and satisfies `visible` (a condition over the alias `i`). */
export async function isIntegrationVisible(db: Queryable, id: string, visible: Fragment): Promise<boolean> {
  return (await db.get<{ ok: number }>(sql`SELECT 1 AS ok FROM integrations i WHERE i.id = ${id} AND ${visible}`)) !== undefined;
}

/** Slot → connector auth bindings of some integrations, grouped by integration id. */
export async function listBindings(db: Queryable, integrationIds: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  if (integrationIds.length === 0) return out;
  const ids = sql.list(integrationIds);
  const rows = await db.all<{ integration_id: string; slot_key: string; connector_auth_id: string }>(
    sql`SELECT integration_id, slot_key, connector_auth_id FROM integration_bindings WHERE integration_id IN (${ids})
      ORDER BY integration_id, slot_key`,
  );
  for (const row of rows) {
    let bindings = out.get(row.integration_id);
    if (!bindings) {
      bindings = Object.create(null) as Record<string, string>;
      out.set(row.integration_id, bindings);
    }
    bindings[row.slot_key] = row.connector_auth_id;
  }
  return out;
}

/** Sets an integration's status; `disabledBy` is cleared when enabling. Answers whether a row changed. */
export async function setIntegrationStatus(
  db: Queryable,
  id: string,
  status: 'enabled' | 'disabled',
  disabledBy: 'user' | 'admin' | 'system' | null,
  nowIso: string,
): Promise<boolean> {
  return (
    (
      await db.run(sql`UPDATE integrations SET status = ${status}, disabled_by = ${status === 'enabled' ? null : disabledBy},
      updated_at = ${nowIso} WHERE id = ${id}`)
    ).changes === 1
  );
}

/** What a new integration row holds (the owner's account and scope come from the caller's session). */
export interface NewIntegration {
  id: string;
  config_id: string;
  flow_id: string;
  flow_version: number;
  owner_end_user_id: string;
  account_id: string;
  sharing_level: 'user' | 'account';
  scope_user_id: string;
  inputs: string;
  secret_inputs_enc: string | null;
  next_run_at: string | null;
  created_at: string;
}

/** Inserts an enabled integration. */
export async function insertIntegrationRow(db: Queryable, row: NewIntegration): Promise<void> {
  await db.run(sql`INSERT INTO integrations (id, config_id, flow_id, flow_version, owner_end_user_id, account_id, sharing_level, scope_user_id,
      status, disabled_by, inputs, secret_inputs_enc, next_run_at, created_at, updated_at)
    VALUES (${row.id}, ${row.config_id}, ${row.flow_id}, ${row.flow_version}, ${row.owner_end_user_id}, ${row.account_id},
      ${row.sharing_level}, ${row.scope_user_id}, 'enabled', NULL, ${row.inputs}, ${row.secret_inputs_enc}, ${row.next_run_at},
      ${row.created_at}, ${row.created_at})`);
}

/** The id of the integration of a flow in one scope (`scopeUserId` is '' at account level), if any. */
export async function findIntegrationIdInScope(
  db: Queryable,
  scope: { configId: string; accountId: string; scopeUserId: string; flowId: string },
): Promise<string | undefined> {
  return (
    await db.get<{ id: string }>(sql`SELECT id FROM integrations WHERE config_id = ${scope.configId} AND account_id = ${scope.accountId}
    AND scope_user_id = ${scope.scopeUserId} AND flow_id = ${scope.flowId}`)
  )?.id;
}

/** Replaces every slot binding of an integration. */
export async function replaceBindings(db: Queryable, integrationId: string, bindings: Readonly<Record<string, string>>): Promise<void> {
  await db.run(sql`DELETE FROM integration_bindings WHERE integration_id = ${integrationId}`);
  for (const [slot, authId] of Object.entries(bindings)) {
    await db.run(
      sql`INSERT INTO integration_bindings (integration_id, slot_key, connector_auth_id) VALUES (${integrationId}, ${slot}, ${authId})`,
    );
  }
}

/** The sealed password inputs of each of `ids` that has any (never selected with the row itself). */
export async function findSealedSecretInputs(db: Queryable, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.all<{ id: string; secret_inputs_enc: string }>(
    sql`SELECT id, secret_inputs_enc FROM integrations WHERE id IN (${sql.list(ids)}) AND secret_inputs_enc IS NOT NULL`,
  );
  return new Map(rows.map((r) => [r.id, r.secret_inputs_enc]));
}

/** Writes an integration's input values (plain JSON text and the sealed password inputs). */
export async function updateIntegrationInputs(
  db: Queryable,
  id: string,
  inputs: string,
  secretInputsEnc: string | null,
  nowIso: string,
): Promise<void> {
  await db.run(
    sql`UPDATE integrations SET inputs = ${inputs}, secret_inputs_enc = ${secretInputsEnc}, updated_at = ${nowIso} WHERE id = ${id}`,
  );
}

/** Sets when a scheduled integration next runs (null: not scheduled by interval). */
export async function setNextRunAt(db: Queryable, id: string, nextRunAt: string | null): Promise<void> {
  await db.run(sql`UPDATE integrations SET next_run_at = ${nextRunAt} WHERE id = ${id}`);
}

/** Records a run as the integration's latest. */
export async function setLatestRun(db: Queryable, id: string, run: { id: string; status: string; at: string }): Promise<void> {
  await db.run(
    sql`UPDATE integrations SET latest_run_id = ${run.id}, latest_run_status = ${run.status}, latest_run_at = ${run.at} WHERE id = ${id}`,
  );
}

/** Moves an integration's `updated_at`. */
export async function touchIntegration(db: Queryable, id: string, nowIso: string): Promise<void> {
  await db.run(sql`UPDATE integrations SET updated_at = ${nowIso} WHERE id = ${id}`);
}

/** Deletes an integration (bindings and runs cascade); answers whether it existed. */
export async function deleteIntegrationRow(db: Queryable, id: string): Promise<boolean> {
  return (await db.run(sql`DELETE FROM integrations WHERE id = ${id}`)).changes === 1;
}

/** A run as the end user may see it: never its trigger payload or step details. */
export interface RunSummaryRow {
  id: string;
  trigger: 'schedule' | 'webhook' | 'manual' | 'admin' | 'retry';
  status: 'queued' | 'running' | 'success' | 'error' | 'canceled';
  attempt: number;
  error_code: string | null;
  error: string | null;
  logs: string;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
}

/** One page of an integration's runs, newest first; `after` is the keyset condition over alias `r`. */
export async function listRunSummaries(
  db: Queryable,
  integrationId: string,
  after: Fragment | null,
  limit: number,
): Promise<RunSummaryRow[]> {
  const where: Fragment[] = [sql`r.integration_id = ${integrationId}`];
  if (after) where.push(after);
  return db.all<RunSummaryRow>(sql`SELECT r.id, r.trigger, r.status, r.attempt, r.error_code, r.error, r.logs, r.created_at, r.started_at, r.finished_at
    FROM runs r ${sql.where(where)} ORDER BY r.created_at DESC, r.id DESC LIMIT ${limit}`);
}

/** Ids of every integration `visible` selects (alias `i`), with their flows, oldest first; for "Delete all my integration data". */
export async function listIntegrationIdsWhere(
  db: Queryable,
  visible: ReturnType<typeof sql>,
): Promise<{ id: string; flow_id: string; status: string }[]> {
  return db.all(sql`SELECT i.id, i.flow_id, i.status FROM integrations i WHERE ${visible} ORDER BY i.created_at, i.id`);
}

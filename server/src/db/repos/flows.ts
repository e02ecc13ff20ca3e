import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

type Fragment = ReturnType<typeof sql>;

/** A flow row: metadata and the number of its current version. */
export interface FlowRow {
  id: string;
  name: string;
  description: string | null;
  icon: string | null;
  current_version: number;
  created_at: string;
  updated_at: string;
}

/** A flow row joined with its current version's definition (JSON text). */
export interface FlowWithDefinitionRow extends FlowRow {
  definition: string;
}

/** One stored version of a flow; `definition` is JSON text. */
export interface FlowVersionRow {
  flow_id: string;
  version: number;
  definition: string;
  created_at: string;
}

/** What refers to a flow and keeps it from being deleted. */
export interface FlowReferences {
  integrations: { id: string; configId: string }[];
  integrationCount: number;
  groups: { id: string; configId: string; name: string }[];
}

const WITH_DEFINITION = sql`SELECT f.*, v.definition FROM flows f JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.current_version`;

/** Inserts a flow. */
export async function insertFlow(db: Queryable, row: FlowRow): Promise<void> {
  await db.run(sql`INSERT INTO flows (id, name, description, icon, current_version, created_at, updated_at)
    VALUES (${row.id}, ${row.name}, ${row.description}, ${row.icon}, ${row.current_version}, ${row.created_at}, ${row.updated_at})`);
}

/** Inserts a version of a flow. */
export async function insertFlowVersion(db: Queryable, row: FlowVersionRow): Promise<void> {
  await db.run(sql`INSERT INTO flow_versions (flow_id, version, definition, created_at)
    VALUES (${row.flow_id}, ${row.version}, ${row.definition}, ${row.created_at})`);
}

/** A flow with its current definition, or undefined. */
export async function findFlow(db: Queryable, id: string): Promise<FlowWithDefinitionRow | undefined> {
  return db.get<FlowWithDefinitionRow>(sql`${WITH_DEFINITION} WHERE f.id = ${id}`);
}

/** Whether flow `id` exists and satisfies `visible` (a condition over the alias `f`). */
export async function isFlowVisible(db: Queryable, id: string, visible: Fragment): Promise<boolean> {
  return (await db.get<{ ok: number }>(sql`SELECT 1 AS ok FROM flows f WHERE f.id = ${id} AND ${visible}`)) !== undefined;
}

/** The flows of `ids` with their current definitions (unknown ids are absent). */
export async function listFlowsByIds(db: Queryable, ids: readonly string[]): Promise<FlowWithDefinitionRow[]> {
  if (ids.length === 0) return [];
  return db.all<FlowWithDefinitionRow>(sql`${WITH_DEFINITION} WHERE f.id IN (${sql.list(ids)})`);
}

/** A flow with its current definition when one of the configuration's groups offers it, or undefined. */
export async function findFlowOfferedBy(db: Queryable, configId: string, flowId: string): Promise<FlowWithDefinitionRow | undefined> {
  return db.get<FlowWithDefinitionRow>(sql`${WITH_DEFINITION}
    WHERE f.id = ${flowId} AND EXISTS (SELECT 1 FROM embed_group_flows gf JOIN embed_groups g ON g.id = gf.group_id
      WHERE gf.flow_id = f.id AND g.config_id = ${configId})`);
}

/** The id of the oldest flow with this name, if any. */
export async function findOldestFlowIdNamed(db: Queryable, name: string): Promise<string | undefined> {
  return (await db.get<{ id: string }>(sql`SELECT id FROM flows WHERE name = ${name} ORDER BY created_at, id LIMIT 1`))?.id;
}

/**
 * Whether a configuration that offers the flow in a group, or still has integrations of it, falls
 * outside `allowed` (a condition over the alias `u`: `u.config_id`, `u.flow_id`).
 */
export async function flowUsedOutside(db: Queryable, flowId: string, allowed: Fragment): Promise<boolean> {
  return (
    (await db.get<{ one: number }>(sql`SELECT 1 AS one FROM (
      SELECT g.config_id, gf.flow_id FROM embed_group_flows gf JOIN embed_groups g ON g.id = gf.group_id WHERE gf.flow_id = ${flowId}
      UNION SELECT config_id, flow_id FROM integrations WHERE flow_id = ${flowId}) u
    WHERE NOT ${allowed} LIMIT 1`)) !== undefined
  );
}

/** One page of flows (newest first), restricted by `conditions` over alias `f`; fetches `limit + 1` rows. */
export async function listFlows(db: Queryable, conditions: readonly Fragment[], limit: number): Promise<FlowWithDefinitionRow[]> {
  return db.all<FlowWithDefinitionRow>(
    sql`${WITH_DEFINITION}${sql.where(conditions)} ORDER BY f.created_at DESC, f.id DESC LIMIT ${limit + 1}`,
  );
}

/** Sets a flow's metadata; fields left undefined stay as they are. */
export async function updateFlowMeta(
  db: Queryable,
  id: string,
  patch: { name?: string | undefined; description?: string | null | undefined; icon?: string | null | undefined },
  updatedAt: string,
): Promise<void> {
  const sets = [sql`updated_at = ${updatedAt}`];
  if (patch.name !== undefined) sets.push(sql`name = ${patch.name}`);
  if (patch.description !== undefined) sets.push(sql`description = ${patch.description}`);
  if (patch.icon !== undefined) sets.push(sql`icon = ${patch.icon}`);
  await db.run(sql`UPDATE flows SET ${sql.join(sets, ', ')} WHERE id = ${id}`);
}

/** Makes `version` the flow's current version. */
export async function setCurrentVersion(db: Queryable, id: string, version: number, updatedAt: string): Promise<void> {
  await db.run(sql`UPDATE flows SET current_version = ${version}, updated_at = ${updatedAt} WHERE id = ${id}`);
}

/** One page of a flow's versions, newest first, below `beforeVersion` when given; fetches `limit + 1` rows. */
export async function listFlowVersions(
  db: Queryable,
  flowId: string,
  beforeVersion: number | undefined,
  limit: number,
): Promise<FlowVersionRow[]> {
  const before = beforeVersion === undefined ? sql`` : sql` AND version < ${beforeVersion}`;
  return db.all<FlowVersionRow>(
    sql`SELECT * FROM flow_versions WHERE flow_id = ${flowId}${before} ORDER BY version DESC LIMIT ${limit + 1}`,
  );
}

/** One version of a flow, or undefined. */
export async function findFlowVersion(db: Queryable, flowId: string, version: number): Promise<FlowVersionRow | undefined> {
  return db.get<FlowVersionRow>(sql`SELECT * FROM flow_versions WHERE flow_id = ${flowId} AND version = ${version}`);
}

/** Moves every integration of a flow to `version`; answers how many moved. */
export async function moveIntegrationsToVersion(db: Queryable, flowId: string, version: number, updatedAt: string): Promise<number> {
  return (
    await db.run(sql`UPDATE integrations SET flow_version = ${version}, updated_at = ${updatedAt}
    WHERE flow_id = ${flowId} AND flow_version <> ${version}`)
  ).changes;
}

/** Integrations and configuration groups that refer to a flow (at most `max` of each listed). */
export async function flowReferences(db: Queryable, flowId: string, max = 100): Promise<FlowReferences> {
  const integrations = await db.all<{ id: string; configId: string }>(
    sql`SELECT id, config_id AS "configId" FROM integrations WHERE flow_id = ${flowId} ORDER BY created_at, id LIMIT ${max}`,
  );
  const integrationCount = (await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM integrations WHERE flow_id = ${flowId}`))?.n ?? 0;
  const groups = await db.all<{ id: string; configId: string; name: string }>(
    sql`SELECT g.id, g.config_id AS "configId", g.name FROM embed_group_flows gf JOIN embed_groups g ON g.id = gf.group_id
      WHERE gf.flow_id = ${flowId} ORDER BY g.config_id, g.position, g.id LIMIT ${max}`,
  );
  return { integrations, integrationCount, groups };
}

/** Deletes a flow and (by cascade) its versions; answers whether it existed. */
export async function deleteFlow(db: Queryable, id: string): Promise<boolean> {
  return (await db.run(sql`DELETE FROM flows WHERE id = ${id}`)).changes > 0;
}

/**
 * The connector of each of `ids` that names a vendor-owned connector auth (`created_via`
 * `vendor_api` or `embed_token`, never one an end user made) meeting `scope` (alias `ca`). Ids
 * outside it are simply absent, exactly as unknown ones, so a caller cannot tell them apart.
 */
export async function vendorAuthConnectors(db: Queryable, ids: readonly string[], scope: Fragment): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await db.all<{ id: string; connector_id: string }>(
    sql`SELECT ca.id, ca.connector_id FROM connector_auths ca
      WHERE ca.id IN (${sql.list(ids)}) AND ca.created_via IN ('vendor_api', 'embed_token') AND ${scope}`,
  );
  return new Map(rows.map((r) => [r.id, r.connector_id]));
}

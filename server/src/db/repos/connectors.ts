import type { AuthType } from '@patchbay/shared';
import type { Queryable } from '../database.ts';
import { type Dialect, dialectOf } from '../dialect.ts';
import { sql } from '../sql.ts';

/** A connector row; `definition` is JSON text without secrets, the secret is sealed apart. */
export interface ConnectorRow {
  id: string;
  name: string;
  auth_type: AuthType;
  catalog_key: string | null;
  base_url: string | null;
  icon_url: string | null;
  definition: string;
  client_secret_enc: string | null;
  created_at: string;
  updated_at: string;
}

/** Inserts a connector. */
export async function insertConnector(db: Queryable, row: ConnectorRow): Promise<void> {
  await db.run(sql`INSERT INTO connectors (id, name, auth_type, catalog_key, base_url, icon_url, definition, client_secret_enc, created_at, updated_at)
    VALUES (${row.id}, ${row.name}, ${row.auth_type}, ${row.catalog_key}, ${row.base_url}, ${row.icon_url}, ${row.definition},
      ${row.client_secret_enc}, ${row.created_at}, ${row.updated_at})`);
}

/** Finds a connector by id. */
export async function findConnector(db: Queryable, id: string): Promise<ConnectorRow | undefined> {
  return db.get<ConnectorRow>(sql`SELECT * FROM connectors WHERE id = ${id}`);
}

/** Which of `ids` exist. */
export async function existingConnectorIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.all<{ id: string }>(sql`SELECT id FROM connectors WHERE id IN (${sql.list(ids)})`);
  return new Set(rows.map((r) => r.id));
}

/** A page of connectors, newest first; fetches `limit + 1` rows so the caller knows whether more follow. */
export async function listConnectors(
  db: Queryable,
  opts: { after: ReturnType<typeof sql> | null; limit: number },
): Promise<ConnectorRow[]> {
  return db.all<ConnectorRow>(
    sql`SELECT * FROM connectors c${sql.where(opts.after ? [opts.after] : [])} ORDER BY c.created_at DESC, c.id DESC LIMIT ${opts.limit + 1}`,
  );
}

/** Writes the mutable columns of a connector. */
export async function updateConnector(
  db: Queryable,
  row: Pick<ConnectorRow, 'id' | 'name' | 'base_url' | 'icon_url' | 'definition' | 'client_secret_enc' | 'updated_at'>,
): Promise<void> {
  await db.run(sql`UPDATE connectors SET name = ${row.name}, base_url = ${row.base_url}, icon_url = ${row.icon_url},
    definition = ${row.definition}, client_secret_enc = ${row.client_secret_enc}, updated_at = ${row.updated_at}
    WHERE id = ${row.id}`);
}

/** Deletes a connector; answers whether it existed. */
export async function deleteConnector(db: Queryable, id: string): Promise<boolean> {
  return (await db.run(sql`DELETE FROM connectors WHERE id = ${id}`)).changes === 1;
}

/** Everything that refers to a connector and would break without it (at most `cap` ids of each kind). */
export interface ConnectorReferences {
  connectorAuths: string[];
  flows: string[];
  embedConfigs: string[];
}

/**
 * Finds what refers to a connector: connector auths; flows whose current version, or a version an
 * integration still runs, has a slot with this `connectorId` (read as JSON, not a text
 * search, so `crm` never matches `crm2`); configurations using it as their proprietary connector
 * or highlighting it in a group.
 */
export async function findConnectorReferences(db: Queryable, id: string, cap = 50): Promise<ConnectorReferences> {
  const d = dialectOf(db);
  const connectorAuths = await db.all<{ id: string }>(
    sql`SELECT id FROM connector_auths WHERE connector_id = ${id} ORDER BY created_at, id LIMIT ${cap}`,
  );
  const flows = await db.all<{ id: string }>(
    sql`SELECT DISTINCT v.flow_id AS id FROM flow_versions v
      JOIN flows f ON f.id = v.flow_id${d.joinJsonArray(sql`v.definition`, 's', { key: 'slots' })}
      WHERE ${d.jsonText(sql`s.value`, 'connectorId')} = ${id}
        AND (v.version = f.current_version
          OR EXISTS (SELECT 1 FROM integrations i WHERE i.flow_id = v.flow_id AND i.flow_version = v.version))
      ORDER BY v.flow_id LIMIT ${cap}`,
  );
  const embedConfigs = await db.all<{ id: string }>(
    sql`SELECT id FROM embed_configs WHERE proprietary_connector_id = ${id}
      UNION
      SELECT g.config_id AS id FROM embed_groups g${d.joinJsonArray(sql`g.highlighted_connectors`, 'h', { scalars: true })} WHERE h.value = ${id}
      ORDER BY id LIMIT ${cap}`,
  );
  return {
    connectorAuths: connectorAuths.map((r) => r.id),
    flows: flows.map((r) => r.id),
    embedConfigs: embedConfigs.map((r) => r.id),
  };
}

/** A connector's name and icon: what an end user sees of a highlighted connector. */
export interface ConnectorSummaryRow {
  id: string;
  name: string;
  icon_url: string | null;
}

/** The names and icons of the connectors of `ids` (unknown ids are absent). */
export async function listConnectorSummaries(db: Queryable, ids: readonly string[]): Promise<ConnectorSummaryRow[]> {
  if (ids.length === 0) return [];
  return db.all<ConnectorSummaryRow>(sql`SELECT id, name, icon_url FROM connectors WHERE id IN (${sql.list(ids)})`);
}

/**
 * SQL condition on `c.id`: a connector the end users of `configId` connect themselves — a slot of
 * the current version of a flow in one of the configuration's groups, not pre-filled with a
 * vendor-owned auth, and not the configuration's proprietary connector (its credentials arrive
 * in the embed token). Slots are read as JSON, so `crm` never matches `crm2`.
 */
function connectableIn(d: Dialect, configId: string) {
  return sql`c.id IN (
      SELECT ${d.jsonText(sql`s.value`, 'connectorId')} FROM embed_groups g
        JOIN embed_group_flows gf ON gf.group_id = g.id
        JOIN flows f ON f.id = gf.flow_id
        JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.current_version${d.joinJsonArray(sql`v.definition`, 's', { key: 'slots' })}
      WHERE g.config_id = ${configId} AND ${d.jsonText(sql`s.value`, 'connectorAuthId')} IS NULL)
    AND c.id IS DISTINCT FROM (SELECT proprietary_connector_id FROM embed_configs WHERE id = ${configId})`;
}

/** The connectors the end users of `configId` connect themselves, by name. */
export async function listConnectorsConnectableIn(db: Queryable, configId: string): Promise<ConnectorRow[]> {
  return db.all<ConnectorRow>(sql`SELECT c.* FROM connectors c WHERE ${connectableIn(dialectOf(db), configId)} ORDER BY c.name, c.id`);
}

/** One connector the end users of `configId` connect themselves, or undefined (unknown, or not offered there). */
export async function findConnectorConnectableIn(db: Queryable, configId: string, connectorId: string): Promise<ConnectorRow | undefined> {
  return db.get<ConnectorRow>(sql`SELECT c.* FROM connectors c WHERE c.id = ${connectorId} AND ${connectableIn(dialectOf(db), configId)}`);
}

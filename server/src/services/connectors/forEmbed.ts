import type { EmbedConnector } from '@patchbay/shared';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import type { AppContext } from '../../context.ts';
import type { ConnectorRow } from '../../db/repos/connectors.ts';
import { sql } from '../../db/sql.ts';
import { formFields } from './credentialForms.ts';

/**
 * SQL condition on `c.id`: a connector the end users of `configId` connect themselves — a slot of
 * the current version of a flow in one of the configuration's groups, not pre-filled with a
 * vendor-owned auth, and not the configuration's proprietary connector (its credentials arrive
 * in the embed token). Slots are read with json_each, so `crm` never matches `crm2`.
 */
function connectableBy(configId: string) {
  return sql`c.id IN (
      SELECT json_extract(s.value, '$.connectorId') FROM embed_groups g
        JOIN embed_group_flows gf ON gf.group_id = g.id
        JOIN flows f ON f.id = gf.flow_id
        JOIN flow_versions v ON v.flow_id = f.id AND v.version = f.current_version
        JOIN json_each(v.definition, '$.slots') s
      WHERE g.config_id = ${configId} AND json_extract(s.value, '$.connectorAuthId') IS NULL)
    AND c.id IS NOT (SELECT proprietary_connector_id FROM embed_configs WHERE id = ${configId})`;
}

/** The connectors the configuration's end users can connect, by name. */
export function listConnectableConnectors(ctx: AppContext, configId: string): ConnectorRow[] {
  return ctx.db.all<ConnectorRow>(sql`SELECT c.* FROM connectors c WHERE ${connectableBy(configId)} ORDER BY c.name, c.id`);
}

/** One connector the configuration's end users can connect, or undefined (unknown, or not offered here). */
export function findConnectableConnector(ctx: AppContext, configId: string, connectorId: string): ConnectorRow | undefined {
  return ctx.db.get<ConnectorRow>(sql`SELECT c.* FROM connectors c WHERE c.id = ${connectorId} AND ${connectableBy(configId)}`);
}

/** A connector as the iframe sees it: no URL, no client id, no secret; the form only for basic/api_key. */
export function toEmbedConnector(row: ConnectorRow): EmbedConnector {
  return {
    id: row.id,
    name: row.name,
    authType: row.auth_type,
    iconUrl: row.icon_url,
    fields: formFields(row).map((f) => ({ key: f.key, label: f.label, type: f.type, required: f.required })),
  };
}

/** `GET /embed/api/connectors`. */
export function listEmbedConnectors(ctx: AppContext, p: EndUserPrincipal): { items: EmbedConnector[]; nextCursor: null } {
  return { items: listConnectableConnectors(ctx, p.configId).map(toEmbedConnector), nextCursor: null };
}

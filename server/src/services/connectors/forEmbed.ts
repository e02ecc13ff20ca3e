import type { EmbedConnector } from '@patchbay/shared';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import type { AppContext } from '../../context.ts';
import { type ConnectorRow, findConnectorConnectableIn, listConnectorsConnectableIn } from '../../db/repos/connectors.ts';
import { brandIconFor } from './brandIcons.ts';
import { formFields } from './credentialForms.ts';

/** The connectors the configuration's end users can connect, by name. */
export async function listConnectableConnectors(ctx: AppContext, configId: string): Promise<ConnectorRow[]> {
  return listConnectorsConnectableIn(ctx.db, configId);
}

/** One connector the configuration's end users can connect, or undefined (unknown, or not offered here). */
export async function findConnectableConnector(ctx: AppContext, configId: string, connectorId: string): Promise<ConnectorRow | undefined> {
  return findConnectorConnectableIn(ctx.db, configId, connectorId);
}

/** A connector as the iframe sees it: no URL, no client id, no secret; the form only for basic/api_key; a catalogue entry's brand mark. */
export function toEmbedConnector(row: ConnectorRow): EmbedConnector {
  return {
    id: row.id,
    name: row.name,
    authType: row.auth_type,
    iconUrl: row.icon_url,
    brandIcon: brandIconFor(row.catalog_key),
    fields: formFields(row).map((f) => ({ key: f.key, label: f.label, type: f.type, required: f.required })),
  };
}

/** `GET /embed/api/connectors`. */
export async function listEmbedConnectors(ctx: AppContext, p: EndUserPrincipal): Promise<{ items: EmbedConnector[]; nextCursor: null }> {
  return { items: (await listConnectableConnectors(ctx, p.configId)).map(toEmbedConnector), nextCursor: null };
}

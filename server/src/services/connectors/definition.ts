import { type StoredConnectorDefinition, storedConnectorDefinitionSchema } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { open } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';
import type { ConnectorRow } from '../../db/repos/connectors.ts';

/** The `definition` column's one schema (`storedConnectorDefinitionSchema` in shared/), under the server's name for it. */
export const connectorDefinitionSchema = storedConnectorDefinitionSchema;
/** A connector's stored definition (no secret). */
export type ConnectorDefinition = StoredConnectorDefinition;

/** Parses a row's definition. */
export function connectorDefinition(row: ConnectorRow): ConnectorDefinition {
  return connectorDefinitionSchema.parse(JSON.parse(row.definition));
}

/** Where a connector's client secret is sealed (its associated data). */
export function secretAt(id: string) {
  return secretLocation('connectors', 'client_secret_enc', id);
}

/** The connector's OAuth client secret (OAuth2) or consumer secret (OAuth1), or null. For the OAuth layer only. */
export function connectorClientSecret(ctx: AppContext, row: ConnectorRow): string | null {
  return row.client_secret_enc === null ? null : open(ctx.keyring, secretAt(row.id), row.client_secret_enc);
}

/** Where the provider sends the user back after consent; one per connector, against mix-up (docs/connecting.md). */
export function connectorRedirectUri(ctx: AppContext, row: Pick<ConnectorRow, 'id' | 'auth_type'>): string | null {
  return row.auth_type === 'oauth1' || row.auth_type === 'oauth2' ? `${ctx.config.publicUrl}/oauth/callback/${row.id}` : null;
}

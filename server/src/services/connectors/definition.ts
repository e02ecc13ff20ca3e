import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { open } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';
import type { ConnectorRow } from '../../db/repos/connectors.ts';

/** How a connector obtains OAuth2 tokens. */
export const grantTypeSchema = z.enum(['authorization_code', 'client_credentials']);

/**
 * The `definition` column: everything about a connector but its name, URLs kept in columns, and
 * its secret. Parsed strictly when read back from the database.
 */
export const connectorDefinitionSchema = z.object({
  oauth2: z
    .object({
      authorizeUrl: z.string().nullable(),
      tokenUrl: z.string().nullable(),
      revokeUrl: z.string().nullable(),
      clientId: z.string(),
      scopes: z.array(z.string()),
      scopeDelimiter: z.string(),
      pkce: z.boolean(),
      grantType: grantTypeSchema,
      authorizeParams: z.record(z.string(), z.string()),
    })
    .nullable(),
  oauth1: z
    .object({
      requestTokenUrl: z.string(),
      authorizeUrl: z.string(),
      accessTokenUrl: z.string(),
      consumerKey: z.string(),
      signatureMethod: z.enum(['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT']),
    })
    .nullable(),
  apiKey: z.object({ in: z.enum(['header', 'query']), name: z.string(), prefix: z.string().nullable() }).nullable(),
  fields: z.array(z.object({ key: z.string(), label: z.string(), type: z.enum(['text', 'password']), required: z.boolean() })),
  validation: z.object({ method: z.string(), path: z.string(), expectStatus: z.number() }).nullable(),
  /** Absent in definitions written before it existed: no declared headers. */
  proxy: z.object({ forwardHeaders: z.array(z.string()) }).optional(),
});
/** A connector's stored definition (no secret). */
export type ConnectorDefinition = z.infer<typeof connectorDefinitionSchema>;

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

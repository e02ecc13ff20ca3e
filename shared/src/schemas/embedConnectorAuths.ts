import { z } from 'zod';
import { connectorIdSchema, pageOf, pageQuerySchema, prefixedIdSchema, sharingLevelSchema, timestampSchema } from './common.ts';
import { connectorAuthDisabledBySchema, connectorAuthStatusSchema } from './connectorAuths.ts';
import { authTypeSchema, storedCredentialFieldSchema } from './connectors.ts';

/** One input of a basic/api_key connector's credentials form, as the iframe renders it: the field as its connector stores it. */
export const embedCredentialFieldSchema = storedCredentialFieldSchema;

/** A connector the end user can connect (`GET /embed/api/connectors`): no URL, no client id, no secret. */
export const embedConnectorSchema = z
  .object({
    id: connectorIdSchema,
    name: z.string(),
    authType: authTypeSchema,
    iconUrl: z.string().nullable(),
    brandIcon: z
      .object({
        path: z.string().describe('SVG path data in a 24×24 view box'),
        hex: z
          .string()
          .regex(/^[0-9A-F]{6}$/)
          .describe('The brand colour, without `#`'),
      })
      .nullable()
      .describe('The brand mark of a built-in catalogue connector (from Simple Icons); null for the others'),
    fields: z.array(embedCredentialFieldSchema).describe('The credentials form of basic/api_key connectors; empty for the others'),
  })
  .meta({ id: 'EmbedConnector' });
/** Connector as the iframe sees it. */
export type EmbedConnector = z.infer<typeof embedConnectorSchema>;

/** `GET /embed/api/connectors` answer (one page: the configuration's connectors, by name). */
export const embedConnectorListSchema = pageOf(embedConnectorSchema);

/** A connector auth as the end user sees it: metadata only, never a credential or another person's id. */
export const embedConnectorAuthSchema = z
  .object({
    id: prefixedIdSchema('ca'),
    connectorId: connectorIdSchema,
    name: z.string(),
    sharingLevel: sharingLevelSchema,
    proprietary: z.boolean().describe('Comes from the embed token (`client_authentication`); managed by the host app, read-only here'),
    status: connectorAuthStatusSchema,
    disabledBy: connectorAuthDisabledBySchema,
    scopes: z.array(z.string()),
    expiresAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    lastUsedAt: timestampSchema.nullable(),
    lastError: z.string().nullable(),
    ownedByMe: z.boolean().describe('Created by the calling end user (account-level auths may come from a colleague)'),
    remoteAccount: z
      .string()
      .nullable()
      .describe(
        "The account at the service it is connected as (e.g. an e-mail address), from the provider's ID token or the connector's " +
          '`validation.accountField`; null when unknown',
      ),
    createdByName: z
      .string()
      .nullable()
      .describe("Who connected it: the embed token's user name when it had one, else the host's user id; null for the host's own"),
  })
  .meta({ id: 'EmbedConnectorAuth' });
/** Connector auth as the iframe sees it. */
export type EmbedConnectorAuth = z.infer<typeof embedConnectorAuthSchema>;

/** `GET /embed/api/connector-auths` filters. */
export const embedConnectorAuthListQuerySchema = pageQuerySchema.extend({
  connectorId: connectorIdSchema.optional(),
  status: connectorAuthStatusSchema.optional(),
});

/** `GET /embed/api/connector-auths` answer. */
export const embedConnectorAuthPageSchema = pageOf(embedConnectorAuthSchema);

/** The values typed into a basic/api_key credentials form, by field key. */
export const credentialValuesSchema = z
  .record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, 'must be a field key'), z.string().max(4096))
  .refine((v) => Object.keys(v).length <= 10, 'at most 10 fields');

/** `POST /embed/api/connector-auths` body: credentials of a basic/api_key connector, checked before they are saved. */
export const embedConnectorAuthCreateSchema = z.strictObject({
  connectorId: connectorIdSchema,
  name: z.string().trim().min(1).max(200).optional(),
  values: credentialValuesSchema.describe('By the connector\'s field keys, e.g. `{"username": "…", "password": "…"}` or `{"apiKey": "…"}`'),
});
/** Embed connector auth create body. */
export type EmbedConnectorAuthCreate = z.infer<typeof embedConnectorAuthCreateSchema>;

/** `PATCH /embed/api/connector-auths/{id}` body: rename, disable/enable, or new basic/api_key credentials (reconnect). */
export const embedConnectorAuthUpdateSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    status: z
      .enum(['active', 'disabled'])
      .optional()
      .describe('`disabled` disables; `active` enables a disabled auth (403 when an administrator disabled it)'),
    values: credentialValuesSchema.optional().describe('basic/api_key only: new credentials, checked first; the id stays'),
  })
  .refine((b) => b.name !== undefined || b.status !== undefined || b.values !== undefined, 'give name, status or values');
/** Embed connector auth update body. */
export type EmbedConnectorAuthUpdate = z.infer<typeof embedConnectorAuthUpdateSchema>;

/** Path parameters of `/embed/api/connector-auths/{id}`. */
export const embedConnectorAuthIdParamsSchema = z.strictObject({ id: prefixedIdSchema('ca') });

/** `DELETE …/connector-auths/{id}` query: `force=true` first disables the integrations that use the auth. */
export const connectorAuthDeleteQuerySchema = z.object({
  force: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
});

/** One integration that uses a connector auth (`409 in_use` details of a delete). */
export const connectorAuthReferenceSchema = z.object({
  integrationId: z.string(),
  flowId: z.string(),
  name: z.string().optional(),
});
/** Reference to an auth. */
export type ConnectorAuthReference = z.infer<typeof connectorAuthReferenceSchema>;

import { z } from 'zod';
import { connectorIdSchema, pageOf, pageQuerySchema, prefixedIdSchema, sharingLevelSchema, timestampSchema } from './common.ts';

/** Connector auth status. */
export const connectorAuthStatusSchema = z.enum(['active', 'needs_reauth', 'revoked', 'disabled']);

/** Who disabled a connector auth; null unless it is disabled. An end user cannot enable one an `admin` disabled. */
export const connectorAuthDisabledBySchema = z
  .enum(['user', 'admin', 'system'])
  .nullable()
  .describe('Who disabled it: `user` (the end user, who may enable it again), `admin` (only an administrator may), or null');

/** A connector auth as answered: metadata only, never a credential. */
export const connectorAuthSchema = z
  .object({
    id: prefixedIdSchema('ca'),
    connectorId: connectorIdSchema,
    name: z.string(),
    userId: z.string().nullable().describe('embed_user_id of the owner; null for vendor-owned auths'),
    accountId: z.string().nullable(),
    configId: z.string(),
    sharingLevel: sharingLevelSchema,
    proprietary: z.boolean(),
    status: connectorAuthStatusSchema,
    disabledBy: connectorAuthDisabledBySchema,
    scopes: z.array(z.string()),
    expiresAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    lastUsedAt: timestampSchema.nullable(),
    lastRefreshedAt: timestampSchema.nullable(),
    lastError: z.string().nullable(),
  })
  .meta({ id: 'ConnectorAuth' });
/** Connector auth as answered. */
export type ConnectorAuth = z.infer<typeof connectorAuthSchema>;

/** `GET /api/v1/connector-auths` filters. */
export const connectorAuthListQuerySchema = pageQuerySchema.extend({
  configId: z.string().max(64).optional(),
  connectorId: z.string().max(64).optional(),
  userId: z.string().max(255).optional(),
  accountId: z.string().max(255).optional(),
  status: connectorAuthStatusSchema.optional(),
});

/** `GET /api/v1/connector-auths` answer. */
export const connectorAuthPageSchema = pageOf(connectorAuthSchema);

/** Path parameters of `/api/v1/connector-auths/{id}…`. */
export const connectorAuthIdParamsSchema = z.strictObject({ id: prefixedIdSchema('ca') });

const secretText = z.string().min(1).max(8192);
const extraFields = z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/), z.string().max(4096)).optional();

/** Existing credentials imported through the vendor API; the type must match the connector's auth type. */
export const connectorAuthImportCredentialsSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('oauth2'),
    accessToken: secretText,
    refreshToken: secretText.optional(),
    tokenType: z.string().min(1).max(50).optional(),
    expiresAt: timestampSchema.optional().describe('When the access token expires'),
    scope: z.string().max(4096).optional().describe('Granted scopes as the provider wrote them'),
  }),
  z.strictObject({ type: z.literal('oauth1'), token: secretText, tokenSecret: z.string().max(8192) }),
  z.strictObject({ type: z.literal('basic'), username: z.string().max(4096), password: z.string().max(4096), fields: extraFields }),
  z.strictObject({ type: z.literal('api_key'), apiKey: secretText, fields: extraFields }),
]);

/** `POST /api/v1/connector-auths` body: create (import) a connector auth for an end user. */
export const connectorAuthCreateSchema = z.strictObject({
  configId: prefixedIdSchema('cfg'),
  connectorId: connectorIdSchema,
  userId: z.string().min(1).max(255).describe("The end user's `embed_user_id`; the end user is created if unknown"),
  accountId: z.string().min(1).max(255).describe("The end user's `embed_account_id`"),
  name: z.string().trim().min(1).max(200).optional(),
  credentials: connectorAuthImportCredentialsSchema,
  validate: z.boolean().default(true).describe("Run the connector's validation request first (default true)"),
});
/** Vendor connector auth create body. */
export type ConnectorAuthCreate = z.infer<typeof connectorAuthCreateSchema>;

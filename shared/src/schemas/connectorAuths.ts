import { z } from 'zod';
import { connectorIdSchema, pageOf, pageQuerySchema, prefixedIdSchema, sharingLevelSchema, timestampSchema } from './common.ts';

/** Connector auth status. */
export const connectorAuthStatusSchema = z.enum(['active', 'needs_reauth', 'revoked', 'disabled']);

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

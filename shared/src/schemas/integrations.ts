import { z } from 'zod';
import { pageOf, pageQuerySchema, prefixedIdSchema, sharingLevelSchema, timestampSchema } from './common.ts';

/** Integration status. */
export const integrationStatusSchema = z.enum(['enabled', 'disabled']);

/** An integration (an enabled copy of a flow) as answered. */
export const integrationSchema = z
  .object({
    id: prefixedIdSchema('int'),
    flowId: z.string(),
    flowVersion: z.number().int(),
    configId: z.string(),
    userId: z.string().describe('embed_user_id of the user who first enabled it'),
    accountId: z.string(),
    sharingLevel: sharingLevelSchema,
    status: integrationStatusSchema,
    disabledBy: z.enum(['user', 'admin', 'system']).nullable(),
    bindings: z.record(z.string(), z.string()),
    inputs: z.record(z.string(), z.unknown()),
    webhookUrl: z
      .string()
      .nullable()
      .describe('The inbound URL `POST {PATCHBAY_PUBLIC_URL}/hooks/{token}` of a webhook-triggered integration; null for other triggers'),
    nextRunAt: timestampSchema.nullable(),
    latestRun: z.object({ id: z.string(), status: z.enum(['queued', 'running', 'success', 'error']), at: timestampSchema }).nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Integration' });
/** Integration as answered. */
export type Integration = z.infer<typeof integrationSchema>;

/** `GET /api/v1/integrations` filters. */
export const integrationListQuerySchema = pageQuerySchema.extend({
  configId: z.string().max(64).optional(),
  flowId: z.string().max(64).optional(),
  userId: z.string().max(255).optional(),
  accountId: z.string().max(255).optional(),
  status: integrationStatusSchema.optional(),
});

/** `GET /api/v1/integrations` answer. */
export const integrationPageSchema = pageOf(integrationSchema);

/** Path parameters of `/api/v1/integrations/{id}…`. */
export const integrationIdParamsSchema = z.strictObject({ id: prefixedIdSchema('int') });

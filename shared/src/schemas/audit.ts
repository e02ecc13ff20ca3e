import { z } from 'zod';
import { pageOf, pageQuerySchema, timestampSchema } from './common.ts';

/** Who did something. */
export const actorTypeSchema = z.enum(['admin', 'api_token', 'end_user', 'system']);

/** An audit event: who, what, on which object, when, redacted details. */
export const auditEventSchema = z
  .object({
    id: z.string(),
    at: timestampSchema,
    actorType: actorTypeSchema,
    actorId: z.string().nullable(),
    action: z.string(),
    objectType: z.string(),
    objectId: z.string().nullable(),
    configId: z.string().nullable(),
    requestId: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
  })
  .meta({ id: 'AuditEvent' });
/** Audit event as answered. */
export type AuditEvent = z.infer<typeof auditEventSchema>;

/** `GET /api/v1/audit-events` filters; `since` is inclusive, `until` exclusive. */
export const auditEventListQuerySchema = pageQuerySchema.extend({
  objectType: z.string().max(64).optional(),
  objectId: z.string().max(64).optional(),
  actorType: actorTypeSchema.optional(),
  actorId: z.string().max(64).optional(),
  action: z.string().max(100).optional(),
  configId: z.string().max(64).optional(),
  since: timestampSchema.optional(),
  until: timestampSchema.optional(),
});

/** `GET /api/v1/audit-events` answer. */
export const auditEventPageSchema = pageOf(auditEventSchema);

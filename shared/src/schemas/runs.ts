import { z } from 'zod';
import { pageOf, pageQuerySchema, prefixedIdSchema, timestampSchema } from './common.ts';
import { embedRunStepSchema } from './embedIntegrations.ts';
import { endUserLogSchema } from './flows.ts';

/** What starts a run. */
export const runTriggerSchema = z.enum(['schedule', 'webhook', 'manual', 'admin', 'retry']);
/** Where a run is. */
export const runStatusSchema = z.enum(['queued', 'running', 'success', 'error', 'canceled']);

/** A recorded call of a step: method, path without query values, status, duration, a redacted preview ≤ 1 KB. */
export const runCallSchema = z.object({
  index: z.number().int().nullable(),
  method: z.string(),
  path: z.string(),
  status: z.number().int().nullable(),
  durationMs: z.number(),
  responseBytes: z.number().int(),
  preview: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

/** A step of a run in the vendor API: its statuses and its first and failed calls. */
export const runStepSchema = embedRunStepSchema.extend({ startedAt: timestampSchema, requests: z.array(runCallSchema) });

/** A run in the vendor API (`GET /api/v1/runs/{id}`); never trigger payloads, credentials or injected headers. */
export const runSchema = z
  .object({
    id: prefixedIdSchema('run'),
    integrationId: z.string(),
    configId: z.string(),
    flowId: z.string(),
    accountId: z.string(),
    userId: z.string(),
    trigger: runTriggerSchema,
    status: runStatusSchema,
    attempt: z.number().int(),
    maxAttempts: z.number().int(),
    flowVersion: z.number().int().nullable(),
    retryOf: z.string().nullable(),
    errorCode: z.string().nullable(),
    error: z.string().nullable(),
    createdAt: timestampSchema,
    startedAt: timestampSchema.nullable(),
    finishedAt: timestampSchema.nullable(),
    durationMs: z.number().int().nullable(),
    cancelRequestedAt: timestampSchema.nullable(),
    steps: z.array(runStepSchema),
    endUserLog: endUserLogSchema.nullable(),
  })
  .meta({ id: 'Run' });
/** A run as the vendor API answers it. */
export type Run = z.infer<typeof runSchema>;

/** `GET /api/v1/runs` filters (cursor pagination like the other lists). */
export const runListQuerySchema = pageQuerySchema.extend({
  integrationId: z.string().max(64).optional(),
  configId: z.string().max(64).optional(),
  flowId: z.string().max(64).optional(),
  accountId: z.string().max(255).optional(),
  userId: z.string().max(255).optional(),
  status: runStatusSchema.optional(),
  trigger: runTriggerSchema.optional(),
  createdAfter: timestampSchema.optional(),
  createdBefore: timestampSchema.optional(),
});

/** `GET /api/v1/runs` answer. */
export const runPageSchema = pageOf(runSchema);

/** `POST /api/v1/integrations/{id}/runs` body: an optional payload templates see as `trigger.payload`. */
export const runStartSchema = z.strictObject({ payload: z.unknown().optional() });

/** `POST /api/v1/integrations/{id}/runs` and `/api/v1/runs/{id}/retry` answer (202). */
export const runAcceptedSchema = z.object({ run: runSchema });

/** Path parameters of `/api/v1/runs/{id}…`. */
export const runIdParamsSchema = z.strictObject({ id: prefixedIdSchema('run') });

/** `POST /hooks/{token}` answer (202): the run the inbound request queued. */
export const webhookAcceptedSchema = z.object({ runId: prefixedIdSchema('run') }).meta({ id: 'WebhookAccepted' });

/** Path parameters of `POST /hooks/{token}`: the secret of an integration's inbound URL. */
export const webhookParamsSchema = z.strictObject({ token: z.string().min(1).max(2000) });

/** `POST /api/v1/integrations/{id}/rotate-webhook` answer: the new inbound URL (the old one stops at once). */
export const webhookUrlSchema = z.object({ webhookUrl: z.string() }).meta({ id: 'WebhookUrl' });

import { z } from 'zod';
import { pageOf, pageQuerySchema, timestampSchema } from './common.ts';

/**
 * Callback deliveries in the vendor API (`/api/v1/callback-deliveries`, mirrored under
 * `/admin/api/…`; docs/callbacks.md). A delivery is one event to one configuration's backend; its
 * `id` is the `webhook-id`, the same on every attempt and redelivery. `sending` is answered as
 * `pending` (it is still on its way). Never the signed body's secrets (there are none) and never
 * the callback secret.
 */

/** Where a delivery is, as the API filters and answers it. */
export const callbackDeliveryStatusSchema = z.enum(['pending', 'delivered', 'failed']);

/** One attempt: when, how long, what the receiver answered (first 1 KB), or the error. */
export const callbackAttemptSchema = z
  .object({
    id: z.string(),
    at: timestampSchema,
    durationMs: z.number().int(),
    statusCode: z.number().int().nullable(),
    error: z.string().nullable(),
    responseExcerpt: z.string().nullable().describe('The first 1 KB of the answer'),
  })
  .meta({ id: 'CallbackAttempt' });

/** A delivery as listed. */
export const callbackDeliverySchema = z
  .object({
    id: z.string().describe('The `webhook-id`'),
    configId: z.string(),
    eventType: z.string(),
    status: callbackDeliveryStatusSchema,
    attemptCount: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: timestampSchema.nullable().describe('When a pending delivery is tried next'),
    createdAt: timestampSchema,
    deliveredAt: timestampSchema.nullable(),
  })
  .meta({ id: 'CallbackDelivery' });
/** A delivery as the API answers it. */
export type CallbackDelivery = z.infer<typeof callbackDeliverySchema>;

/** `GET /api/v1/callback-deliveries/{id}`: the delivery, its event body and every attempt. */
export const callbackDeliveryDetailSchema = callbackDeliverySchema
  .extend({
    payload: z.object({ type: z.string(), timestamp: timestampSchema, data: z.record(z.string(), z.unknown()) }),
    attempts: z.array(callbackAttemptSchema),
  })
  .meta({ id: 'CallbackDeliveryDetail' });
/** A delivery with its attempts. */
export type CallbackDeliveryDetail = z.infer<typeof callbackDeliveryDetailSchema>;

/** `GET /api/v1/callback-deliveries` filters. */
export const callbackDeliveryListQuerySchema = pageQuerySchema.extend({
  configId: z.string().max(64).optional(),
  eventType: z.string().max(64).optional(),
  status: callbackDeliveryStatusSchema.optional(),
});

/** `GET /api/v1/callback-deliveries` answer. */
export const callbackDeliveryPageSchema = pageOf(callbackDeliverySchema);

/** Path parameters of `/api/v1/callback-deliveries/{id}…`. */
export const callbackDeliveryIdParamsSchema = z.strictObject({ id: z.string().min(1).max(64) });

/** `POST /api/v1/callback-deliveries/{id}/redeliver` answer (202): the delivery, queued again with the same id. */
export const callbackRedeliveredSchema = z.object({ delivery: callbackDeliverySchema });

/** `POST /api/v1/embed-configs/{id}/test-callback` answer: the `ping` delivery and its one attempt. */
export const callbackTestSchema = z.object({ delivery: callbackDeliverySchema, attempt: callbackAttemptSchema });

import { z } from 'zod';
import { CONNECT_ERROR_CODES, CONNECT_RESULT_SOURCE, CONNECT_RESULT_STATUSES, CONNECT_RESULT_TYPE } from '../protocol/connect.ts';
import { connectorIdSchema, prefixedIdSchema, timestampSchema } from './common.ts';

/** A connect ticket id: `ct_` and 128 random bits. */
export const connectTicketIdSchema = prefixedIdSchema('ct');

/** `POST /embed/api/connect-tickets` body: connect a new account, or reconnect `connectorAuthId` (same id). */
export const connectTicketCreateSchema = z.strictObject({
  connectorId: connectorIdSchema,
  connectorAuthId: prefixedIdSchema('ca').optional().describe('The auth being reconnected; it keeps its id'),
});
/** Connect ticket create body. */
export type ConnectTicketCreate = z.infer<typeof connectTicketCreateSchema>;

/** `POST /embed/api/connect-tickets` answer: point the popup at `url` (single use, 10 minutes). */
export const connectTicketSchema = z
  .object({
    id: connectTicketIdSchema,
    url: z.string().describe('`{publicUrl}/oauth/start?ticket=…`; open it in the popup'),
    expiresAt: timestampSchema,
  })
  .meta({ id: 'ConnectTicket' });
/** Connect ticket as answered. */
export type ConnectTicket = z.infer<typeof connectTicketSchema>;

/** Why a connect attempt failed: a closed set, never provider text. */
export const connectErrorCodeSchema = z.enum(CONNECT_ERROR_CODES);

/** Where a connect attempt stands. */
export const connectStatusSchema = z.enum(['pending', 'success', 'error']);

/** `GET /embed/api/connect-tickets/{id}` answer, for polling when the popup cannot reach its opener. */
export const connectTicketStatusSchema = z
  .object({
    status: connectStatusSchema,
    connectorAuthId: prefixedIdSchema('ca').optional(),
    error: connectErrorCodeSchema.optional(),
  })
  .meta({ id: 'ConnectTicketStatus' });
/** Connect ticket status as answered. */
export type ConnectTicketStatus = z.infer<typeof connectTicketStatusSchema>;

/** Path parameters of `/embed/api/connect-tickets/{id}`. */
export const connectTicketIdParamsSchema = z.strictObject({ id: connectTicketIdSchema });

/**
 * What the OAuth popup posts to its opener (the iframe, at its exact origin) when the flow ends.
 * Ids and an error code only, never a credential. The iframe checks it with the zod-free
 * `isConnectResultMessage`, which a test holds to this schema.
 */
export const connectResultMessageSchema = z.strictObject({
  source: z.literal(CONNECT_RESULT_SOURCE),
  type: z.literal(CONNECT_RESULT_TYPE),
  ticketId: connectTicketIdSchema,
  status: z.enum(CONNECT_RESULT_STATUSES),
  connectorAuthId: prefixedIdSchema('ca').nullable(),
  error: connectErrorCodeSchema.nullable(),
});
/** The popup's result message. */
export type ConnectResultMessage = z.infer<typeof connectResultMessageSchema>;

import { z } from 'zod';
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
export const connectErrorCodeSchema = z.enum([
  'access_denied',
  'provider_error',
  'exchange_failed',
  'invalid_response',
  'expired',
  'auth_unavailable',
  'unsupported',
  'consent_required',
  'server_error',
  /** The callback came back to a browser without the cookie `/oauth/start` set (a leaked URL). */
  'browser_mismatch',
]);
/** Connect error code. */
export type ConnectErrorCode = z.infer<typeof connectErrorCodeSchema>;

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
 * Ids and an error code only, never a credential.
 */
export const connectResultMessageSchema = z.strictObject({
  source: z.literal('patchbay'),
  type: z.literal('connect.result'),
  ticketId: connectTicketIdSchema,
  status: z.enum(['success', 'error']),
  connectorAuthId: prefixedIdSchema('ca').nullable(),
  error: connectErrorCodeSchema.nullable(),
});
/** The popup's result message. */
export type ConnectResultMessage = z.infer<typeof connectResultMessageSchema>;

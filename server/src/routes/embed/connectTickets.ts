import { connectTicketCreateSchema, connectTicketIdParamsSchema, connectTicketSchema, connectTicketStatusSchema } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { connectTicketStatus, createConnectTicket } from '../../oauth/connectTickets.ts';

/** `POST /embed/api/connect-tickets` and `GET /embed/api/connect-tickets/{id}` (docs/connecting.md). */
export function connectTicketsRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/embed/api/connect-tickets',
      summary: 'Start connecting an account (OAuth popup)',
      description:
        'Answers a single-use ticket (10 minutes) bound to this session’s end user, the connector and, for a reconnect, the ' +
        'auth being replaced (it keeps its id). Open `url` in a popup; the result is posted to the iframe and readable at ' +
        '`GET /embed/api/connect-tickets/{id}`. Unknown connectors and auths the caller may not use answer 404; an auth an ' +
        'administrator disabled cannot be reconnected (403 `forbidden`).',
      tags: ['embed'],
      auth: 'embedSession',
      body: connectTicketCreateSchema,
      status: 201,
      response: connectTicketSchema,
      errors: [403, 404],
      handler: ({ principal, body, requestId }) => createConnectTicket(ctx, principal, body, requestId),
    }),
    defineRoute({
      method: 'get',
      path: '/embed/api/connect-tickets/{id}',
      summary: 'Read the outcome of a connect ticket',
      description:
        'For polling when the popup cannot reach its opener. Only the end user who created the ticket sees it. The popup ' +
        'must finish in the browser that opened `url` (`/oauth/start` sets a cookie the callback requires); otherwise the ' +
        'ticket ends with `error: browser_mismatch`. A token endpoint that answers over 64 KB is `invalid_response`; one ' +
        'that is slower than 15 s or not allowed by the egress policy is `exchange_failed`.',
      tags: ['embed'],
      auth: 'embedSession',
      params: connectTicketIdParamsSchema,
      response: connectTicketStatusSchema,
      errors: [404],
      handler: ({ principal, params }) => connectTicketStatus(ctx, principal, params.id),
    }),
  ];
}

import { sessionCreateSchema, sessionSchema } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { limitRequests } from '../../http/rateLimits.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { exchangeSession } from '../../services/embed/sessions.ts';

/** `POST /embed/api/session`: a vendor-signed embed token in, an opaque short-lived session token out. */
export function sessionRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/embed/api/session',
      summary: 'Exchange an embed token for a session',
      description:
        'Verifies the vendor-signed embed token (docs/embed-token.md) and answers an opaque session token for `Authorization: Bearer` ' +
        'on the other `/embed/api` routes. The session lasts at most one hour and never beyond the embed token. ' +
        'Any problem with the token answers 401 with a `token_*` code.',
      tags: ['embed'],
      auth: 'none',
      body: sessionCreateSchema,
      bodyLimit: '32kb',
      status: 200,
      response: sessionSchema,
      errors: [401, 429],
      before: [limitRequests(ctx, { windowMs: 60_000, limit: ctx.config.sessionRateLimit, name: 'session' })],
      handler: ({ body, requestId, log }) => exchangeSession(ctx, body.token, { configId: body.configId, requestId, log }),
    }),
  ];
}

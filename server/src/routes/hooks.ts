import { webhookAcceptedSchema, webhookParamsSchema } from '@patchbay/shared';
import express, { type RequestHandler } from 'express';
import type { AppContext } from '../context.ts';
import { hashToken } from '../crypto/tokens.ts';
import { attemptBudget } from '../http/rateLimits.ts';
import { defineRoute, type RouteDef } from '../http/route.ts';
import { WEBHOOK_TOKEN_PATTERN } from '../services/integrations/webhooks.ts';
import { receiveWebhook, WEBHOOK_HEADERS } from '../services/runs/webhook.ts';

/** Largest inbound webhook body (SPEC §6). */
const MAX_BODY = '1mb';

/** `POST /hooks/{token}`: the webhook trigger (docs/runs.md, "Webhooks"). */
export function hooksRoutes(ctx: AppContext): RouteDef[] {
  const budget = attemptBudget(ctx, {
    windowMs: 60_000,
    limit: ctx.config.webhookRateLimit,
    name: 'webhook',
    message: 'Too many requests to this webhook; retry after the time in Retry-After',
  });
  // counted per webhook URL (by the token's hash: the token itself is never stored in the clear), before the body is read
  const perHook: RequestHandler = (req, _res, next) => {
    const token = String(req.params.token ?? '');
    // a token that cannot exist is answered 404 without touching the database
    if (!WEBHOOK_TOKEN_PATTERN.test(token)) return next();
    budget.consume(hashToken(token).slice(0, 32)).then(() => next(), next);
  };
  return [
    defineRoute({
      method: 'post',
      path: '/hooks/{token}',
      summary: 'Trigger an integration by webhook',
      description: [
        'The inbound URL of an integration whose flow is triggered by `webhook` (its `webhookUrl`). Any body up to 1 MB:',
        'JSON (`application/json`, `application/*+json`; not valid JSON answers 400), a form (`application/x-www-form-urlencoded`,',
        'an object, repeated keys as lists) or anything else as text. Queues a run with trigger `webhook` and answers its id (202);',
        'its templates see `trigger.body`, `trigger.query` and `trigger.headers`, which keeps only',
        `${WEBHOOK_HEADERS.map((h) => `\`${h}\``).join(', ')}.`,
        'An unknown (or rotated) URL answers 404, a disabled integration 409 `conflict`, a body over 1 MB 413 `body_too_large`;',
        'more than `PATCHBAY_WEBHOOK_RATE_LIMIT` requests a minute to one URL answer 429 with `Retry-After`. No authentication:',
        'the URL is the secret.',
      ].join(' '),
      tags: ['Webhooks'],
      auth: 'none',
      raw: true,
      params: webhookParamsSchema,
      before: [perHook, express.raw({ type: () => true, limit: MAX_BODY })],
      status: 202,
      response: webhookAcceptedSchema,
      errors: [404, 409, 413, 429],
      handler: ({ params, req }) =>
        receiveWebhook(ctx, params.token, {
          body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
          headers: req.headers,
          query: req.query,
        }),
    }),
  ];
}

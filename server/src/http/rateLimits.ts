import type { RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { AppError, sendError } from './errors.ts';

/**
 * A per-client rate limit answering `429 rate_limited` in the error envelope with `Retry-After`.
 * Clients are keyed by IP (IPv6 by /56), as `trust proxy` resolves it; `extraKey` can narrow the
 * bucket further (e.g. the e-mail of a login attempt). Memory store: one process (documented).
 */
export function limitRequests(opts: {
  windowMs: number;
  limit: number;
  name: string;
  extraKey?: (req: Parameters<RequestHandler>[0]) => string;
}): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: opts.name,
    keyGenerator: (req) => {
      const ip = ipKeyGenerator(req.ip ?? 'unknown', 56);
      return opts.extraKey ? `${ip}|${opts.extraKey(req)}` : ip;
    },
    handler: (_req, res) => {
      sendError(res, new AppError('rate_limited', 'Too many requests; retry after the time in Retry-After'));
    },
  });
}

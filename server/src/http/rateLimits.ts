import type { RequestHandler } from 'express';
import { ipKeyGenerator, MemoryStore, type Options, rateLimit, type Store } from 'express-rate-limit';
import { AppError, RateLimitedError } from '../errors.ts';
import { sendError } from './errors.ts';

/**
 * Where hit counts live: express-rate-limit's `Store` interface. Every limit defaults to its own
 * memory store (one process, documented); a shared store (e.g. the database) plugs in through the
 * `store` option of {@link limitRequests} and {@link attemptBudget}.
 */
export type RateLimitStore = Store;

/**
 * A per-client rate limit answering `429 rate_limited` in the error envelope with `Retry-After`.
 * Clients are keyed by IP (IPv6 by /56), as `trust proxy` resolves it; `extraKey` can narrow the
 * bucket further (e.g. the e-mail of a login attempt).
 */
export function limitRequests(opts: {
  windowMs: number;
  limit: number;
  name: string;
  extraKey?: (req: Parameters<RequestHandler>[0]) => string;
  store?: RateLimitStore;
}): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: opts.name,
    ...(opts.store ? { store: opts.store } : {}),
    keyGenerator: (req) => {
      const ip = ipKeyGenerator(req.ip ?? 'unknown', 56);
      return opts.extraKey ? `${ip}|${opts.extraKey(req)}` : ip;
    },
    handler: (_req, res) => {
      sendError(res, new AppError('rate_limited', 'Too many requests; retry after the time in Retry-After'));
    },
  });
}

/** A budget of attempts per key, counted where only the handler knows the key. */
export interface AttemptBudget {
  /** Counts one attempt for `key`; throws {@link RateLimitedError} (429, `Retry-After`) past the limit. */
  consume(key: string): Promise<void>;
}

/**
 * `limit` attempts per `windowMs` per key (an end user, a configuration, …), for limits keyed by
 * something known only after authentication. Every attempt counts, refused ones included.
 */
export function attemptBudget(opts: {
  windowMs: number;
  limit: number;
  name: string;
  message?: string;
  store?: RateLimitStore;
}): AttemptBudget {
  const store = opts.store ?? new MemoryStore();
  // The memory store reads only `windowMs` (and runs an unref'd purge timer).
  void store.init?.({ windowMs: opts.windowMs } as Options);
  return {
    async consume(key) {
      const { totalHits, resetTime } = await store.increment(`${opts.name}|${key}`);
      if (totalHits <= opts.limit) return;
      const resetAt = resetTime?.getTime() ?? Date.now() + opts.windowMs;
      throw new RateLimitedError((resetAt - Date.now()) / 1000, opts.message);
    },
  };
}

import type { RequestHandler } from 'express';
import { type ClientRateLimitInfo, ipKeyGenerator, type Options, rateLimit, type Store } from 'express-rate-limit';
import type { AppContext } from '../context.ts';
import { decrementRateLimitHit, findRateLimitHits, incrementRateLimitHit, resetRateLimitKey } from '../db/repos/rateLimits.ts';
import { AppError, RateLimitedError } from '../errors.ts';
import { sendError } from './errors.ts';

/**
 * Where every limit counts its hits, so a limit holds across every process on the database:
 * fixed-window counters in the `rate_limit_hits` table, one row per (limit, client key), counted
 * by one atomic upsert per hit and timed by the context's clock. One store per limit (`prefix`
 * keeps limits apart), as express-rate-limit requires.
 */
export class DatabaseRateLimitStore implements Store {
  readonly localKeys = false;
  private windowMs = 60_000;
  constructor(
    private readonly ctx: Pick<AppContext, 'db' | 'clock'>,
    readonly prefix: string,
  ) {}
  init(options: Pick<Options, 'windowMs'>): void {
    this.windowMs = options.windowMs;
  }
  private key(key: string): string {
    return `${this.prefix}|${key}`;
  }
  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const now = this.ctx.clock.now();
    const row = await findRateLimitHits(this.ctx.db, this.key(key), new Date(now).toISOString());
    return row ? { totalHits: row.hits, resetTime: new Date(row.resetAt) } : undefined;
  }
  async increment(key: string): Promise<ClientRateLimitInfo> {
    const now = this.ctx.clock.now();
    const { hits, resetAt } = await incrementRateLimitHit(
      this.ctx.db,
      this.key(key),
      new Date(now).toISOString(),
      new Date(now + this.windowMs).toISOString(),
    );
    return { totalHits: hits, resetTime: new Date(resetAt) };
  }
  async decrement(key: string): Promise<void> {
    await decrementRateLimitHit(this.ctx.db, this.key(key), new Date(this.ctx.clock.now()).toISOString());
  }
  async resetKey(key: string): Promise<void> {
    await resetRateLimitKey(this.ctx.db, this.key(key));
  }
}

/**
 * A per-client rate limit answering `429 rate_limited` in the error envelope with `Retry-After`.
 * Clients are keyed by IP (IPv6 by /56), as `trust proxy` resolves it; `extraKey` can narrow the
 * bucket further (e.g. the e-mail of a login attempt).
 */
export function limitRequests(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  opts: {
    windowMs: number;
    limit: number;
    name: string;
    extraKey?: (req: Parameters<RequestHandler>[0]) => string;
  },
): RequestHandler {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    identifier: opts.name,
    store: new DatabaseRateLimitStore(ctx, opts.name),
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
export function attemptBudget(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  opts: {
    windowMs: number;
    limit: number;
    name: string;
    message?: string;
  },
): AttemptBudget {
  const store = new DatabaseRateLimitStore(ctx, opts.name);
  store.init({ windowMs: opts.windowMs });
  return {
    async consume(key) {
      const { totalHits, resetTime } = await store.increment(key);
      if (totalHits <= opts.limit) return;
      const now = ctx.clock.now();
      const resetAt = resetTime?.getTime() ?? now + opts.windowMs;
      throw new RateLimitedError((resetAt - now) / 1000, opts.message);
    },
  };
}

import type { ApiTokenScope } from '@patchbay/shared';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { AdminPrincipal, EndUserPrincipal } from '../auth/principal.ts';
import type { Logger } from '../log.ts';

/**
 * How a route authenticates its caller: a vendor API token (`Authorization: Bearer pb_…`), the
 * admin console's cookie session (state-changing requests must also be same-origin), an embed
 * session (`Authorization: Bearer pbs_…`), or nothing.
 */
export type RouteAuth = 'apiToken' | 'adminSession' | 'embedSession' | 'none';

type Principal<A extends RouteAuth> = A extends 'apiToken' | 'adminSession'
  ? AdminPrincipal
  : A extends 'embedSession'
    ? EndUserPrincipal
    : null;

/** What a handler gets: parsed input and the caller. */
export interface HandlerInput<P, Q, B, A extends RouteAuth> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly principal: Principal<A>;
  readonly requestId: string;
  readonly log: Logger;
  readonly req: Request;
  readonly res: Response;
}

/**
 * One route, declared once: its path (OpenAPI style, `{id}`), schemas, auth, and handler.
 * The same declaration validates requests, shapes responses and generates the OpenAPI document.
 */
export interface RouteDef<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
  A extends RouteAuth = RouteAuth,
> {
  /** `all` answers every method (documented as GET, POST, PUT, PATCH and DELETE). */
  readonly method: 'get' | 'post' | 'put' | 'patch' | 'delete' | 'all';
  readonly path: string;
  readonly summary: string;
  readonly description?: string;
  readonly tags: readonly string[];
  readonly auth: A;
  /** API-token scope needed; defaults to `read` for GET and `write` otherwise. */
  readonly scope?: ApiTokenScope;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** The handler reads the body and writes the response itself (streaming); no JSON parsing. */
  readonly raw?: boolean;
  /** Largest accepted JSON body; defaults to 100 kB. */
  readonly bodyLimit?: string;
  readonly status?: 200 | 201 | 202 | 204;
  /** Response schema; parsing strips any field it does not name, a last guard against leaks. */
  readonly response?: R;
  /** Extra documented error codes besides the usual ones. */
  readonly errors?: readonly number[];
  /**
   * Embed-session writes are refused with 403 `consent_required` until the caller's scope has given
   * the consent its configuration asks for (see {@link needsConsent}); `true` only for the write
   * that gives it.
   */
  readonly consentExempt?: boolean;
  /** Express middleware run before the handler (e.g. a rate limit). */
  readonly before?: readonly import('express').RequestHandler[];
  readonly handler: (
    input: HandlerInput<z.infer<P>, z.infer<Q>, z.infer<B>, A>,
  ) => Promise<z.input<R> | undefined> | z.input<R> | undefined;
}

/**
 * Whether a route waits for consent: every embed-session route that is not a read (the iframe
 * renders the consent screen from reads) and not the consent route itself. Enforced at
 * authentication, before any parsing or handler, and documented in the OpenAPI document.
 */
export function needsConsent(route: Pick<RouteDef, 'auth' | 'method' | 'consentExempt'>): boolean {
  return route.auth === 'embedSession' && route.method !== 'get' && route.consentExempt !== true;
}

/** Declares a route with full type inference. */
export function defineRoute<
  P extends z.ZodType = z.ZodObject<{}>,
  Q extends z.ZodType = z.ZodObject<{}>,
  B extends z.ZodType = z.ZodUndefined,
  R extends z.ZodType = z.ZodUndefined,
  A extends RouteAuth = RouteAuth,
>(def: RouteDef<P, Q, B, R, A>): RouteDef {
  return def as unknown as RouteDef;
}

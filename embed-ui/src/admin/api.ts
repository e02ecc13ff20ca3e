import type * as S from '@patchbay/shared';
import type { z } from 'zod';
import { ApiError, toApiError } from '../lib/api.ts';

type In<T extends z.ZodType> = z.input<T>;
type Out<T extends z.ZodType> = z.output<T>;
/** A list answer of items of schema `T` (`pageOf(T)` on the server). */
type Page<T extends z.ZodType> = { items: Out<T>[]; nextCursor: string | null };

/** One endpoint's query, body and answer. */
interface Ep<Q = undefined, B = undefined, R = undefined> {
  query: Q;
  body: B;
  response: R;
}

/**
 * Every `/admin/api` call the console makes, typed by the shared zod schemas the server validates
 * and answers with (requests by their input type, answers by their output type). The key is the
 * method and the path below `/admin/api`, with `{name}` path parameters.
 */
export interface Endpoints {
  'POST /login': Ep<undefined, In<typeof S.loginSchema>, Out<typeof S.adminSessionSchema>>;
  'POST /logout': Ep;
  'GET /me': Ep<undefined, undefined, Out<typeof S.adminSessionSchema>>;

  'GET /integrations': Ep<In<typeof S.integrationListQuerySchema>, undefined, Out<typeof S.integrationPageSchema>>;
  'GET /integrations/{id}': Ep<undefined, undefined, Out<typeof S.integrationSchema>>;
  'POST /integrations/{id}/disable': Ep<undefined, undefined, Out<typeof S.integrationSchema>>;
  'POST /integrations/{id}/enable': Ep<undefined, undefined, Out<typeof S.integrationSchema>>;
  'POST /integrations/{id}/runs': Ep<undefined, In<typeof S.runStartSchema>, Out<typeof S.runAcceptedSchema>>;

  'GET /runs': Ep<In<typeof S.runListQuerySchema>, undefined, Out<typeof S.runPageSchema>>;
  'GET /runs/{id}': Ep<undefined, undefined, Out<typeof S.runSchema>>;
  'POST /runs/{id}/cancel': Ep<undefined, undefined, Out<typeof S.runSchema>>;
  'POST /runs/{id}/retry': Ep<undefined, undefined, Out<typeof S.runAcceptedSchema>>;

  'GET /callback-deliveries': Ep<In<typeof S.callbackDeliveryListQuerySchema>, undefined, Out<typeof S.callbackDeliveryPageSchema>>;
  'GET /callback-deliveries/{id}': Ep<undefined, undefined, Out<typeof S.callbackDeliveryDetailSchema>>;
  'POST /callback-deliveries/{id}/redeliver': Ep<undefined, undefined, Out<typeof S.callbackRedeliveredSchema>>;
  'POST /embed-configs/{id}/test-callback': Ep<undefined, undefined, Out<typeof S.callbackTestSchema>>;

  'GET /connector-auths': Ep<In<typeof S.connectorAuthListQuerySchema>, undefined, Out<typeof S.connectorAuthPageSchema>>;
  'GET /connector-auths/{id}': Ep<undefined, undefined, Out<typeof S.connectorAuthSchema>>;
  'POST /connector-auths/{id}/revoke': Ep<undefined, undefined, Out<typeof S.connectorAuthSchema>>;
  'POST /connector-auths/{id}/disable': Ep<undefined, undefined, Out<typeof S.connectorAuthSchema>>;
  'POST /connector-auths/{id}/enable': Ep<undefined, undefined, Out<typeof S.connectorAuthSchema>>;
  'DELETE /connector-auths/{id}': Ep<In<typeof S.connectorAuthDeleteQuerySchema>>;

  'GET /connectors': Ep<In<typeof S.pageQuerySchema>, undefined, Page<typeof S.connectorSchema>>;
  'GET /connectors/catalog': Ep<In<typeof S.connectorCatalogQuerySchema>, undefined, Page<typeof S.catalogEntrySchema>>;
  'POST /connectors': Ep<undefined, In<typeof S.connectorCreateSchema>, Out<typeof S.connectorSchema>>;
  'GET /connectors/{id}': Ep<undefined, undefined, Out<typeof S.connectorSchema>>;
  'PATCH /connectors/{id}': Ep<undefined, In<typeof S.connectorUpdateSchema>, Out<typeof S.connectorSchema>>;
  'DELETE /connectors/{id}': Ep;

  'GET /embed-configs': Ep<In<typeof S.pageQuerySchema>, undefined, Page<typeof S.embedConfigSchema>>;
  'POST /embed-configs': Ep<undefined, In<typeof S.embedConfigCreateSchema>, Out<typeof S.embedConfigCreatedSchema>>;
  'GET /embed-configs/{id}': Ep<undefined, undefined, Out<typeof S.embedConfigSchema>>;
  'PATCH /embed-configs/{id}': Ep<undefined, In<typeof S.embedConfigUpdateSchema>, Out<typeof S.embedConfigUpdatedSchema>>;
  'DELETE /embed-configs/{id}': Ep<In<typeof S.embedConfigDeleteQuerySchema>>;
  'POST /embed-configs/{id}/rotate-secret': Ep<undefined, In<typeof S.rotateSecretSchema>, Out<typeof S.issuedSecretSchema>>;
  'GET /embed-configs/{id}/keys': Ep<undefined, undefined, Page<typeof S.embedKeySchema>>;
  'POST /embed-configs/{id}/keys': Ep<undefined, In<typeof S.embedKeyCreateSchema>, Out<typeof S.embedKeyCreatedSchema>>;
  'DELETE /embed-configs/{id}/keys/{kid}': Ep<undefined, undefined, Out<typeof S.embedKeySchema>>;
  'POST /embed-configs/{id}/rotate-callback-secret': Ep<undefined, undefined, Out<typeof S.callbackSecretSchema>>;

  'GET /flows': Ep<In<typeof S.pageQuerySchema>, undefined, Page<typeof S.flowSchema>>;
  'POST /flows': Ep<undefined, In<typeof S.flowCreateSchema>, Out<typeof S.flowSchema>>;
  'GET /flows/{id}': Ep<undefined, undefined, Out<typeof S.flowSchema>>;
  'PATCH /flows/{id}': Ep<undefined, In<typeof S.flowUpdateSchema>, Out<typeof S.flowSchema>>;
  'DELETE /flows/{id}': Ep;
  'GET /flows/{id}/versions': Ep<In<typeof S.pageQuerySchema>, undefined, Page<typeof S.flowVersionSchema>>;
  'POST /flows/{id}/versions': Ep<undefined, In<typeof S.flowVersionCreateSchema>, Out<typeof S.flowVersionCreatedSchema>>;

  'GET /overview': Ep<undefined, undefined, Out<typeof S.overviewSchema>>;

  'GET /audit-events': Ep<In<typeof S.auditEventListQuerySchema>, undefined, Out<typeof S.auditEventPageSchema>>;

  'GET /admin-users': Ep<In<typeof S.pageQuerySchema>, undefined, Out<typeof S.adminUserPageSchema>>;
  'POST /admin-users': Ep<undefined, In<typeof S.adminUserCreateSchema>, Out<typeof S.adminUserSchema>>;
  'PUT /admin-users/{id}/permissions': Ep<undefined, In<typeof S.permissionsReplaceSchema>, Out<typeof S.adminUserSchema>>;

  'GET /api-tokens': Ep<In<typeof S.apiTokenListQuerySchema>, undefined, Out<typeof S.apiTokenPageSchema>>;
  'POST /api-tokens': Ep<undefined, In<typeof S.apiTokenCreateSchema>, Out<typeof S.apiTokenCreatedSchema>>;
  'DELETE /api-tokens/{id}': Ep<undefined, undefined, Out<typeof S.apiTokenSchema>>;
}

/** A console endpoint key, e.g. `GET /integrations/{id}`. */
export type Route = keyof Endpoints;
/** The answer of an endpoint. */
export type Answer<R extends Route> = Endpoints[R]['response'];
/** The items of a list endpoint's answer. */
export type ItemOf<R extends Route> = Answer<R> extends { items: (infer T)[] } ? T : never;

type ParamNames<P extends string> = P extends `${string}{${infer N}}${infer Rest}` ? N | ParamNames<Rest> : never;
/** What a call of endpoint `R` takes: its path parameters, query and body, each only where it has one. */
export type CallOptions<R extends Route> = ([ParamNames<R>] extends [never] ? {} : { params: Record<ParamNames<R>, string> }) &
  (Endpoints[R]['query'] extends undefined ? {} : { query?: Endpoints[R]['query'] }) &
  (Endpoints[R]['body'] extends undefined ? {} : { body: Endpoints[R]['body'] });

/** The console's API client. */
export interface ConsoleApi {
  /** Calls an endpoint; resolves with its answer or rejects with an {@link ApiError}. */
  call<R extends Route>(route: R, ...options: {} extends CallOptions<R> ? [CallOptions<R>?] : [CallOptions<R>]): Promise<Answer<R>>;
}

/** The URL of a call: path parameters filled in (encoded), query values that are set, in order. */
export function callUrl(route: string, options: { params?: Record<string, string>; query?: object } = {}): string {
  const [, template = ''] = route.split(' ');
  const path = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const value = options.params?.[name];
    if (value === undefined) throw new Error(`missing path parameter ${name} of ${route}`);
    return encodeURIComponent(value);
  });
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const qs = search.toString();
  return `/admin/api${path}${qs ? `?${qs}` : ''}`;
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/**
 * The client: the session cookie goes along (same origin only), JSON in and out, errors as
 * {@link ApiError} from the envelope. `onSignedOut` hears of a 401 (no or an expired session) so the
 * console can show the sign-in again; the call still rejects.
 */
export function createConsoleApi(onSignedOut: (error: ApiError) => void, fetchImpl: Fetch = (i, init) => fetch(i, init)): ConsoleApi {
  return {
    async call(route, ...rest) {
      const options = (rest[0] ?? {}) as { params?: Record<string, string>; query?: object; body?: unknown };
      const [method = 'GET'] = route.split(' ');
      const headers: Record<string, string> = { accept: 'application/json' };
      if (options.body !== undefined) headers['content-type'] = 'application/json';
      let res: Response;
      try {
        res = await fetchImpl(callUrl(route, options), {
          method,
          headers,
          credentials: 'same-origin',
          cache: 'no-store',
          ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
        });
      } catch {
        throw new ApiError(0, 'network_error', 'Network error');
      }
      if (res.status === 204) return undefined as never;
      let json: unknown = null;
      try {
        json = await res.json();
      } catch {
        json = null;
      }
      if (!res.ok) {
        const error = toApiError(res.status, json);
        if (res.status === 401 && route !== 'POST /login') onSignedOut(error);
        throw error;
      }
      return json as never;
    },
  };
}

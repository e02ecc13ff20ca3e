import { prefixedIdSchema } from '@patchbay/shared';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { proxyRequest } from '../../services/proxy/proxy.ts';

const proxyParamsSchema = z.object({
  connectorAuthId: prefixedIdSchema('ca'),
  // Express hands a `{path+}` wildcard over as its segments; the service reads the raw, still-encoded path itself.
  path: z.array(z.string()).min(1),
});

/** `ANY /api/v1/proxy/{connectorAuthId}/{path}`: calls the connector's API with the auth's credentials (docs/http-api.md). */
export function proxyRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'all',
      path: '/api/v1/proxy/{connectorAuthId}/{path+}',
      summary: "Call a connector's API with a connector auth",
      description: [
        "Forwards the request to the connector's `baseUrl` + `path` (query string included) with the auth's credentials",
        'injected; OAuth2 tokens are refreshed first when due, and once more (with one retry) when the service answers 401.',
        'Only a path below `baseUrl` is accepted: absolute URLs, `//`, `\\`, `@`, `.`/`..` segments and their percent-encoded',
        'forms answer 400, also with `;` parameters (`..;x`) and in Unicode forms that normalise (NFKC) to dots (`%EF%BC%8E`).',
        'Request headers passed on: `Content-Type`, `Accept`, `Accept-Language`, `If-Match`, `If-None-Match`, `If-Modified-Since`,',
        '`If-Unmodified-Since`, `Idempotency-Key`, `User-Agent`, and the headers the connector declares in `proxy.forwardHeaders`;',
        'nothing else (no `X-Forwarded-*`, `Forwarded`, client-address, rewrite or method-override headers such as `X-Original-URL`',
        'or `X-HTTP-Method-Override`). Request bodies up to 5 MB. The service answer is streamed back with its',
        'status (redirects are not followed); `Set-Cookie`, `Link`, `Refresh`, hop-by-hop and `Access-Control-*` headers are',
        'dropped, and a credential value injected into the call that comes back in any response header (`Location: …?api_key=…`,',
        'also URL-encoded) is replaced by `[redacted]`; answers over 50 MB are cut. A client that goes away mid-upload is',
        'logged as an aborted request.',
        'Errors: 422 `unprocessable` when the auth is not active (`details.reason`: `needs_reauth`, `revoked`, `disabled`),',
        '502 `upstream_error` when the service cannot be reached (`details.reason`: `blocked_address`, `timeout`, `network`,',
        '`too_large`), 503 `unavailable` when a token refresh failed for now. Needs the `run` scope; members need `run` on a',
        "group of the auth's configuration.",
      ].join(' '),
      tags: ['Proxy'],
      auth: 'apiToken',
      scope: 'run',
      raw: true,
      params: proxyParamsSchema,
      errors: [413, 422, 502, 503],
      handler: async ({ principal, params, req, res, log }) => {
        await proxyRequest(ctx, { principal, authId: params.connectorAuthId, req, res, log });
        return undefined;
      },
    }),
  ];
}

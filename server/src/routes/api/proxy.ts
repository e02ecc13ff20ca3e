import { prefixedIdSchema } from '@patchbay/shared';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../errors.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { type ProxySink, proxyRequest, runnableUpstreamAuth } from '../../services/proxy/proxy.ts';

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
        const authId = params.connectorAuthId;
        const target = await runnableUpstreamAuth(ctx, principal, authId);
        const tail = rawTail(req, authId);
        const call = { method: req.method, path: tail.path, query: tail.search, headers: req.headers, body: req, signal: clientGone(res) };
        await proxyRequest(ctx, target, call, responseSink(res), log);
        return undefined;
      },
    }),
  ];
}

/** The part of the raw (still percent-encoded) URL after `/api/v1/proxy/{id}/`, and the query string. */
function rawTail(req: Request, authId: string): { path: string; search: string } {
  const original = req.originalUrl;
  const q = original.indexOf('?');
  const pathname = q === -1 ? original : original.slice(0, q);
  const search = q === -1 ? '' : original.slice(q);
  const m = /^\/api\/v1\/proxy\/([^/]+)\/(.*)$/is.exec(pathname);
  let id: string | undefined;
  try {
    id = m?.[1] === undefined ? undefined : decodeURIComponent(m[1]);
  } catch {
    id = undefined;
  }
  if (!m || id !== authId) throw new AppError('bad_request', 'The proxy path is malformed');
  return { path: m[2] ?? '', search };
}

/** Aborts when the connection closes before the answer is complete: the client went away. */
function clientGone(res: Response): AbortSignal {
  const gone = new AbortController();
  if (res.closed) gone.abort();
  else
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
  return gone.signal;
}

/** The HTTP response as the proxy's sink: the head as status and headers, the body as the response stream itself. */
function responseSink(res: Response): ProxySink {
  return {
    head(status, headers) {
      for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
      res.status(status);
    },
    body: res,
  };
}

import express, { type Request, type RequestHandler, type Response, type Router } from 'express';
import type { z } from 'zod';
import { assertSameOrigin, authenticateAdminSession } from '../auth/adminSession.ts';
import { authenticateApiToken } from '../auth/apiTokenAuth.ts';
import { authenticateEmbedSession } from '../auth/embedSessionAuth.ts';
import { requireScope } from '../auth/permissions.ts';
import type { AppContext } from '../context.ts';
import { AppError, validationError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { assertNoProtoKeys } from './prototypeKeys.ts';
import { needsConsent, type RouteDef } from './route.ts';

/** `/api/v1/connectors/{id}` → `/api/v1/connectors/:id`; a `{path+}` tail becomes a wildcard. */
export function toExpressPath(path: string): string {
  return path.replace(/\{(\w+)\+\}/g, '*$1').replace(/\{(\w+)\}/g, ':$1');
}

function parse<T extends z.ZodType>(where: string, schema: T | undefined, value: unknown): z.infer<T> | undefined {
  if (!schema) return undefined;
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(where, result.error);
  return result.data;
}

const WRITE_METHODS = new Set(['post', 'put', 'patch', 'delete', 'all']);

/** Mounts route declarations on a router: body parsing, auth, scope, validation, handler, response shaping. */
export function mountRoutes(router: Router, ctx: AppContext, routes: readonly RouteDef[]): void {
  for (const route of routes) {
    const chain: RequestHandler[] = [];
    if (route.before) chain.push(...route.before);
    if (WRITE_METHODS.has(route.method) && !route.raw) {
      chain.push(express.json({ limit: route.bodyLimit ?? '100kb', strict: true, type: ['application/json', 'application/*+json'] }));
    }
    chain.push(async (req: Request, res: Response, next) => {
      try {
        const principal = await authenticate(ctx, route, req);
        const params = parse('params', route.params, req.params);
        const query = parse('query', route.query, req.query);
        if (route.body && !route.raw && WRITE_METHODS.has(route.method) && !req.is('application/json') && req.body === undefined) {
          throw new AppError('unsupported_media_type', 'Send the body as application/json');
        }
        if (!route.raw) assertNoProtoKeys('body', req.body);
        const body = route.raw ? undefined : parse('body', route.body, req.body ?? (route.body ? undefined : {}));
        const result = await route.handler({
          params,
          query,
          body,
          principal,
          requestId: res.locals.requestId as string,
          log: res.locals.log as Logger,
          req,
          res,
        } as never);
        if (res.headersSent) return;
        const status = route.status ?? 200;
        if (status === 204 || result === undefined) {
          res.status(status === 200 && result === undefined ? 204 : status).end();
          return;
        }
        res.status(status).json(route.response ? route.response.parse(result) : result);
      } catch (err) {
        next(err);
      }
    });
    router[route.method](toExpressPath(route.path), ...chain);
  }
}

async function authenticate(ctx: AppContext, route: RouteDef, req: Request) {
  switch (route.auth) {
    case 'none':
      return null;
    case 'apiToken': {
      const principal = await authenticateApiToken(ctx, req.get('authorization'));
      requireScope(principal, route.scope ?? (route.method === 'get' ? 'read' : 'write'));
      return principal;
    }
    case 'adminSession': {
      // A cookie rides along on cross-site requests: whatever changes state must be same-origin.
      if (WRITE_METHODS.has(route.method)) assertSameOrigin(ctx, req.get('origin'), req.get('sec-fetch-site'));
      return (await authenticateAdminSession(ctx, req.get('cookie'))).principal;
    }
    case 'embedSession':
      return authenticateEmbedSession(ctx, req.get('authorization'), { requireConsent: needsConsent(route) });
  }
}

/**
 * "Demo CRM API": a small upstream for tests, the demo and the benchmark. `GET /me` and
 * `GET /contacts` accept a bearer token only when the OAuth2 provider's introspection endpoint
 * says it is active (401 otherwise), or, in the OAuth1 variant, only requests whose OAuth1
 * signature verifies.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type Request } from 'express';

/** How the upstream checks its callers. */
export type UpstreamAuth =
  | { kind: 'bearer'; introspectionUrl: string; clientId: string; clientSecret: string }
  | { kind: 'oauth1'; verify: (req: Request) => boolean };

/** A running upstream. */
export interface TestUpstreamApi {
  readonly url: string;
  /** Requests seen, with whether they were authorized. */
  readonly calls: { method: string; path: string; authorized: boolean }[];
  close(): Promise<void>;
}

const CONTACTS = [
  { id: 'c1', name: 'Grace Hopper', email: 'grace@example.test' },
  { id: 'c2', name: 'Alan Turing', email: 'alan@example.test' },
];

async function introspect(
  auth: Extract<UpstreamAuth, { kind: 'bearer' }>,
  token: string,
): Promise<{ sub?: string; scope?: string } | null> {
  const res = await fetch(auth.introspectionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: auth.clientId, client_secret: auth.clientSecret }).toString(),
  });
  if (!res.ok) return null;
  const body = (await res.json()) as { active?: boolean; sub?: string; scope?: string };
  return body.active === true ? body : null;
}

/** Starts the upstream on loopback. */
export async function startUpstreamApi(auth: UpstreamAuth): Promise<TestUpstreamApi> {
  const calls: TestUpstreamApi['calls'] = [];
  const app = express();
  app.use(async (req, res, next) => {
    let who: { sub?: string; scope?: string } | null = null;
    if (auth.kind === 'bearer') {
      const m = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
      who = m ? await introspect(auth, m[1] as string) : null;
    } else if (auth.verify(req)) {
      who = { sub: 'oauth1-user' };
    }
    calls.push({ method: req.method, path: req.path, authorized: who !== null });
    if (!who) {
      res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
      return;
    }
    res.locals.who = who;
    next();
  });
  app.get('/me', (_req, res) => {
    const who = res.locals.who as { sub?: string; scope?: string };
    res.json({ id: who.sub ?? null, scope: who.scope ?? null, name: 'Demo CRM user' });
  });
  app.get('/contacts', (_req, res) => {
    res.json({ items: CONTACTS });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

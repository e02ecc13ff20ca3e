/**
 * "Demo CRM API": what the Demo CRM connector calls. Every request needs a bearer token that the
 * Demo CRM sign-in server's introspection endpoint calls active (401 otherwise). Contacts live in
 * memory, per signed-in CRM user.
 */
import express from 'express';
import { type Listening, listen } from './listen.ts';

/** A contact of the Demo CRM. */
export interface DemoContact {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  readonly list: string | null;
}

/** A running Demo CRM API. */
export interface DemoCrmApi {
  readonly url: string;
  /** Requests seen, with whether they were authorized (newest last). */
  readonly calls: { method: string; path: string; authorized: boolean }[];
  close(): Promise<void>;
}

/** Where the API checks tokens. */
export interface DemoCrmApiOptions {
  readonly port: number;
  readonly introspectionUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
}

const SAMPLE: readonly DemoContact[] = [
  { id: 'c1', name: 'Grace Hopper', email: 'grace@example.test', list: 'customers' },
  { id: 'c2', name: 'Alan Turing', email: 'alan@example.test', list: 'leads' },
];

async function introspect(opts: DemoCrmApiOptions, token: string): Promise<{ sub?: string; scope?: string } | null> {
  const res = await fetch(opts.introspectionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: opts.clientId, client_secret: opts.clientSecret }).toString(),
  });
  if (!res.ok) return null;
  const body = (await res.json()) as { active?: boolean; sub?: string; scope?: string };
  return body.active === true ? body : null;
}

/** Starts the API on `127.0.0.1:port`: `GET /me`, `GET /contacts`, `POST /contacts` `{name, email, list?}`. */
export async function startDemoCrmApi(opts: DemoCrmApiOptions): Promise<DemoCrmApi> {
  const calls: DemoCrmApi['calls'] = [];
  const contacts = new Map<string, DemoContact[]>();
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '32kb' }));
  app.use(async (req, res, next) => {
    const m = /^Bearer (\S+)$/.exec(req.get('authorization') ?? '');
    const who = m?.[1] ? await introspect(opts, m[1]).catch(() => null) : null;
    calls.push({ method: req.method, path: req.path, authorized: who !== null });
    if (!who) {
      res.status(401).set('www-authenticate', 'Bearer error="invalid_token"').json({ error: 'invalid_token' });
      return;
    }
    res.locals.sub = who.sub ?? 'unknown';
    res.locals.scope = who.scope ?? '';
    next();
  });
  const listOf = (sub: string): DemoContact[] => {
    let list = contacts.get(sub);
    if (!list) {
      list = [...SAMPLE];
      contacts.set(sub, list);
    }
    return list;
  };
  app.get('/me', (_req, res) => {
    res.json({ id: res.locals.sub, name: `Demo CRM user ${res.locals.sub}`, scope: res.locals.scope });
  });
  app.get('/contacts', (_req, res) => {
    res.json({ items: listOf(res.locals.sub as string) });
  });
  app.post('/contacts', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const email = typeof body.email === 'string' ? body.email.trim() : '';
    if (!name || !email) {
      res.status(400).json({ error: 'invalid_contact', message: 'name and email are required' });
      return;
    }
    const list = listOf(res.locals.sub as string);
    const contact: DemoContact = {
      id: `c${list.length + 1}`,
      name: name.slice(0, 200),
      email: email.slice(0, 200),
      list: typeof body.list === 'string' ? body.list.slice(0, 100) : null,
    };
    list.push(contact);
    res.status(201).json(contact);
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const listening: Listening = await listen(app, opts.port);
  return { url: `http://127.0.0.1:${listening.port}`, calls, close: () => listening.close() };
}

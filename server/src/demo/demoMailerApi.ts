/**
 * "Demo Mailer": a tiny API behind HTTP basic auth, for the demo's basic-auth connector. Only
 * the documented demo credentials pass; Patchbay's validation request (`GET /me`, expecting 200)
 * therefore refuses a wrong password at once.
 */
import crypto from 'node:crypto';
import express from 'express';
import { type Listening, listen } from './listen.ts';

/** The credentials the demo prints for the Demo Mailer connector. */
export const DEMO_MAILER_CREDENTIALS = { username: 'demo', password: 'demo-password' } as const;

/** A message the Demo Mailer "sent". */
export interface DemoMessage {
  readonly id: string;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** A running Demo Mailer. */
export interface DemoMailerApi {
  readonly url: string;
  /** Messages accepted so far (newest last). */
  readonly sent: DemoMessage[];
  close(): Promise<void>;
}

function sameText(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

/** Whether an `Authorization` header carries the demo credentials. */
export function isDemoMailerAuthorization(header: string | undefined): boolean {
  const m = /^Basic ([A-Za-z0-9+/=]+)$/.exec(header ?? '');
  if (!m?.[1]) return false;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return false;
  const userOk = sameText(decoded.slice(0, colon), DEMO_MAILER_CREDENTIALS.username);
  const passOk = sameText(decoded.slice(colon + 1), DEMO_MAILER_CREDENTIALS.password);
  return userOk && passOk;
}

/** Starts the mailer on `127.0.0.1:port`: `GET /me`, `POST /messages` `{to, subject, text}`, `GET /messages`. */
export async function startDemoMailerApi(opts: { port: number }): Promise<DemoMailerApi> {
  const sent: DemoMessage[] = [];
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '32kb' }));
  app.use((req, res, next) => {
    if (!isDemoMailerAuthorization(req.get('authorization'))) {
      res.status(401).set('www-authenticate', 'Basic realm="Demo Mailer"').json({ error: 'unauthorized' });
      return;
    }
    next();
  });
  app.get('/me', (_req, res) => {
    res.json({ username: DEMO_MAILER_CREDENTIALS.username, plan: 'demo' });
  });
  app.get('/messages', (_req, res) => {
    res.json({ items: [...sent].reverse() });
  });
  app.post('/messages', (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const to = typeof body.to === 'string' ? body.to.trim() : '';
    if (!to) {
      res.status(400).json({ error: 'invalid_message', message: '"to" is required' });
      return;
    }
    const message: DemoMessage = {
      id: `m${sent.length + 1}`,
      to: to.slice(0, 320),
      subject: typeof body.subject === 'string' ? body.subject.slice(0, 200) : '',
      text: typeof body.text === 'string' ? body.text.slice(0, 10_000) : '',
    };
    sent.push(message);
    res.status(201).json(message);
  });
  app.use((_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  const listening: Listening = await listen(app, opts.port);
  return { url: `http://127.0.0.1:${listening.port}`, sent, close: () => listening.close() };
}

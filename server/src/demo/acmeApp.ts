/**
 * "Acme CRM": the vendor's own app in the demo, on a second origin (`http://localhost:5174`
 * while Patchbay is on `http://127.0.0.1:3000`). Its page embeds the portal with a plain script
 * tag; its backend endpoint signs embed tokens with `@patchbay/sdk/node`, as a vendor's would.
 */
import type { SignEmbedTokenOptions } from '@patchbay/sdk/node';
import express from 'express';
import { ACME_ACCOUNT, ACME_CSS, ACME_JS, ACME_USERS, acmePageHtml } from './acmeAssets.ts';
import { acmeCallbackRouter } from './demoCallbacks.ts';
import { type Listening, listen } from './listen.ts';

/** What the Acme backend needs to sign tokens for the demo configuration. */
export interface AcmeAppOptions {
  readonly port: number;
  /** Patchbay's public URL, e.g. `http://127.0.0.1:3000`. */
  readonly patchbayUrl: string;
  readonly configId: string;
  readonly secret: string;
  readonly kid: string;
  /** The configuration's callback secret: Acme's backend then receives and shows the callbacks (demoCallbacks.ts). */
  readonly callbackSecret?: string;
}

/** A running Acme CRM. */
export interface AcmeApp {
  /** The page's URL, e.g. `http://localhost:5174`. */
  readonly url: string;
  close(): Promise<void>;
}

/** The page's Content-Security-Policy: scripts from itself and Patchbay, frames from Patchbay only. */
export function acmeCsp(patchbayUrl: string): string {
  const patchbay = new URL(patchbayUrl).origin;
  return [
    "default-src 'none'",
    `script-src 'self' ${patchbay}`,
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    `frame-src ${patchbay}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** Builds the Express app; `sign` is `signEmbedToken` from `@patchbay/sdk/node`. */
export function acmeExpressApp(
  opts: Omit<AcmeAppOptions, 'port'> & {
    origin: string;
    sign: (o: SignEmbedTokenOptions) => string;
    verify?: Parameters<typeof acmeCallbackRouter>[1];
  },
): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  const csp = acmeCsp(opts.patchbayUrl);
  const callbacks = opts.callbackSecret !== undefined && opts.verify !== undefined;
  const html = acmePageHtml({ patchbayUrl: opts.patchbayUrl, configId: opts.configId, callbacks });
  app.use((_req, res, next) => {
    res.set({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'strict-origin-when-cross-origin' });
    next();
  });
  app.get('/', (req, res) => {
    // The configuration allows the page's origin, http://localhost:port; 127.0.0.1:port is another origin.
    if (`http://${req.get('host') ?? ''}` !== opts.origin) {
      res.redirect(302, `${opts.origin}/`);
      return;
    }
    res.set({ 'content-security-policy': csp, 'cache-control': 'no-store' }).type('html').send(html);
  });
  app.get('/acme.css', (_req, res) => {
    res.set('cache-control', 'no-cache').type('css').send(ACME_CSS);
  });
  app.get('/acme.js', (_req, res) => {
    res.set('cache-control', 'no-cache').type('js').send(ACME_JS);
  });
  app.get('/favicon.ico', (_req, res) => {
    res.status(204).end();
  });
  // A real vendor backend would take the user from its own session; the demo's switcher says who.
  app.get('/api/patchbay-token', (req, res) => {
    const user = ACME_USERS.find((u) => u.id === req.query.user);
    res.set('cache-control', 'no-store');
    if (!user) {
      res
        .status(404)
        .type('text')
        .send(`Unknown demo user; use one of: ${ACME_USERS.map((u) => u.id).join(', ')}`);
      return;
    }
    const token = opts.sign({
      configId: opts.configId,
      secret: opts.secret,
      kid: opts.kid,
      user: { id: user.id, name: user.name, email: user.email },
      account: { id: ACME_ACCOUNT.id, name: ACME_ACCOUNT.name },
      expiresIn: 600,
    });
    res.type('text').send(token);
  });
  if (callbacks) app.use(acmeCallbackRouter(opts.callbackSecret as string, opts.verify as Parameters<typeof acmeCallbackRouter>[1]));
  app.use((_req, res) => {
    res.status(404).type('text').send('Not found');
  });
  return app;
}

/**
 * Starts Acme CRM on `127.0.0.1:port` (and on `[::1]:port` when it can, since browsers may
 * resolve `localhost` to either). The port must be known (not 0): it is part of the allowed origin.
 */
export async function startAcmeApp(opts: AcmeAppOptions): Promise<AcmeApp> {
  if (opts.port === 0) throw new Error('startAcmeApp needs a fixed port: it is part of the origin Patchbay allows');
  const origin = `http://localhost:${opts.port}`;
  // Loaded on use, so the bundled CLI loads even where the SDK's sources are not bundled in.
  const { signEmbedToken, verifyCallback } = await import('@patchbay/sdk/node');
  const app = acmeExpressApp({ ...opts, origin, sign: signEmbedToken, verify: verifyCallback });
  const v4: Listening = await listen(app, opts.port, '127.0.0.1');
  const v6 = await listen(app, opts.port, '::1').catch(() => null);
  return {
    url: origin,
    close: async () => {
      await Promise.all([v4.close(), v6?.close()]);
    },
  };
}

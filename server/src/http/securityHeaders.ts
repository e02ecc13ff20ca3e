import crypto from 'node:crypto';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Security headers per route class. helmet's defaults are wrong for an embeddable product
 * (`frame-ancestors 'self'`, `X-Frame-Options: SAMEORIGIN`, `COOP: same-origin`), so each class is
 * configured explicitly.
 */
const common = (hsts: boolean) => ({
  strictTransportSecurity: hsts ? { maxAge: 31_536_000, includeSubDomains: true } : false,
  xPoweredBy: false as const,
  referrerPolicy: { policy: 'no-referrer' as const },
  xContentTypeOptions: true,
});

/** JSON APIs (`/api/v1`, `/embed/api`, `/admin/api`): nothing to render, nothing to cache, never framed. */
export function apiHeaders(hsts: boolean): RequestHandler {
  const h = helmet({
    ...common(hsts),
    contentSecurityPolicy: { useDefaults: false, directives: { 'default-src': ["'none'"], 'frame-ancestors': ["'none'"] } },
    frameguard: { action: 'deny' },
    crossOriginOpenerPolicy: false,
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  return (req, res, next) => {
    res.setHeader('Cache-Control', 'no-store');
    h(req, res, next);
  };
}

/** The admin console: top-level only, strict CSP, same-origin everything. */
export function adminPageHeaders(hsts: boolean): RequestHandler {
  return helmet({
    ...common(hsts),
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'self'"],
        'script-src': ["'self'"],
        'style-src': ["'self'"],
        'img-src': ["'self'", 'data:', 'https:'],
        'connect-src': ["'self'"],
        'object-src': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'self'"],
        'frame-ancestors': ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
}

/**
 * The OAuth popup pages (`/oauth/start`, `/oauth/callback/…`): top-level only, nothing cached,
 * no referrer (the URL carries a code), a CSP that allows only this response's nonce'd script and
 * style, and no `Cross-Origin-Opener-Policy: same-origin`, which would cut `window.opener` and
 * with it the result message to the iframe. The nonce is in `res.locals.cspNonce`.
 */
export function oauthPageHeaders(hsts: boolean): RequestHandler {
  const nonce = (_req: unknown, res: unknown) => `'nonce-${(res as { locals: { cspNonce: string } }).locals.cspNonce}'`;
  const h = helmet({
    ...common(hsts),
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        'default-src': ["'none'"],
        'script-src': [nonce],
        'style-src': [nonce],
        'frame-ancestors': ["'none'"],
        'base-uri': ["'none'"],
        'form-action': ["'none'"],
      },
    },
    frameguard: { action: 'deny' },
    crossOriginOpenerPolicy: { policy: 'unsafe-none' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  return (req, res, next) => {
    res.locals.cspNonce = crypto.randomBytes(18).toString('base64');
    res.setHeader('Cache-Control', 'no-store');
    h(req, res, next);
  };
}

/** The CSP of an error page: nothing loads, nothing frames it. */
export const ERROR_PAGE_CSP = "default-src 'none'; frame-ancestors 'none'";

/**
 * Headers of the iframe page `/embed/{configId}`: a strict CSP whose `frame-ancestors` lists the
 * configuration's allowed-origin patterns (exact origins and `https://*.x` are CSP source
 * expressions as they stand; the caller passes only validated patterns), `'none'` when there are
 * none; no `X-Frame-Options` (it cannot express a list and would fight `frame-ancestors`), no
 * `Cross-Origin-Opener-Policy`, no referrer, nothing cached.
 */
export function embedPageHeaders(hsts: boolean, frameAncestors: readonly string[]): Record<string, string> {
  const ancestors = frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'";
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' https: data:",
    "connect-src 'self'",
    "font-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    `frame-ancestors ${ancestors}`,
  ].join('; ');
  return {
    'Content-Security-Policy': csp,
    'Referrer-Policy': 'no-referrer',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
    // A host page with COEP `require-corp` may still frame the portal.
    'Cross-Origin-Resource-Policy': 'cross-origin',
    ...(hsts ? { 'Strict-Transport-Security': 'max-age=31536000; includeSubDomains' } : {}),
  };
}

/**
 * Binds a popup flow to the browser that started it (SECURITY.md, O-15): `/oauth/start` sets a
 * random cookie and the flow keeps its SHA-256; the callback must bring the same cookie, so a
 * leaked authorize URL or callback completed in another browser fails.
 *
 * One cookie per browser, replaced on every start (pending flows of the old value move to the
 * new one, so two popups of one browser both finish). `__Host-pb_oauth` (Secure, host-only)
 * when the public URL is https; `pb_oauth` on plain-http development setups, where `__Host-`
 * cookies cannot be set. `SameSite=Lax` because the callback is a top-level navigation from
 * the provider's site; HttpOnly; as long as a flow lives.
 */
import crypto from 'node:crypto';
import type { Config } from '../config.ts';
import { hashToken, safeEqual } from '../crypto/tokens.ts';
import { FLOW_TTL_SECONDS } from './oauthFlows.ts';

/** A cookie value we issued: 32 random bytes, base64url. Anything else is ignored. */
const VALUE = /^[A-Za-z0-9_-]{43}$/;

/** What the popup page answers about the binding cookie: set a new value, or clear it. */
export type BindingCookie = { readonly set: string } | { readonly clear: true };

function isHttps(config: Pick<Config, 'publicUrl'>): boolean {
  return config.publicUrl.startsWith('https://');
}

/** The cookie's name. */
export function bindingCookieName(config: Pick<Config, 'publicUrl'>): string {
  return isHttps(config) ? '__Host-pb_oauth' : 'pb_oauth';
}

/** A cookie value as sent by the browser, or null when absent or not one we could have issued. */
export function bindingValue(raw: string | null | undefined): string | null {
  return raw && VALUE.test(raw) ? raw : null;
}

/** A fresh binding: the cookie value and the hash the flow keeps. */
export function newBinding(): { value: string; hash: string } {
  const value = crypto.randomBytes(32).toString('base64url');
  return { value, hash: hashToken(value) };
}

/** The hash of a cookie value. */
export function bindingHash(value: string): string {
  return hashToken(value);
}

/** Whether the browser's cookie is the one the flow was bound to (constant time; a flow without a binding never matches). */
export function bindingMatches(value: string | null, storedHash: string | null): boolean {
  if (value === null || storedHash === null) return false;
  return safeEqual(hashToken(value), storedHash);
}

/** The `Set-Cookie` header value for a binding cookie instruction. */
export function serializeBindingCookie(config: Pick<Config, 'publicUrl'>, cookie: BindingCookie): string {
  const value = 'set' in cookie ? cookie.set : '';
  const attrs = [
    `${bindingCookieName(config)}=${value}`,
    'Path=/',
    'HttpOnly',
    'SameSite=Lax',
    `Max-Age=${'set' in cookie ? FLOW_TTL_SECONDS : 0}`,
  ];
  if (isHttps(config)) attrs.push('Secure');
  return attrs.join('; ');
}

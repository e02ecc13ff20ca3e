import type { Config } from '../config.ts';
import { type AppContext, nowIso } from '../context.ts';
import { hashToken } from '../crypto/tokens.ts';
import { deleteAdminSession, findAdminSession, touchAdminSession } from '../db/repos/adminSessions.ts';
import { AppError } from '../errors.ts';
import { loadGroupPermissions } from './apiTokenAuth.ts';
import type { AdminPrincipal } from './principal.ts';

/** A console session ends after 30 minutes without a request… */
export const ADMIN_SESSION_IDLE_MS = 30 * 60_000;
/** …and 12 hours after sign-in, whatever happens. */
export const ADMIN_SESSION_ABSOLUTE_MS = 12 * 3600_000;
/** Prefix of the console's session tokens (in its cookie). */
export const ADMIN_SESSION_TOKEN_PREFIX = 'pbc_';

/** The session cookie's name: `__Host-` (host-only, Secure, Path=/) whenever the public URL is https. */
export function adminCookieName(config: Pick<Config, 'publicUrl'>): string {
  return isHttps(config) ? '__Host-pb_admin' : 'pb_admin';
}

/** Whether the public URL is https (cookies then get `Secure` and the `__Host-` prefix). */
export function isHttps(config: Pick<Config, 'publicUrl'>): boolean {
  return config.publicUrl.startsWith('https://');
}

/** Reads one cookie from a `Cookie` header (parsed by hand: a name, `=`, a value up to `;`). */
export function readCookie(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    if (part.slice(0, eq).trim() !== name) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    return value;
  }
  return null;
}

/**
 * CSRF rule for state-changing console requests: they must come from the console's own origin
 * (`Origin` equal to the public URL's origin, or `Sec-Fetch-Site: same-origin`). The cookie is
 * `SameSite=Lax` as well; this closes what Lax leaves open (same-site subdomains, top-level POSTs).
 */
export function assertSameOrigin(ctx: Pick<AppContext, 'config'>, origin: string | undefined, fetchSite: string | undefined): void {
  if (origin === new URL(ctx.config.publicUrl).origin || fetchSite === 'same-origin') return;
  throw new AppError('forbidden', 'This request must come from the admin console’s own origin');
}

/** A signed-in console session. */
export interface AdminSession {
  readonly principal: AdminPrincipal;
  readonly tokenHash: string;
  readonly expiresAt: string;
}

/**
 * Authenticates the console's session cookie: `401 unauthorized` without one, `401 session_expired`
 * when it is past its idle or absolute limit (the row is then deleted). Records activity.
 */
export async function authenticateAdminSession(ctx: AppContext, cookieHeader: string | undefined): Promise<AdminSession> {
  const token = readCookie(cookieHeader, adminCookieName(ctx.config));
  if (!token?.startsWith(ADMIN_SESSION_TOKEN_PREFIX) || token.length > 200) {
    throw new AppError('unauthorized', 'Sign in to the admin console first');
  }
  const tokenHash = hashToken(token);
  const row = await findAdminSession(ctx.db, tokenHash);
  if (!row || row.disabled_at !== null) throw new AppError('unauthorized', 'Sign in to the admin console first');
  const now = ctx.clock.now();
  if (Date.parse(row.expires_at) <= now || Date.parse(row.last_seen_at) + ADMIN_SESSION_IDLE_MS <= now) {
    await deleteAdminSession(ctx.db, tokenHash);
    throw new AppError('session_expired', 'The console session has expired; sign in again');
  }
  await touchAdminSession(ctx.db, tokenHash, nowIso(ctx));
  const principal: AdminPrincipal = {
    kind: 'admin',
    via: 'session',
    adminUserId: row.admin_user_id,
    tokenId: null,
    role: row.role,
    scopes: new Set(['read', 'write', 'run']),
    groups: row.role === 'member' ? await loadGroupPermissions(ctx, row.admin_user_id) : new Map(),
    sessionExpiresAt: row.expires_at,
  };
  return { principal, tokenHash, expiresAt: row.expires_at };
}

import { adminUserSchema, loginSchema, timestampSchema } from '@patchbay/shared';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { loadGroupPermissions } from '../../auth/apiTokenAuth.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import type { Config } from '../../config.ts';
import { type AppContext, nowIso } from '../../context.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../../crypto/passwords.ts';
import { hashToken, newSecret } from '../../crypto/tokens.ts';
import { GateBusyError, WorkGate } from '../../crypto/workGate.ts';
import { deleteAdminSession, findAdminSession, insertAdminSession, touchAdminSession } from '../../db/repos/adminSessions.ts';
import { findAdminUser, findAdminUserByEmail } from '../../db/repos/adminUsers.ts';
import { AppError, RateLimitedError } from '../../errors.ts';
import { limitRequests } from '../../http/rateLimits.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { loadAdminUser } from '../../services/admins/manageAdminUsers.ts';
import { recordAudit } from '../../services/audit/recordAudit.ts';

/** A console session ends after 30 minutes without a request… */
export const ADMIN_SESSION_IDLE_MS = 30 * 60_000;
/** …and 12 hours after sign-in, whatever happens. */
export const ADMIN_SESSION_ABSOLUTE_MS = 12 * 3600_000;
const LOGIN_WINDOW_MS = 15 * 60_000;
const SESSION_TOKEN_PREFIX = 'pbc_';

/** `POST /admin/api/login` and `GET /admin/api/me` answer: who is signed in and until when at the latest. */
const adminSessionSchema = z.object({ user: adminUserSchema, expiresAt: timestampSchema }).meta({ id: 'AdminSession' });

/** The session cookie's name: `__Host-` (host-only, Secure, Path=/) whenever the public URL is https. */
export function adminCookieName(config: Pick<Config, 'publicUrl'>): string {
  return isHttps(config) ? '__Host-pb_admin' : 'pb_admin';
}

function isHttps(config: Pick<Config, 'publicUrl'>): boolean {
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

function setSessionCookie(ctx: AppContext, res: Response, token: string, maxAgeSeconds: number): void {
  const attrs = [`${adminCookieName(ctx.config)}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
  if (isHttps(ctx.config)) attrs.push('Secure');
  res.setHeader('Set-Cookie', attrs.join('; '));
}

/**
 * CSRF guard for state-changing console routes: the request must come from the console's own
 * origin (`Origin` equal to the public URL's origin, or `Sec-Fetch-Site: same-origin`).
 */
export function requireSameOrigin(ctx: AppContext): RequestHandler {
  const expected = new URL(ctx.config.publicUrl).origin;
  return (req, _res, next) => {
    const origin = req.get('origin');
    if (origin === expected || req.get('sec-fetch-site') === 'same-origin') return next();
    next(new AppError('forbidden', 'This request must come from the admin console’s own origin'));
  };
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
export function authenticateAdminSession(ctx: AppContext, req: Request): AdminSession {
  const token = readCookie(req.get('cookie'), adminCookieName(ctx.config));
  if (!token?.startsWith(SESSION_TOKEN_PREFIX) || token.length > 200) {
    throw new AppError('unauthorized', 'Sign in to the admin console first');
  }
  const tokenHash = hashToken(token);
  const row = findAdminSession(ctx.db, tokenHash);
  if (!row || row.disabled_at !== null) throw new AppError('unauthorized', 'Sign in to the admin console first');
  const now = ctx.clock.now();
  if (Date.parse(row.expires_at) <= now || Date.parse(row.last_seen_at) + ADMIN_SESSION_IDLE_MS <= now) {
    deleteAdminSession(ctx.db, tokenHash);
    throw new AppError('session_expired', 'The console session has expired; sign in again');
  }
  touchAdminSession(ctx.db, tokenHash, nowIso(ctx));
  const principal: AdminPrincipal = {
    kind: 'admin',
    via: 'session',
    adminUserId: row.admin_user_id,
    tokenId: null,
    role: row.role,
    scopes: new Set(['read', 'write', 'run']),
    groups: row.role === 'member' ? loadGroupPermissions(ctx, row.admin_user_id) : new Map(),
  };
  return { principal, tokenHash, expiresAt: row.expires_at };
}

function loginEmail(req: Request): string {
  const email = (req.body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email.trim().toLowerCase().slice(0, 320) : '';
}

/**
 * Checks a password under the gate: at most `passwordHashConcurrency` scrypt jobs at once, so a
 * flood of sign-ins cannot hold libuv's whole thread pool; one that waits too long answers
 * `429 rate_limited` with `Retry-After` instead.
 */
async function gatedVerify(gate: WorkGate, password: string, hash: string): Promise<boolean> {
  try {
    return await gate.run(() => verifyPassword(password, hash));
  } catch (err) {
    if (!(err instanceof GateBusyError)) throw err;
    throw new RateLimitedError(gate.maxWaitMs / 1000, 'Too many sign-ins are being checked; retry after the time in Retry-After');
  }
}

/** The console's sign-in routes under `/admin/api`; they read the cookie themselves (auth `none`). */
export function authRoutes(ctx: AppContext): RouteDef[] {
  const sameOrigin = requireSameOrigin(ctx);
  // Two budgets: per client IP (many e-mails from one address) and per IP and e-mail (one account).
  const loginIpLimit = limitRequests({ windowMs: LOGIN_WINDOW_MS, limit: ctx.config.loginIpRateLimit, name: 'login-ip' });
  const loginLimit = limitRequests({ windowMs: LOGIN_WINDOW_MS, limit: ctx.config.loginRateLimit, name: 'login', extraKey: loginEmail });
  const passwordGate = new WorkGate(ctx.config.passwordHashConcurrency, ctx.config.passwordHashMaxWaitMs);

  return [
    defineRoute({
      method: 'post',
      path: '/admin/api/login',
      summary: 'Sign in to the admin console',
      tags: ['Admin console'],
      auth: 'none',
      body: loginSchema,
      bodyLimit: '10kb',
      response: adminSessionSchema,
      errors: [403, 429],
      // The body is parsed before the rate limits so attempts are counted per client and e-mail.
      before: [sameOrigin, express.json({ limit: '10kb', strict: true }), loginIpLimit, loginLimit],
      handler: async ({ body, req, res, requestId, log }) => {
        const user = findAdminUserByEmail(ctx.db, body.email.trim());
        // Unknown e-mails are checked against a dummy hash so both failures take the same time.
        const passwordOk = await gatedVerify(passwordGate, body.password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
        if (!user || !passwordOk || user.disabled_at !== null) {
          log.warn('admin login failed', { adminUserId: user?.id ?? null });
          throw new AppError('login_failed', 'The e-mail or the password is wrong');
        }
        const previous = readCookie(req.get('cookie'), adminCookieName(ctx.config));
        const token = newSecret(SESSION_TOKEN_PREFIX);
        const now = ctx.clock.now();
        const createdAt = new Date(now).toISOString();
        const expiresAt = new Date(now + ADMIN_SESSION_ABSOLUTE_MS).toISOString();
        ctx.db.tx(() => {
          // A fresh token at every sign-in; a session the browser still held is dropped (no fixation).
          if (previous) deleteAdminSession(ctx.db, hashToken(previous));
          insertAdminSession(ctx.db, {
            token_hash: hashToken(token),
            admin_user_id: user.id,
            created_at: createdAt,
            expires_at: expiresAt,
            last_seen_at: createdAt,
          });
          recordAudit(
            ctx,
            { kind: 'admin', via: 'session', adminUserId: user.id, tokenId: null, role: user.role, scopes: new Set(), groups: new Map() },
            { action: 'admin_session.created', objectType: 'admin_user', objectId: user.id, requestId },
          );
        });
        setSessionCookie(ctx, res, token, ADMIN_SESSION_ABSOLUTE_MS / 1000);
        log.info('admin signed in', { adminUserId: user.id });
        return { user: loadAdminUser(ctx, user.id), expiresAt };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/admin/api/logout',
      summary: 'Sign out of the admin console',
      tags: ['Admin console'],
      auth: 'none',
      status: 204,
      errors: [403],
      before: [sameOrigin],
      handler: ({ req, res, requestId }) => {
        const token = readCookie(req.get('cookie'), adminCookieName(ctx.config));
        if (token) {
          const tokenHash = hashToken(token);
          const session = findAdminSession(ctx.db, tokenHash);
          if (session) {
            ctx.db.tx(() => {
              deleteAdminSession(ctx.db, tokenHash);
              recordAudit(
                ctx,
                {
                  kind: 'admin',
                  via: 'session',
                  adminUserId: session.admin_user_id,
                  tokenId: null,
                  role: session.role,
                  scopes: new Set(),
                  groups: new Map(),
                },
                { action: 'admin_session.deleted', objectType: 'admin_user', objectId: session.admin_user_id, requestId },
              );
            });
          }
        }
        setSessionCookie(ctx, res, '', 0);
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/admin/api/me',
      summary: 'The signed-in admin',
      tags: ['Admin console'],
      auth: 'none',
      response: adminSessionSchema,
      handler: ({ req }) => {
        const session = authenticateAdminSession(ctx, req);
        const user = findAdminUser(ctx.db, session.principal.adminUserId);
        if (!user) throw new AppError('unauthorized', 'Sign in to the admin console first');
        return { user: loadAdminUser(ctx, user.id), expiresAt: session.expiresAt };
      },
    }),
  ];
}

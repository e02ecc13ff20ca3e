import { adminSessionSchema, loginSchema } from '@patchbay/shared';
import express, { type Request, type RequestHandler, type Response } from 'express';
import {
  ADMIN_SESSION_ABSOLUTE_MS,
  ADMIN_SESSION_TOKEN_PREFIX,
  adminCookieName,
  assertSameOrigin,
  isHttps,
  readCookie,
} from '../../auth/adminSession.ts';
import type { AppContext } from '../../context.ts';
import { inTransaction } from '../../context.ts';
import { DUMMY_PASSWORD_HASH, verifyPassword } from '../../crypto/passwords.ts';
import { hashToken, newSecret } from '../../crypto/tokens.ts';
import { GateBusyError, WorkGate } from '../../crypto/workGate.ts';
import { deleteAdminSession, findAdminSession, insertAdminSession } from '../../db/repos/adminSessions.ts';
import { findAdminUser, findAdminUserByEmail } from '../../db/repos/adminUsers.ts';
import { AppError, RateLimitedError } from '../../errors.ts';
import { limitRequests } from '../../http/rateLimits.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { loadAdminUser } from '../../services/admins/manageAdminUsers.ts';
import { recordAudit } from '../../services/audit/recordAudit.ts';

const LOGIN_WINDOW_MS = 15 * 60_000;

function setSessionCookie(ctx: AppContext, res: Response, token: string, maxAgeSeconds: number): void {
  const attrs = [`${adminCookieName(ctx.config)}=${token}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
  if (isHttps(ctx.config)) attrs.push('Secure');
  res.setHeader('Set-Cookie', attrs.join('; '));
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

/** Express middleware of {@link assertSameOrigin}, for the sign-in routes that read the cookie themselves. */
function requireSameOrigin(ctx: AppContext): RequestHandler {
  return (req, _res, next) => {
    try {
      assertSameOrigin(ctx, req.get('origin'), req.get('sec-fetch-site'));
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** The console's sign-in routes under `/admin/api`; they read the cookie themselves (auth `none`). */
export function authRoutes(ctx: AppContext): RouteDef[] {
  const sameOrigin = requireSameOrigin(ctx);
  // Two budgets: per client IP (many e-mails from one address) and per IP and e-mail (one account).
  const loginIpLimit = limitRequests(ctx, { windowMs: LOGIN_WINDOW_MS, limit: ctx.config.loginIpRateLimit, name: 'login-ip' });
  const loginLimit = limitRequests(ctx, {
    windowMs: LOGIN_WINDOW_MS,
    limit: ctx.config.loginRateLimit,
    name: 'login',
    extraKey: loginEmail,
  });
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
        const user = await findAdminUserByEmail(ctx.db, body.email.trim());
        // Unknown e-mails are checked against a dummy hash so both failures take the same time.
        const passwordOk = await gatedVerify(passwordGate, body.password, user?.password_hash ?? DUMMY_PASSWORD_HASH);
        if (!user || !passwordOk || user.disabled_at !== null) {
          log.warn('admin login failed', { adminUserId: user?.id ?? null });
          throw new AppError('login_failed', 'The e-mail or the password is wrong');
        }
        const previous = readCookie(req.get('cookie'), adminCookieName(ctx.config));
        const token = newSecret(ADMIN_SESSION_TOKEN_PREFIX);
        const now = ctx.clock.now();
        const createdAt = new Date(now).toISOString();
        const expiresAt = new Date(now + ADMIN_SESSION_ABSOLUTE_MS).toISOString();
        await inTransaction(ctx, async (txCtx) => {
          // A fresh token at every sign-in; a session the browser still held is dropped (no fixation).
          if (previous) await deleteAdminSession(txCtx.db, hashToken(previous));
          await insertAdminSession(txCtx.db, {
            token_hash: hashToken(token),
            admin_user_id: user.id,
            created_at: createdAt,
            expires_at: expiresAt,
            last_seen_at: createdAt,
          });
          await recordAudit(
            txCtx,
            { kind: 'admin', via: 'session', adminUserId: user.id, tokenId: null, role: user.role, scopes: new Set(), groups: new Map() },
            { action: 'admin_session.created', objectType: 'admin_user', objectId: user.id, requestId },
          );
        });
        setSessionCookie(ctx, res, token, ADMIN_SESSION_ABSOLUTE_MS / 1000);
        log.info('admin signed in', { adminUserId: user.id });
        return { user: await loadAdminUser(ctx, user.id), expiresAt };
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
      handler: async ({ req, res, requestId }) => {
        const token = readCookie(req.get('cookie'), adminCookieName(ctx.config));
        if (token) {
          const tokenHash = hashToken(token);
          const session = await findAdminSession(ctx.db, tokenHash);
          if (session) {
            await inTransaction(ctx, async (txCtx) => {
              await deleteAdminSession(txCtx.db, tokenHash);
              await recordAudit(
                txCtx,
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
      auth: 'adminSession',
      response: adminSessionSchema,
      handler: async ({ principal }) => {
        const user = await findAdminUser(ctx.db, principal.adminUserId);
        if (!user) throw new AppError('unauthorized', 'Sign in to the admin console first');
        return { user: await loadAdminUser(ctx, user.id), expiresAt: principal.sessionExpiresAt as string };
      },
    }),
  ];
}

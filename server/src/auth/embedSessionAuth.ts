import { type AppContext, nowIso } from '../context.ts';
import { hashToken } from '../crypto/tokens.ts';
import { findEmbedSession } from '../db/repos/embedSessions.ts';
import { AppError } from '../errors.ts';
import { bearerToken } from './apiTokenAuth.ts';
import { requireConsent } from './consentGate.ts';
import type { EndUserPrincipal } from './principal.ts';

/** Prefix of the opaque session tokens the iframe holds in memory. */
export const SESSION_TOKEN_PREFIX = 'pbs_';

/**
 * Authenticates an embed session token. `401 session_expired` (the iframe then asks the SDK for a
 * fresh embed token) once the session is past its expiry, and once the signing key that minted it
 * is revoked or past its rotation grace period (J-12): that is checked on every call, so it holds
 * at once on every process. Sessions from before the key was recorded (`key_kid` NULL, created
 * before migration 0003) cannot be tied to a key and live to their own expiry, at most one hour.
 * With `requireConsent` (embed writes), `403 consent_required` while the configuration asks for
 * consent and the caller's scope has not given it.
 */
export async function authenticateEmbedSession(
  ctx: AppContext,
  authorization: string | undefined,
  opts: { requireConsent?: boolean } = {},
): Promise<EndUserPrincipal> {
  const token = bearerToken(authorization);
  if (!token?.startsWith(SESSION_TOKEN_PREFIX) || token.length > 100) {
    throw new AppError('unauthorized', 'Send the session token as `Authorization: Bearer pbs_…`');
  }
  const now = nowIso(ctx);
  const row = await findEmbedSession(ctx.db, hashToken(token), now);
  if (!row) throw new AppError('unauthorized', 'The session token is not valid');
  if (row.expires_at <= now) throw new AppError('session_expired', 'The session has expired; exchange a fresh embed token');
  if (row.key_kid !== null && row.key_usable !== 1) {
    throw new AppError('session_expired', 'The signing key behind this session is no longer active; exchange a fresh embed token');
  }
  if (row.enabled !== 1) throw new AppError('config_disabled', 'This embed configuration is disabled');
  const principal: EndUserPrincipal = {
    kind: 'end_user',
    endUserId: row.end_user_id,
    configId: row.config_id,
    embedUserId: row.user_id,
    embedAccountId: row.account_id,
    sharingLevel: row.sharing_level,
    sessionExpiresAt: row.expires_at,
  };
  if (opts.requireConsent) await requireConsent(ctx.db, principal);
  return principal;
}

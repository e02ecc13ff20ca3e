import { type AppContext, nowIso } from '../context.ts';
import { hashToken } from '../crypto/tokens.ts';
import { findEmbedSession } from '../db/repos/embedSessions.ts';
import { AppError } from '../http/errors.ts';
import { bearerToken } from './apiTokenAuth.ts';
import type { EndUserPrincipal } from './principal.ts';

/** Prefix of the opaque session tokens the iframe holds in memory. */
export const SESSION_TOKEN_PREFIX = 'pbs_';

/** Authenticates an embed session token; `401 session_expired` once it is past its expiry. */
export function authenticateEmbedSession(ctx: AppContext, authorization: string | undefined): EndUserPrincipal {
  const token = bearerToken(authorization);
  if (!token?.startsWith(SESSION_TOKEN_PREFIX) || token.length > 100) {
    throw new AppError('unauthorized', 'Send the session token as `Authorization: Bearer pbs_…`');
  }
  const row = findEmbedSession(ctx.db, hashToken(token));
  if (!row) throw new AppError('unauthorized', 'The session token is not valid');
  if (row.expires_at <= nowIso(ctx)) throw new AppError('session_expired', 'The session has expired; exchange a fresh embed token');
  if (row.enabled !== 1) throw new AppError('config_disabled', 'This embed configuration is disabled');
  return {
    kind: 'end_user',
    endUserId: row.end_user_id,
    configId: row.config_id,
    embedUserId: row.user_id,
    embedAccountId: row.account_id,
    sharingLevel: row.sharing_level,
    sessionExpiresAt: row.expires_at,
  };
}

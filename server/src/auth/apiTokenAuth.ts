import { type ApiTokenScope, apiTokenScopeSchema } from '@patchbay/shared';
import { z } from 'zod';
import { type AppContext, nowIso } from '../context.ts';
import { hashToken } from '../crypto/tokens.ts';
import { listGroupPermissions } from '../db/repos/adminUsers.ts';
import { findLiveApiToken, touchApiToken } from '../db/repos/apiTokens.ts';
import { AppError } from '../errors.ts';
import type { AdminPrincipal, GroupPermission } from './principal.ts';

/** Prefix of every vendor API token. */
export const API_TOKEN_PREFIX = 'pb_';
const TOKEN_SHAPE = /^pb_[A-Za-z0-9_-]{43}$/;

/** Reads `Authorization: Bearer …`; answers the token or null. */
export function bearerToken(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return match?.[1] ?? null;
}

/** Loads a member's group permissions into a map. */
export async function loadGroupPermissions(ctx: AppContext, adminUserId: string): Promise<Map<string, GroupPermission>> {
  return new Map(
    (await listGroupPermissions(ctx.db, adminUserId)).map((p) => [
      p.group_id,
      { view: p.can_view === 1 || p.can_run === 1 || p.can_manage === 1, run: p.can_run === 1, manage: p.can_manage === 1 },
    ]),
  );
}

/** Authenticates a vendor API token; throws `401 unauthorized` for anything but a live `pb_…` token. */
export async function authenticateApiToken(ctx: AppContext, authorization: string | undefined): Promise<AdminPrincipal> {
  const token = bearerToken(authorization);
  if (!token) throw new AppError('unauthorized', 'Send an API token as `Authorization: Bearer pb_…`');
  if (!TOKEN_SHAPE.test(token)) throw new AppError('unauthorized', 'The API token is not valid');
  const now = nowIso(ctx);
  const row = await findLiveApiToken(ctx.db, hashToken(token), now);
  if (!row) throw new AppError('unauthorized', 'The API token is not valid, expired or revoked');
  await touchApiToken(ctx.db, row.id, now, row.last_used_at);
  const scopes = z.array(apiTokenScopeSchema).parse(JSON.parse(row.scopes)) as ApiTokenScope[];
  return {
    kind: 'admin',
    via: 'api_token',
    adminUserId: row.admin_user_id,
    tokenId: row.id,
    role: row.role,
    scopes: new Set(scopes),
    groups: row.role === 'member' ? await loadGroupPermissions(ctx, row.admin_user_id) : new Map(),
  };
}

import {
  type ApiTokenScope,
  type apiTokenCreateSchema,
  type apiTokenListQuerySchema,
  type apiTokenSchema,
  apiTokenScopeSchema,
} from '@patchbay/shared';
import { z } from 'zod';
import { requireAdminRole } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { afterCursor, toPage } from '../../db/keyset.ts';
import { findAdminUser } from '../../db/repos/adminUsers.ts';
import { type ApiTokenRow, findApiToken, listApiTokens, revokeApiToken } from '../../db/repos/apiTokens.ts';
import { AppError, notFound } from '../../errors.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { createApiToken } from './apiTokens.ts';

type ApiToken = z.input<typeof apiTokenSchema>;
const scopesSchema = z.array(apiTokenScopeSchema);

function toApiToken(row: ApiTokenRow): ApiToken {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: scopesSchema.parse(JSON.parse(row.scopes)),
    adminUserId: row.admin_user_id,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** Tokens of other admins are for owners and admins; an owner's tokens are for owners only. */
async function requireAuthorityOver(ctx: AppContext, p: AdminPrincipal, adminUserId: string, action: string): Promise<void> {
  if (adminUserId === p.adminUserId) return;
  requireAdminRole(p, `${action} API tokens of other admin users`);
  const target = await findAdminUser(ctx.db, adminUserId);
  if (!target) throw notFound('Admin user', adminUserId);
  if (target.role === 'owner' && p.role !== 'owner') throw new AppError('forbidden', `Only owners can ${action} API tokens of owners`);
}

/**
 * Issues a token for the caller or (owners and admins) another admin user. A token can only
 * grant scopes its creator holds, so a read/write token cannot mint a `run` token.
 */
export async function createApiTokenFor(
  ctx: AppContext,
  p: AdminPrincipal,
  input: z.infer<typeof apiTokenCreateSchema>,
): Promise<ApiToken & { token: string }> {
  const adminUserId = input.adminUserId ?? p.adminUserId;
  await requireAuthorityOver(ctx, p, adminUserId, 'create');
  const missing = input.scopes.filter((s: ApiTokenScope) => !p.scopes.has(s));
  if (missing.length > 0) {
    throw new AppError('insufficient_scope', `A token can only grant scopes its creator holds; this one lacks ${missing.join(', ')}`);
  }
  if (input.expiresAt && Date.parse(input.expiresAt) <= Date.parse(nowIso(ctx))) {
    throw new AppError('validation_failed', 'Invalid request: body.expiresAt', {
      issues: [{ path: 'body.expiresAt', message: 'must be in the future' }],
    });
  }
  if ((await findAdminUser(ctx.db, adminUserId))?.disabled_at) throw new AppError('conflict', `Admin user ${adminUserId} is disabled`);
  const { id, token } = await createApiToken(ctx, p, {
    adminUserId,
    name: input.name,
    scopes: input.scopes,
    expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : null,
  });
  return { ...toApiToken((await findApiToken(ctx.db, id)) as ApiTokenRow), token };
}

/** The caller's tokens; owners and admins see everyone's (optionally one admin user's). */
export async function listApiTokensFor(ctx: AppContext, p: AdminPrincipal, query: z.infer<typeof apiTokenListQuerySchema>) {
  if (query.adminUserId !== undefined && query.adminUserId !== p.adminUserId) requireAdminRole(p, 'list API tokens of other admin users');
  const adminUserId = p.role === 'member' ? p.adminUserId : query.adminUserId;
  const rows = await listApiTokens(ctx.db, { adminUserId }, afterCursor(query.cursor, 'created_at', 'id'), query.limit + 1);
  return toPage(rows, query.limit, (r) => ({ t: r.created_at, id: r.id }), toApiToken);
}

/** Revokes a token; revoking a revoked one changes nothing. A member asking for another's token gets `404`. */
export async function revokeApiTokenFor(ctx: AppContext, p: AdminPrincipal, id: string, requestId: string): Promise<ApiToken> {
  return inTransaction(ctx, async (txCtx) => {
    const row = await findApiToken(txCtx.db, id);
    if (!row || (p.role === 'member' && row.admin_user_id !== p.adminUserId)) throw notFound('API token', id);
    await requireAuthorityOver(txCtx, p, row.admin_user_id, 'revoke');
    if (row.revoked_at !== null) return toApiToken(row);
    await revokeApiToken(txCtx.db, id, nowIso(txCtx));
    await recordAudit(txCtx, p, {
      action: 'api_token.revoked',
      objectType: 'api_token',
      objectId: id,
      requestId,
      details: { adminUserId: row.admin_user_id, name: row.name },
    });
    return toApiToken((await findApiToken(txCtx.db, id)) as ApiTokenRow);
  });
}

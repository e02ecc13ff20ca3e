import type { ApiTokenScope } from '@patchbay/shared';
import { API_TOKEN_PREFIX } from '../../auth/apiTokenAuth.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { hashToken, newId, newSecret } from '../../crypto/tokens.ts';
import { findAdminUser } from '../../db/repos/adminUsers.ts';
import { insertApiToken } from '../../db/repos/apiTokens.ts';
import { notFound } from '../../errors.ts';
import { type Actor, recordAudit } from '../audit/recordAudit.ts';

/** Issues an API token for an admin user. The value is answered once and stored only as a hash. */
export async function createApiToken(
  ctx: AppContext,
  actor: Actor,
  input: { adminUserId: string; name: string; scopes?: readonly ApiTokenScope[]; expiresAt?: string | null },
): Promise<{ id: string; token: string }> {
  const token = newSecret(API_TOKEN_PREFIX);
  const id = newId('tok');
  await inTransaction(ctx, async (txCtx) => {
    if (!(await findAdminUser(txCtx.db, input.adminUserId))) throw notFound('Admin user', input.adminUserId);
    await insertApiToken(txCtx.db, {
      id,
      admin_user_id: input.adminUserId,
      name: input.name,
      token_hash: hashToken(token),
      prefix: token.slice(0, 8),
      scopes: input.scopes ?? ['read', 'write', 'run'],
      created_at: nowIso(txCtx),
      expires_at: input.expiresAt ?? null,
    });
    await recordAudit(txCtx, actor, {
      action: 'api_token.created',
      objectType: 'api_token',
      objectId: id,
      details: { adminUserId: input.adminUserId, name: input.name },
    });
  });
  return { id, token };
}

import type { AdminRole } from '@patchbay/shared';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { hashPassword } from '../../crypto/passwords.ts';
import { newId } from '../../crypto/tokens.ts';
import { findAdminUserByEmail, insertAdminUser } from '../../db/repos/adminUsers.ts';
import { AppError } from '../../errors.ts';
import { type Actor, recordAudit } from '../audit/recordAudit.ts';

/** Creates an admin user with a scrypt password hash; a taken e-mail is `409 conflict`. */
export async function createAdminUser(
  ctx: AppContext,
  actor: Actor,
  input: { email: string; name: string; role: AdminRole; password: string; passwordHash?: string },
): Promise<{ id: string }> {
  if (input.password.length < 12) throw new AppError('validation_failed', 'The password needs at least 12 characters');
  const passwordHash = input.passwordHash ?? (await hashPassword(input.password));
  const id = newId('adm');
  const now = nowIso(ctx);
  await inTransaction(ctx, async (txCtx) => {
    if (await findAdminUserByEmail(txCtx.db, input.email))
      throw new AppError('conflict', `An admin with e-mail ${input.email} exists already`);
    await insertAdminUser(txCtx.db, {
      id,
      email: input.email,
      name: input.name,
      role: input.role,
      password_hash: passwordHash,
      created_at: now,
      updated_at: now,
    });
    await recordAudit(txCtx, actor, {
      action: 'admin_user.created',
      objectType: 'admin_user',
      objectId: id,
      details: { email: input.email, role: input.role },
    });
  });
  return { id };
}

import type { EndUserPrincipal } from '../../auth/principal.ts';
import { enqueueConsentGiven } from '../../callbacks/outbox.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { findAccountConsent, findEndUser, insertAccountConsent, recordUserConsent } from '../../db/repos/endUsers.ts';
import { recordAudit } from '../audit/recordAudit.ts';

/**
 * `POST /embed/api/consent`: the end user accepts the configuration's consent text. At `user`
 * level it is recorded on the end user; at `account` level once for the whole account (the
 * first user to accept is kept with the time). Idempotent:
 * asking again answers the first time and writes nothing, so only the first call is audited.
 */
export async function giveConsent(ctx: AppContext, p: EndUserPrincipal, requestId: string): Promise<{ given: true; at: string }> {
  return inTransaction(ctx, async (txCtx) => {
    const now = nowIso(txCtx);
    let at: string;
    let changed: boolean;
    if (p.sharingLevel === 'account') {
      changed = await insertAccountConsent(txCtx.db, p.configId, p.embedAccountId, p.endUserId, now);
      at = (await findAccountConsent(txCtx.db, p.configId, p.embedAccountId)) ?? now;
    } else {
      changed = ((await findEndUser(txCtx.db, p.endUserId))?.consent_at ?? null) === null;
      at = await recordUserConsent(txCtx.db, p.endUserId, now);
    }
    if (changed) {
      await recordAudit(txCtx, p, {
        action: 'consent.given',
        objectType: p.sharingLevel === 'account' ? 'account' : 'end_user',
        objectId: p.sharingLevel === 'account' ? p.embedAccountId : p.endUserId,
        configId: p.configId,
        requestId,
        details: { sharingLevel: p.sharingLevel },
      });
      await enqueueConsentGiven(txCtx, p.endUserId);
    }
    return { given: true as const, at };
  });
}

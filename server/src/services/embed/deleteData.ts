import { authUsableBy, integrationUsableBy } from '../../auth/endUserScope.ts';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import { enqueueConnectorAuthEvent, enqueueDataDeleted, enqueueIntegrationEvent } from '../../callbacks/outbox.ts';
import { type AppContext, inTransaction } from '../../context.ts';
import { deleteConnectorAuthWithBindings, listConnectorAuthIdsWhere } from '../../db/repos/connectorAuths.ts';
import { withdrawConsent } from '../../db/repos/endUsers.ts';
import { deleteIntegrationRow, listIntegrationIdsWhere } from '../../db/repos/integrations.ts';
import type { Logger } from '../../log.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { connectorOf, readCredentials } from '../auths/operations.ts';
import type { Credentials } from '../connectors/credentials.ts';
import { revokeAtProvider } from '../providers/revoke.ts';

/**
 * `DELETE /embed/api/data`, "Delete all my integration data" (docs/domain.md#sharing-levels): in
 * one transaction removes what the caller's sharing scope holds — at `user` level the caller's
 * integrations (their runs and bindings go with them), connector auths (their sealed credentials
 * with the rows) and consent; at `account` level the same for the whole account. Each deleted
 * object gets its `integration.deleted` / `connectorAuth.deleted` callback, then one `data.deleted`
 * with the counts, all in the outbox of that transaction; one audit event lists the ids (never a
 * credential). After the commit, OAuth2 tokens are revoked at the provider where it has a revoke
 * URL (best effort). Vendor-owned auths (pre-filled slots) are not the end user's and stay.
 */
export async function deleteEndUserData(ctx: AppContext, p: EndUserPrincipal, requestId: string, log: Logger): Promise<void> {
  // credentials are read before the delete (revoking calls the provider, never inside a transaction)
  const before = await listConnectorAuthIdsWhere(ctx.db, authUsableBy(p));
  const credentials = new Map<string, Credentials>();
  for (const a of before) {
    try {
      const c = await readCredentials(ctx, a.id);
      if (c && a.status !== 'revoked') credentials.set(a.id, c);
    } catch {
      log.warn('delete data: credentials of an auth unreadable; deleting it without revoking', { connectorAuthId: a.id });
    }
  }
  const deletedAuths = await inTransaction(ctx, async (txCtx) => {
    const integrations = await listIntegrationIdsWhere(txCtx.db, integrationUsableBy(p));
    for (const i of integrations) {
      await enqueueIntegrationEvent(txCtx, 'integration.deleted', i.id);
      await deleteIntegrationRow(txCtx.db, i.id);
    }
    const auths = await listConnectorAuthIdsWhere(txCtx.db, authUsableBy(p));
    for (const a of auths) {
      await enqueueConnectorAuthEvent(txCtx, 'connectorAuth.deleted', a.id);
      await deleteConnectorAuthWithBindings(txCtx.db, a.id);
    }
    await withdrawConsent(txCtx.db, {
      sharingLevel: p.sharingLevel,
      endUserId: p.endUserId,
      configId: p.configId,
      accountId: p.embedAccountId,
    });
    await recordAudit(txCtx, p, {
      action: 'data.deleted',
      objectType: p.sharingLevel === 'account' ? 'account' : 'end_user',
      objectId: p.sharingLevel === 'account' ? p.embedAccountId : p.endUserId,
      configId: p.configId,
      requestId,
      details: {
        sharingLevel: p.sharingLevel,
        integrations: integrations.length,
        connectorAuths: auths.length,
        integrationIds: integrations.slice(0, 100).map((i) => i.id),
        connectorAuthIds: auths.slice(0, 100).map((a) => a.id),
      },
    });
    await enqueueDataDeleted(
      txCtx,
      {
        configId: p.configId,
        userId: p.embedUserId,
        accountId: p.embedAccountId,
        sharingLevel: p.sharingLevel,
        endUserId: p.sharingLevel === 'account' ? `account:${p.embedAccountId}` : p.endUserId,
      },
      { integrations: integrations.length, connectorAuths: auths.length },
    );
    return auths;
  });
  for (const a of deletedAuths) {
    const c = credentials.get(a.id);
    if (c === undefined) continue;
    try {
      await revokeAtProvider(ctx, await connectorOf(ctx, a), c, log);
    } catch {
      log.warn('delete data: revoking at the provider failed', { connectorAuthId: a.id, connectorId: a.connector_id });
    }
  }
}

import { isDeepStrictEqual } from 'node:util';
import type { EmbedTokenClaims } from '@patchbay/shared';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import { enqueueConnectorAuthEvent } from '../../callbacks/outbox.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { findProprietaryAuth, setAuthStatus } from '../../db/repos/connectorAuths.ts';
import { findConnector } from '../../db/repos/connectors.ts';
import type { EmbedConfigRow } from '../../db/repos/embedConfigs.ts';
import type { EndUserRow } from '../../db/repos/endUsers.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { openCredentials } from '../connectors/credentials.ts';
import { defaultAuthName, initialsOf, insertConnectorAuth, writeCredentials } from './store.ts';

/** What became of the `client_authentication` claim. */
export type ProprietaryOutcome = 'none' | 'created' | 'updated' | 'unchanged';

/**
 * The embed token's `client_authentication` claim (docs/embed-token.md): stores the claim's values
 * as `{type:'proprietary', values}` credentials of the configuration's proprietary connector, in
 * ONE auth per account (account level) or per end user (user level): created on first sight, its
 * credentials replaced whenever the token brings different values (a disabled auth stays disabled).
 * Joins the caller's transaction (the session exchange calls it inside its own). The values never reach an
 * answer, a log line or an audit detail. Without a proprietary connector, or without the claim,
 * nothing happens.
 */
export async function storeProprietaryCredentials(
  ctx: AppContext,
  input: {
    config: EmbedConfigRow;
    endUser: EndUserRow;
    claims: Pick<EmbedTokenClaims, 'client_authentication'>;
    principal: EndUserPrincipal;
    requestId?: string | null;
  },
): Promise<ProprietaryOutcome> {
  const { config, endUser, principal } = input;
  const values = input.claims.client_authentication;
  if (!config.proprietary_connector_id || values === undefined) return 'none';
  const connector = await findConnector(ctx.db, config.proprietary_connector_id);
  if (!connector) return 'none';
  const credentials = { type: 'proprietary' as const, values };
  const requestId = input.requestId ?? null;
  return inTransaction(ctx, async (txCtx) => {
    const existing = await findProprietaryAuth(
      txCtx.db,
      config.id,
      connector.id,
      config.sharing_level === 'account'
        ? { sharingLevel: 'account', accountId: endUser.account_id }
        : { sharingLevel: 'user', endUserId: endUser.id },
    );
    if (!existing) {
      await insertConnectorAuth(txCtx, principal, {
        owner: { configId: config.id, sharingLevel: config.sharing_level, ownerEndUserId: endUser.id, accountId: endUser.account_id },
        connectorId: connector.id,
        name: defaultAuthName(connector.name, nowIso(txCtx), initialsOf(endUser.name, endUser.user_id)),
        credentials,
        proprietary: true,
        createdVia: 'embed_token',
        requestId,
      });
      return 'created';
    }
    const stored = existing.credentials_enc ? openCredentials(txCtx, existing.id, existing.credentials_enc) : null;
    const same = stored?.type === 'proprietary' && isDeepStrictEqual(stored.values, values);
    if (same && existing.status !== 'revoked') return 'unchanged';
    await writeCredentials(txCtx, existing.id, credentials);
    if (existing.status === 'disabled') await setAuthStatus(txCtx.db, existing.id, 'disabled');
    await recordAudit(txCtx, principal, {
      action: 'connector_auth.reconnected',
      objectType: 'connector_auth',
      objectId: existing.id,
      configId: config.id,
      requestId,
      details: { connectorId: connector.id, proprietary: true, previousStatus: existing.status },
    });
    await enqueueConnectorAuthEvent(
      txCtx,
      existing.status === 'needs_reauth' ? 'connectorAuth.recovered' : 'connectorAuth.updated',
      existing.id,
      { change: 'reconnected' },
    );
    return 'updated';
  });
}

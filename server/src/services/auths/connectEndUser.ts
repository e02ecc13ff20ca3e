import { authUsableBy } from '../../auth/endUserScope.ts';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { findTwinAuth, setRemoteAccount } from '../../db/repos/connectorAuths.ts';
import type { Credentials } from '../connectors/credentials.ts';
import { reconnectAuth } from './operations.ts';
import { accountAuthName, type RemoteAccount } from './remoteAccount.ts';
import { defaultAuthName, initialsOf, insertConnectorAuth } from './store.ts';

/** The end user connecting, as the end user row names them. */
export interface Connecting {
  readonly principal: EndUserPrincipal;
  readonly name: string | null;
  readonly language: string | null;
}

/**
 * Stores what an end user just connected (OAuth callback or credentials form), per the twin rule:
 * when the remote account is known and the end user can already use a connection of the same
 * connector as that account (same configuration and sharing scope), that connection is
 * reconnected with the new credentials (same id, same name) instead of a twin being added — unless
 * an administrator disabled it. Otherwise a new auth named after the account ("Demo CRM —
 * ada@crm.example"), else by the default schema. Answers the id and whether it was a twin.
 */
export async function storeEndUserConnection(
  ctx: AppContext,
  who: Connecting,
  input: {
    connector: { id: string; name: string };
    credentials: Credentials;
    scopes?: readonly string[];
    expiresAt?: string | null;
    remoteAccount: RemoteAccount | null;
    name?: string | undefined;
    requestId: string;
  },
): Promise<{ id: string; twin: boolean }> {
  const p = who.principal;
  return inTransaction(ctx, async (txCtx) => {
    if (input.remoteAccount) {
      const twin = await findTwinAuth(txCtx.db, input.connector.id, input.remoteAccount.id, authUsableBy(p));
      if (twin && !(twin.status === 'disabled' && twin.disabled_by === 'admin')) {
        const op = { actor: p, requestId: input.requestId, log: txCtx.log, disabledBy: 'user' } as const;
        await reconnectAuth(txCtx, op, twin, input.credentials, {
          ...(input.scopes === undefined ? {} : { scopes: input.scopes }),
          expiresAt: input.expiresAt ?? null,
          refreshed: input.credentials.type === 'oauth2',
        });
        await setRemoteAccount(txCtx.db, twin.id, input.remoteAccount);
        return { id: twin.id, twin: true };
      }
    }
    const name =
      input.name ??
      (input.remoteAccount
        ? accountAuthName(input.connector.name, input.remoteAccount)
        : defaultAuthName(input.connector.name, nowIso(txCtx), initialsOf(who.name, p.embedUserId), who.language));
    const id = await insertConnectorAuth(txCtx, p, {
      owner: { configId: p.configId, sharingLevel: p.sharingLevel, ownerEndUserId: p.endUserId, accountId: p.embedAccountId },
      connectorId: input.connector.id,
      name,
      credentials: input.credentials,
      ...(input.scopes === undefined ? {} : { scopes: input.scopes }),
      expiresAt: input.expiresAt ?? null,
      requestId: input.requestId,
      remoteAccount: input.remoteAccount,
      createdByName: who.name ?? p.embedUserId,
    });
    return { id, twin: false };
  });
}

import { enqueueConnectorAuthEvent } from '../../callbacks/outbox.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { newId } from '../../crypto/tokens.ts';
import { insertConnectorAuthRow, writeSealedCredentials } from '../../db/repos/connectorAuths.ts';
import { type Actor, recordAudit } from '../audit/recordAudit.ts';
import { type Credentials, sealCredentials } from '../connectors/credentials.ts';
import type { RemoteAccount } from './remoteAccount.ts';

/** Who owns a new connector auth, and at which sharing level. */
export interface AuthOwner {
  readonly configId: string;
  readonly sharingLevel: 'user' | 'account';
  /** The end user who created it (recorded at both levels); null for vendor-owned auths. */
  readonly ownerEndUserId: string | null;
  readonly accountId: string | null;
}

/**
 * Who made a connector auth (`connector_auths.created_via`): an end user in the iframe, the vendor
 * through its API, or the vendor's embed token (proprietary credentials). Only the last two are
 * vendor-owned and may pre-fill a flow's slot.
 */
export type AuthCreatedVia = 'end_user' | 'vendor_api' | 'embed_token';

/** Initials of a person for default names: "Ada Lovelace" → "AL"; falls back to the user id. */
export function initialsOf(name: string | null | undefined, fallbackId: string): string {
  const words = (name ?? '').trim().split(/\s+/).filter(Boolean);
  if (words.length > 0)
    return words
      .slice(0, 3)
      .map((w) => (w[0] ?? '').toUpperCase())
      .join('');
  return fallbackId.slice(0, 2).toUpperCase();
}

/**
 * The default name (docs/domain.md): `"{Connector name} Login authorized on {YYYY-MM-DD} by {initials}"`;
 * in German (the end user's `language` claim starts with `de`) `"… Login autorisiert am … von …"`.
 */
export function defaultAuthName(connectorName: string, atIso: string, initials: string, language?: string | null): string {
  if (language?.toLowerCase().startsWith('de')) return `${connectorName} Login autorisiert am ${atIso.slice(0, 10)} von ${initials}`;
  return `${connectorName} Login authorized on ${atIso.slice(0, 10)} by ${initials}`;
}

/**
 * Stores a new connector auth with sealed credentials and its audit event in one transaction.
 * Answers its id. Credentials never appear in the audit details.
 */
export async function insertConnectorAuth(
  ctx: AppContext,
  actor: Actor,
  input: {
    owner: AuthOwner;
    connectorId: string;
    name: string;
    credentials: Credentials;
    scopes?: readonly string[];
    expiresAt?: string | null;
    proprietary?: boolean;
    /** Who makes it; `end_user` unless told. */
    createdVia?: AuthCreatedVia;
    requestId?: string | null;
    /** The account at the service it is connected as, when known. */
    remoteAccount?: RemoteAccount | null;
    /** Who connected it (the end user's name, else their host user id). */
    createdByName?: string | null;
  },
): Promise<string> {
  const id = newId('ca');
  const now = nowIso(ctx);
  const sealed = sealCredentials(ctx, id, input.credentials);
  await inTransaction(ctx, async (txCtx) => {
    await insertConnectorAuthRow(txCtx.db, {
      id,
      config_id: input.owner.configId,
      connector_id: input.connectorId,
      name: input.name,
      owner_end_user_id: input.owner.ownerEndUserId,
      account_id: input.owner.accountId,
      sharing_level: input.owner.sharingLevel,
      proprietary: input.proprietary ?? false,
      created_via: input.createdVia ?? 'end_user',
      status: 'active',
      scopes: JSON.stringify(input.scopes ?? []),
      credentials_enc: sealed,
      credentials_version: 1,
      expires_at: input.expiresAt ?? null,
      created_at: now,
      last_refreshed_at: input.credentials.type === 'oauth2' ? now : null,
      remote_account_id: input.remoteAccount?.id ?? null,
      remote_account_label: input.remoteAccount?.label ?? null,
      created_by_name: input.createdByName ?? null,
    });
    await recordAudit(txCtx, actor, {
      action: 'connector_auth.created',
      objectType: 'connector_auth',
      objectId: id,
      configId: input.owner.configId,
      requestId: input.requestId ?? null,
      details: { connectorId: input.connectorId, sharingLevel: input.owner.sharingLevel, proprietary: input.proprietary ?? false },
    });
    await enqueueConnectorAuthEvent(txCtx, 'connectorAuth.created', id);
  });
  return id;
}

/**
 * Replaces an auth's credentials (reconnect, refresh, proprietary update): same id, version + 1,
 * status back to `active`, errors cleared. `expectVersion` makes it a compare-and-swap; answers
 * false when another writer got there first. Call inside a transaction together with any audit.
 */
export async function writeCredentials(
  ctx: AppContext,
  authId: string,
  credentials: Credentials,
  opts: { scopes?: readonly string[]; expiresAt?: string | null; expectVersion?: number; refreshed?: boolean } = {},
): Promise<boolean> {
  const now = nowIso(ctx);
  const sealed = sealCredentials(ctx, authId, credentials);
  return writeSealedCredentials(ctx.db, authId, {
    sealed,
    expiresAt: opts.expiresAt ?? null,
    scopes: opts.scopes === undefined ? undefined : JSON.stringify(opts.scopes),
    refreshedAt: opts.refreshed ? now : undefined,
    expectVersion: opts.expectVersion,
    nowIso: now,
  });
}

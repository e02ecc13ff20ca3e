import { type AppContext, nowIso } from '../../context.ts';
import { newId } from '../../crypto/tokens.ts';
import { sql } from '../../db/sql.ts';
import { type Actor, recordAudit } from '../audit/recordAudit.ts';
import { type Credentials, sealCredentials } from '../connectors/credentials.ts';

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

/** SPEC §2 default name: `"{Connector name} Login authorized on {YYYY-MM-DD} by {initials}"`. */
export function defaultAuthName(connectorName: string, atIso: string, initials: string): string {
  return `${connectorName} Login authorized on ${atIso.slice(0, 10)} by ${initials}`;
}

/**
 * Stores a new connector auth with sealed credentials and its audit event in one transaction.
 * Answers its id. Credentials never appear in the audit details.
 */
export function insertConnectorAuth(
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
  },
): string {
  const id = newId('ca');
  const now = nowIso(ctx);
  const sealed = sealCredentials(ctx, id, input.credentials);
  ctx.db.tx(() => {
    ctx.db.run(sql`INSERT INTO connector_auths (id, config_id, connector_id, name, owner_end_user_id, account_id, sharing_level,
        proprietary, created_via, status, scopes, credentials_enc, credentials_version, expires_at, created_at, updated_at, last_refreshed_at)
      VALUES (${id}, ${input.owner.configId}, ${input.connectorId}, ${input.name}, ${input.owner.ownerEndUserId}, ${input.owner.accountId},
        ${input.owner.sharingLevel}, ${input.proprietary ?? false}, ${input.createdVia ?? 'end_user'}, 'active', ${JSON.stringify(input.scopes ?? [])}, ${sealed}, 1,
        ${input.expiresAt ?? null}, ${now}, ${now}, ${input.credentials.type === 'oauth2' ? now : null})`);
    recordAudit(ctx, actor, {
      action: 'connector_auth.created',
      objectType: 'connector_auth',
      objectId: id,
      configId: input.owner.configId,
      requestId: input.requestId ?? null,
      details: { connectorId: input.connectorId, sharingLevel: input.owner.sharingLevel, proprietary: input.proprietary ?? false },
    });
  });
  return id;
}

/**
 * Replaces an auth's credentials (reconnect, refresh, proprietary update): same id, version + 1,
 * status back to `active`, errors cleared. `expectVersion` makes it a compare-and-swap; answers
 * false when another writer got there first. Call inside a transaction together with any audit.
 */
export function writeCredentials(
  ctx: AppContext,
  authId: string,
  credentials: Credentials,
  opts: { scopes?: readonly string[]; expiresAt?: string | null; expectVersion?: number; refreshed?: boolean } = {},
): boolean {
  const now = nowIso(ctx);
  const sealed = sealCredentials(ctx, authId, credentials);
  const versionCheck = opts.expectVersion === undefined ? sql`` : sql` AND credentials_version = ${opts.expectVersion}`;
  const scopes = opts.scopes === undefined ? sql`` : sql`, scopes = ${JSON.stringify(opts.scopes)}`;
  const refreshed = opts.refreshed ? sql`, last_refreshed_at = ${now}` : sql``;
  return (
    ctx.db.run(sql`UPDATE connector_auths SET credentials_enc = ${sealed}, credentials_version = credentials_version + 1,
      expires_at = ${opts.expiresAt ?? null}, status = 'active', last_error = NULL, refresh_failures = 0, refresh_failed_at = NULL,
      updated_at = ${now}${scopes}${refreshed}
      WHERE id = ${authId}${versionCheck}`).changes === 1
  );
}

import type { AppContext } from '../context.ts';
import { seal } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { newId } from '../crypto/tokens.ts';
import { insertConnector } from '../db/repos/connectors.ts';
import { sql } from '../db/sql.ts';
import { insertConnectorAuth } from '../services/auths/store.ts';
import type { Credentials } from '../services/connectors/credentials.ts';
import { openCredentials } from '../services/connectors/credentials.ts';
import type { ConnectorDefinition } from '../services/connectors/definition.ts';
import { insertConfig } from './domainFixtures.ts';
import type { TestOAuthProvider } from './oidcProvider.ts';
import { insertionOrder } from './schemaInfo.ts';

/** A real token set issued by the test provider, as if an authorization-code flow had just finished. */
export interface MintedTokens {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly grantId: string;
}

/**
 * Mints a grant with a refresh token and an access token directly through oidc-provider's models
 * (what its authorization-code exchange would store), so refresh tests start from real tokens.
 */
export async function mintTokenSet(p: TestOAuthProvider, accountId = 'user-1'): Promise<MintedTokens> {
  // oidc-provider's model classes are loosely typed.
  const prov = p.provider as any;
  const client = await prov.Client.find(p.clientId);
  const grant = new prov.Grant({ accountId, clientId: p.clientId });
  grant.addOIDCScope('openid offline_access');
  const grantId: string = await grant.save();
  const base = { accountId, client, grantId, gty: 'authorization_code', scope: 'openid offline_access' };
  const refreshToken: string = await new prov.RefreshToken({ ...base, expiresWithSession: false }).save();
  const accessToken: string = await new prov.AccessToken(base).save();
  return { accessToken, refreshToken, grantId };
}

/** Inserts an OAuth2 connector whose token endpoint is `tokenUrl`; answers its id. */
export async function insertOAuth2Connector(
  ctx: AppContext,
  opts: {
    tokenUrl: string | null;
    clientId: string;
    clientSecret: string | null;
    grantType?: 'authorization_code' | 'client_credentials';
    baseUrl?: string;
  },
): Promise<string> {
  const id = `oauth-${newId('x').slice(2, 12).toLowerCase()}`;
  const now = new Date(ctx.clock.now()).toISOString();
  const definition: ConnectorDefinition = {
    oauth2: {
      authorizeUrl: opts.tokenUrl === null ? null : opts.tokenUrl.replace(/\/token$/, '/auth'),
      tokenUrl: opts.tokenUrl,
      revokeUrl: null,
      clientId: opts.clientId,
      scopes: ['openid', 'offline_access'],
      scopeDelimiter: ' ',
      pkce: true,
      grantType: opts.grantType ?? 'authorization_code',
      authorizeParams: {},
    },
    oauth1: null,
    apiKey: null,
    fields: [],
    validation: null,
  };
  await insertConnector(ctx.db, {
    id,
    name: 'Test OAuth provider',
    auth_type: 'oauth2',
    catalog_key: null,
    base_url: opts.baseUrl ?? 'http://127.0.0.1:1',
    icon_url: null,
    definition: JSON.stringify(definition),
    client_secret_enc:
      opts.clientSecret === null ? null : seal(ctx.keyring, secretLocation('connectors', 'client_secret_enc', id), opts.clientSecret),
    created_at: now,
    updated_at: now,
  });
  return id;
}

/** Stores `credentials` as a new active auth on `connectorId` (in a fresh config); answers its id. */
export async function insertAuthWith(ctx: AppContext, connectorId: string, credentials: Credentials): Promise<string> {
  const configId = await insertConfig(ctx);
  return insertConnectorAuth(
    ctx,
    { kind: 'system' },
    {
      owner: { configId, sharingLevel: 'account', ownerEndUserId: null, accountId: 'acct-1' },
      connectorId,
      name: 'Refresh test auth',
      credentials,
      expiresAt: credentials.type === 'oauth2' ? credentials.expiresAt : null,
    },
  );
}

/** OAuth2 credentials from minted tokens expiring `expiresInSeconds` from the context's clock (negative: expired). */
export function oauth2Credentials(
  ctx: AppContext,
  t: Pick<MintedTokens, 'accessToken' | 'refreshToken'>,
  expiresInSeconds: number,
): Extract<Credentials, { type: 'oauth2' }> {
  return {
    type: 'oauth2',
    accessToken: t.accessToken,
    refreshToken: t.refreshToken,
    tokenType: 'Bearer',
    expiresAt: new Date(ctx.clock.now() + expiresInSeconds * 1000).toISOString(),
    scope: 'openid offline_access',
  };
}

/** The stored credentials and refresh bookkeeping of an auth, read straight from the database. */
export async function storedAuth(ctx: AppContext, authId: string) {
  const row = await ctx.db.get<{
    status: string;
    credentials_enc: string;
    credentials_version: number;
    expires_at: string | null;
    refresh_failures: number;
    refresh_failed_at: string | null;
    last_error: string | null;
    refresh_lease_until: string | null;
    refresh_lease_owner: string | null;
    last_refreshed_at: string | null;
  }>(sql`SELECT * FROM connector_auths WHERE id = ${authId}`);
  if (!row) throw new Error(`no auth ${authId}`);
  return { ...row, credentials: openCredentials(ctx, authId, row.credentials_enc) };
}

/** The audit actions recorded for an auth, oldest first. */
export async function auditActions(ctx: AppContext, authId: string): Promise<{ action: string; actor_type: string; details: string }[]> {
  return ctx.db.all(
    sql`SELECT action, actor_type, details FROM audit_events WHERE object_id = ${authId} ORDER BY ${insertionOrder(ctx.db)}`,
  );
}

/** Asks the provider whether a token is active (RFC 7662). */
export async function introspect(p: TestOAuthProvider, token: string): Promise<boolean> {
  const res = await fetch(p.introspectionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token, client_id: p.clientId, client_secret: p.clientSecret }),
  });
  return ((await res.json()) as { active: boolean }).active;
}

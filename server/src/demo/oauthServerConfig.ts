import type { Configuration } from 'oidc-provider';

/** What differs between the Demo CRM sign-in and the test authorization server. */
export interface OAuthServerOptions {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  /** Keys of the dev login pages' session cookies. */
  cookieKey: string;
  rotateRefreshTokens?: boolean;
  accessTokenTtl?: number;
  extraScopes?: string[];
  /** Also allow the client_credentials grant (tests). */
  clientCredentials?: boolean;
  /** Claims of every signed-in account besides `sub` (the dev login accepts any name). */
  accountClaims?: (sub: string) => Record<string, unknown>;
}

/**
 * oidc-provider configured like a real OAuth 2 server a connector talks to: PKCE required,
 * client_secret_post, refresh tokens always issued (rotated by default), introspection and
 * revocation, opaque access tokens, and the built-in dev login and consent pages.
 */
export function oauthServerConfig(o: OAuthServerOptions): Configuration {
  const ttl = o.accessTokenTtl ?? 3600;
  const rotate = o.rotateRefreshTokens ?? true;
  return {
    clients: [
      {
        client_id: o.clientId,
        client_secret: o.clientSecret,
        redirect_uris: o.redirectUris,
        grant_types: ['authorization_code', 'refresh_token', ...(o.clientCredentials ? ['client_credentials'] : [])],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    cookies: { keys: [o.cookieKey] },
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'profile', 'email', ...(o.extraScopes ?? [])],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => rotate,
    ttl: { AccessToken: ttl, ClientCredentials: ttl, RefreshToken: 14 * 86_400, Grant: 14 * 86_400, Session: 86_400, Interaction: 3600 },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, ...o.accountClaims?.(sub) }) }),
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true },
      clientCredentials: { enabled: o.clientCredentials ?? false },
      resourceIndicators: {
        enabled: true,
        // Opaque access tokens for every request, checked by resource servers through introspection.
        defaultResource: () => undefined as never,
        getResourceServerInfo: () => ({ scope: '', accessTokenFormat: 'opaque' }) as never,
        useGrantedResource: () => false,
      },
    },
  };
}

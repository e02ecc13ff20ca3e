/**
 * "Demo CRM" sign-in: a real OAuth 2 authorization server (panva's oidc-provider) on a fixed
 * loopback port, so the connector seeded into Patchbay keeps working from one demo run to the
 * next. Same setup as `testing/oidcProvider.ts` (PKCE required, client_secret_post, refresh
 * tokens, introspection, revocation, the built-in dev login and consent pages, which accept any
 * login and password), minus the test hooks, plus a port.
 */
import express from 'express';
import { type Listening, listen } from './listen.ts';

/** The client Patchbay is registered as at the Demo CRM. Local demo values, not secrets worth guarding. */
export const DEMO_CRM_CLIENT = {
  clientId: 'patchbay-demo',
  clientSecret: 'demo-crm-client-secret-not-for-production',
} as const;

/** A running Demo CRM sign-in server. */
export interface DemoCrmProvider {
  readonly issuer: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly introspectionUrl: string;
  readonly revocationUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  close(): Promise<void>;
}

/** Starts the provider on `127.0.0.1:port` with Patchbay's callback registered as the only redirect URI. */
export async function startDemoCrmProvider(opts: { port: number; redirectUri: string }): Promise<DemoCrmProvider> {
  // Loaded on use: oidc-provider is a development dependency, and the bundled CLI must load without it.
  const { default: Provider } = await import('oidc-provider');
  const app = express();
  const listening: Listening = await listen(app, opts.port);
  const issuer = `http://127.0.0.1:${listening.port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: DEMO_CRM_CLIENT.clientId,
        client_secret: DEMO_CRM_CLIENT.clientSecret,
        redirect_uris: [opts.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_post',
      },
    ],
    // The dev pages' session cookies; a fixed key keeps a browser's sign-in across restarts.
    cookies: { keys: ['patchbay-demo-crm-cookie-key-0123456789'] },
    pkce: { required: () => true },
    scopes: ['openid', 'offline_access', 'profile', 'email', 'contacts'],
    claims: { openid: ['sub'], profile: ['name'], email: ['email'] },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => true,
    ttl: { AccessToken: 3600, RefreshToken: 14 * 86_400, Grant: 14 * 86_400, Session: 86_400, Interaction: 3600 },
    findAccount: async (_ctx, sub) => ({ accountId: sub, claims: async () => ({ sub, name: sub }) }),
    features: {
      devInteractions: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Opaque access tokens, checked by the Demo CRM API through introspection.
        defaultResource: () => undefined as never,
        getResourceServerInfo: () => ({ scope: '', accessTokenFormat: 'opaque' }) as never,
        useGrantedResource: () => false,
      },
    },
  });
  provider.proxy = false;
  app.use(provider.callback());
  return {
    issuer,
    authorizeUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    introspectionUrl: `${issuer}/token/introspection`,
    revocationUrl: `${issuer}/token/revocation`,
    clientId: DEMO_CRM_CLIENT.clientId,
    clientSecret: DEMO_CRM_CLIENT.clientSecret,
    close: () => listening.close(),
  };
}

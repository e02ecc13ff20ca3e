/**
 * "Demo CRM" sign-in: a real OAuth 2 authorization server (panva's oidc-provider) on a fixed
 * loopback port, so the connector seeded into Patchbay keeps working from one demo run to the
 * next. The server setup is shared with the tests (`oauthServerConfig.ts`); the dev login and
 * consent pages accept any login and password.
 */
import express from 'express';
import { type Listening, listen } from './listen.ts';
import { oauthServerConfig } from './oauthServerConfig.ts';

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
  const provider = new Provider(
    issuer,
    oauthServerConfig({
      ...DEMO_CRM_CLIENT,
      redirectUris: [opts.redirectUri],
      // A fixed key keeps a browser's sign-in across demo restarts.
      cookieKey: 'patchbay-demo-crm-cookie-key-0123456789',
      extraScopes: ['contacts'],
      accountClaims: (sub) => ({ name: sub }),
    }),
  );
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

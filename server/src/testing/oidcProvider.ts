import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Provider from 'oidc-provider';
import { oauthServerConfig } from '../demo/oauthServerConfig.ts';

/** A real OAuth 2 / OIDC authorization server (panva's oidc-provider) on loopback, for tests and the demo. */
export interface TestOAuthProvider {
  readonly issuer: string;
  readonly authorizeUrl: string;
  readonly tokenUrl: string;
  readonly introspectionUrl: string;
  readonly revocationUrl: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly provider: Provider;
  /** Counts of token endpoint calls by grant type (`authorization_code`, `refresh_token`, …). */
  readonly tokenCalls: Record<string, number>;
  /** While set, the token endpoint answers this status (e.g. 500) without doing anything. */
  failTokenEndpoint: number | null;
  /** Extra delay (ms) before every token endpoint answer, to widen race windows. */
  tokenDelayMs: number;
  close(): Promise<void>;
}

/** Options of {@link startOAuthProvider}. */
export interface OAuthProviderOptions {
  redirectUris: string[];
  clientId?: string;
  clientSecret?: string;
  /** Issue a new refresh token on every refresh and invalidate the old one (default true). */
  rotateRefreshTokens?: boolean;
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl?: number;
  scopes?: string[];
  /** Account id every login becomes (the dev login form accepts any name; this maps it). */
  accountClaims?: Record<string, unknown>;
}

/**
 * Starts oidc-provider with PKCE required, client_secret_post, introspection and revocation on,
 * refresh tokens always issued (rotated by default), and its built-in login and consent pages.
 */
export async function startOAuthProvider(opts: OAuthProviderOptions): Promise<TestOAuthProvider> {
  const app = express();
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = opts.clientId ?? 'patchbay-test';
  const clientSecret = opts.clientSecret ?? 'test-client-secret-0123456789abcdef';
  const provider = new Provider(
    issuer,
    oauthServerConfig({
      clientId,
      clientSecret,
      redirectUris: opts.redirectUris,
      cookieKey: 'oidc-test-cookie-key-0123456789',
      clientCredentials: true,
      ...(opts.rotateRefreshTokens === undefined ? {} : { rotateRefreshTokens: opts.rotateRefreshTokens }),
      ...(opts.accessTokenTtl === undefined ? {} : { accessTokenTtl: opts.accessTokenTtl }),
      ...(opts.scopes === undefined ? {} : { extraScopes: opts.scopes }),
      ...(opts.accountClaims === undefined ? {} : { accountClaims: () => opts.accountClaims ?? {} }),
    }),
  );
  provider.proxy = false;
  const state = {
    tokenCalls: {} as Record<string, number>,
    failTokenEndpoint: null as number | null,
    tokenDelayMs: 0,
  };
  app.post('/token', express.urlencoded({ extended: false }), async (req, res, next) => {
    const grantType = String(req.body?.grant_type ?? 'unknown');
    state.tokenCalls[grantType] = (state.tokenCalls[grantType] ?? 0) + 1;
    if (state.tokenDelayMs > 0) await new Promise((r) => setTimeout(r, state.tokenDelayMs));
    if (state.failTokenEndpoint !== null) {
      res.status(state.failTokenEndpoint).json({ error: 'server_error' });
      return;
    }
    // oidc-provider reads the raw body itself: hand the parsed form back to it.
    (req as unknown as { body: unknown }).body = req.body;
    next();
  });
  app.use(provider.callback());
  return {
    issuer,
    authorizeUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    introspectionUrl: `${issuer}/token/introspection`,
    revocationUrl: `${issuer}/token/revocation`,
    clientId,
    clientSecret,
    provider,
    get tokenCalls() {
      return state.tokenCalls;
    },
    get failTokenEndpoint() {
      return state.failTokenEndpoint;
    },
    set failTokenEndpoint(v) {
      state.failTokenEndpoint = v;
    },
    get tokenDelayMs() {
      return state.tokenDelayMs;
    },
    set tokenDelayMs(v) {
      state.tokenDelayMs = v;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * What a connect flow stores from the provider's token answer. OAuth2 answers are parsed by the
 * token endpoint client (services/tokenEndpoint.ts); OAuth1 ones strictly here. Anything
 * unexpected is refused rather than stored half-understood.
 */
import { z } from 'zod';
import { accountFromIdToken, type RemoteAccount } from '../services/auths/remoteAccount.ts';
import type { Credentials } from '../services/connectors/credentials.ts';
import type { TokenSet } from '../services/providers/tokenEndpoint.ts';

const token = z.string().min(1).max(8192);

const oauth1TokenResponseSchema = z.object({
  oauth_token: token,
  oauth_token_secret: z.string().max(8192),
});

/** Credentials and metadata to store for a new or reconnected auth. */
export interface ParsedTokens {
  readonly credentials: Credentials;
  readonly expiresAt: string | null;
  /** Granted scopes: the response's `scope` when given, else what the connector asked for. */
  readonly scopes: readonly string[];
  /** The account the provider's ID token names, if it sent one. */
  readonly account: RemoteAccount | null;
}

/**
 * The credentials to store from an OAuth2 token answer, already parsed by the token endpoint
 * client's schema (the one refresh uses too). `nowMs` is when it was issued.
 */
export function oauth2Tokens(t: TokenSet, nowMs: number, requestedScopes: readonly string[]): ParsedTokens {
  const expiresAt = t.expiresIn === null ? null : new Date(nowMs + t.expiresIn * 1000).toISOString();
  return {
    credentials: {
      type: 'oauth2',
      accessToken: t.accessToken,
      refreshToken: t.refreshToken,
      tokenType: t.tokenType,
      expiresAt,
      issuedAt: new Date(nowMs).toISOString(),
      scope: t.scope,
    },
    expiresAt,
    scopes: t.scope === null ? [...requestedScopes] : t.scope.split(/[\s,]+/).filter(Boolean),
    account: accountFromIdToken(t.idToken),
  };
}

/** Parses an OAuth1 access-token response (RFC 5849 §2.3); null when it is not one. */
export function parseOAuth1Tokens(raw: unknown): ParsedTokens | null {
  const r = oauth1TokenResponseSchema.safeParse(raw);
  if (!r.success) return null;
  return {
    credentials: { type: 'oauth1', token: r.data.oauth_token, tokenSecret: r.data.oauth_token_secret },
    expiresAt: null,
    scopes: [],
    account: null,
  };
}

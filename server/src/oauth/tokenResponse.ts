/**
 * Strict parsing of what a provider's token endpoint answered (through grant), into the
 * credentials we store. Anything unexpected is refused rather than stored half-understood.
 */
import { z } from 'zod';
import type { Credentials } from '../services/credentials.ts';

const token = z.string().min(1).max(8192);

const oauth2TokenResponseSchema = z.object({
  access_token: token,
  token_type: z
    .string()
    .regex(/^bearer$/i, 'only bearer tokens are supported')
    .optional(),
  refresh_token: token.optional(),
  expires_in: z
    .union([
      z.number(),
      z
        .string()
        .regex(/^\d{1,10}$/)
        .transform(Number),
    ])
    .pipe(
      z
        .number()
        .int()
        .positive()
        .max(10 * 365 * 86_400),
    )
    .optional(),
  scope: z.string().max(4096).optional(),
});

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
}

/** Parses an OAuth2 token response (RFC 6749 §5.1); null when it is not one. */
export function parseOAuth2Tokens(raw: unknown, nowMs: number, requestedScopes: readonly string[]): ParsedTokens | null {
  const r = oauth2TokenResponseSchema.safeParse(raw);
  if (!r.success) return null;
  const t = r.data;
  const expiresAt = t.expires_in === undefined ? null : new Date(nowMs + t.expires_in * 1000).toISOString();
  return {
    credentials: {
      type: 'oauth2',
      accessToken: t.access_token,
      refreshToken: t.refresh_token ?? null,
      tokenType: 'Bearer',
      expiresAt,
      scope: t.scope ?? null,
    },
    expiresAt,
    scopes: t.scope === undefined ? [...requestedScopes] : t.scope.split(/[\s,]+/).filter(Boolean),
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
  };
}

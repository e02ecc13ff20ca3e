import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { openJson, sealJson } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';

/**
 * What a connector auth holds, sealed as one JSON value in `connector_auths.credentials_enc`
 * (associated data binds it to its row). Parsed strictly whenever it is read back.
 */
export const credentialsSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('oauth2'),
    accessToken: z.string().min(1),
    refreshToken: z.string().min(1).nullable(),
    tokenType: z.string().default('Bearer'),
    /** ISO time the access token expires, or null when the provider did not say. */
    expiresAt: z.string().nullable(),
    /**
     * ISO time the access token was issued (stored by a connect, an import or a refresh); with
     * `expiresAt` it gives the token's lifetime, which sets the refresh margin. Absent on
     * credentials stored before it was recorded.
     */
    issuedAt: z.string().nullable().optional(),
    scope: z.string().nullable(),
  }),
  z.object({ type: z.literal('oauth1'), token: z.string().min(1), tokenSecret: z.string() }),
  z.object({ type: z.literal('basic'), username: z.string(), password: z.string(), fields: z.record(z.string(), z.string()).default({}) }),
  z.object({ type: z.literal('api_key'), apiKey: z.string().min(1), fields: z.record(z.string(), z.string()).default({}) }),
  z.object({ type: z.literal('proprietary'), values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])) }),
  z.object({ type: z.literal('none') }),
]);
/** Credentials of one connector auth. Never leave the server. */
export type Credentials = z.infer<typeof credentialsSchema>;

function at(authId: string) {
  return secretLocation('connector_auths', 'credentials_enc', authId);
}

/** Seals credentials for one auth row. */
export function sealCredentials(ctx: Pick<AppContext, 'keyring'>, authId: string, credentials: Credentials): string {
  return sealJson(ctx.keyring, at(authId), credentialsSchema.parse(credentials));
}

/** Opens and parses an auth row's credentials. Throws on tampering or a foreign row. */
export function openCredentials(ctx: Pick<AppContext, 'keyring'>, authId: string, sealed: string): Credentials {
  return credentialsSchema.parse(openJson(ctx.keyring, at(authId), sealed));
}

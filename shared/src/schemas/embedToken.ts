import { z } from 'zod';
import { MAX_EMBED_STATE_BYTES } from '../protocol/embedToken.ts';

const idClaim = z.string().min(1).max(255);
const numericDate = z.number().int().nonnegative().max(32_503_680_000);

/** The claims of an embed token after its signature was checked (docs/embed-token.md). */
export const embedTokenClaimsSchema = z.object({
  aud: z.union([z.string().min(1).max(64), z.array(z.string().min(1).max(64)).min(1).max(5)]),
  embed_user_id: idClaim,
  embed_account_id: idClaim,
  embed_user_name: z.string().max(255).optional(),
  embed_user_email: z.string().max(320).optional(),
  embed_account_name: z.string().max(255).optional(),
  embed_user_language: z
    .string()
    .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8}){0,3}$/)
    .optional(),
  embed_state: z
    .unknown()
    .refine((v) => v === undefined || JSON.stringify(v).length <= MAX_EMBED_STATE_BYTES, {
      message: `must be JSON of at most ${MAX_EMBED_STATE_BYTES} bytes`,
    })
    .optional(),
  client_authentication: z.record(z.string().max(100), z.union([z.string().max(8192), z.number(), z.boolean()])).optional(),
  iat: numericDate,
  exp: numericDate,
  nbf: numericDate.optional(),
  jti: z.string().min(1).max(255).optional(),
  iss: z.string().max(255).optional(),
  sub: z.string().max(255).optional(),
});
/** Verified embed token claims. */
export type EmbedTokenClaims = z.infer<typeof embedTokenClaimsSchema>;

import { z } from 'zod';
import { MAX_EMBED_TOKEN_LENGTH } from '../protocol/embedToken.ts';
import { languageSchema, sharingLevelSchema, timestampSchema } from './common.ts';
import { brandingSchema } from './embedConfigs.ts';

/** `POST /embed/api/session` body. */
export const sessionCreateSchema = z.strictObject({
  token: z.string().min(1).max(MAX_EMBED_TOKEN_LENGTH),
  configId: z.string().max(64).optional().describe('The configuration the iframe shows; the token must be for it'),
});

/** `POST /embed/api/session` answer. */
export const sessionSchema = z
  .object({
    sessionToken: z.string(),
    expiresAt: timestampSchema,
    user: z.object({ id: z.string(), name: z.string().nullable(), email: z.string().nullable(), language: z.string().nullable() }),
    account: z.object({ id: z.string(), name: z.string().nullable() }),
    config: z.object({
      id: z.string(),
      name: z.string(),
      sharingLevel: sharingLevelSchema,
      defaultLanguage: languageSchema,
      consent: z.object({ enabled: z.boolean(), text: z.string().nullable(), given: z.boolean() }),
      branding: brandingSchema,
    }),
  })
  .meta({ id: 'EmbedSession' });
/** Embed session as answered. */
export type EmbedSession = z.infer<typeof sessionSchema>;

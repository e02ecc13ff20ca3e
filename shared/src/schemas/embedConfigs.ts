import { z } from 'zod';
import { CSS_COLOR_PATTERN, MAX_CSS_COLOR_LENGTH, themeColorNames } from '../protocol/branding.ts';
import { isOriginPattern } from '../protocol/origins.ts';
import { THEME_MODES } from '../protocol/portal.ts';
import { connectorIdSchema, languageSchema, prefixedIdSchema, sharingLevelSchema, timestampSchema } from './common.ts';

/** An allowed origin: `https://app.acme.example`, `https://*.acme.example`, or a loopback `http://` origin. */
export const originPatternSchema = z.string().max(300).refine(isOriginPattern, {
  message: 'must be an origin like https://app.example.com or https://*.example.com (no path, no query)',
});

/** CSS colour values the theme accepts: hex, rgb(a) or hsl(a); nothing that could close a rule. */
const cssColorSchema = z.string().max(MAX_CSS_COLOR_LENGTH).regex(CSS_COLOR_PATTERN, 'must be a hex, rgb() or hsl() colour');

/** Branding of the iframe. */
export const brandingSchema = z.strictObject({
  title: z.string().max(100).optional(),
  logoUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
  mode: z.enum(THEME_MODES).optional(),
  colors: z.partialRecord(z.enum(themeColorNames), cssColorSchema).optional(),
  darkColors: z.partialRecord(z.enum(themeColorNames), cssColorSchema).optional(),
  customCss: z.string().max(20_000).optional(),
});

/** Consent screen settings. */
export const consentSchema = z.strictObject({
  enabled: z.boolean(),
  text: z.string().max(5000).optional(),
});

/** A named group of flows shown in the iframe; also the unit of member permissions. */
export const groupInputSchema = z.strictObject({
  id: prefixedIdSchema('grp').optional().describe('Keep an existing group (and its permissions) by id'),
  name: z.string().min(1).max(100),
  flowIds: z.array(prefixedIdSchema('flow')).max(100).default([]),
  highlightedConnectors: z.array(connectorIdSchema).max(10).default([]),
});

/** A public key registered for RS256/ES256 embed tokens. */
export const publicKeyInputSchema = z.strictObject({
  kid: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/)
    .optional(),
  alg: z.enum(['RS256', 'ES256']),
  pem: z.string().min(100).max(10_000).startsWith('-----BEGIN PUBLIC KEY-----'),
});

const configFields = {
  name: z.string().min(1).max(200),
  allowedOrigins: z.array(originPatternSchema).min(1).max(50),
  consent: consentSchema.optional(),
  branding: brandingSchema.optional(),
  defaultLanguage: languageSchema.optional(),
  groups: z.array(groupInputSchema).max(50).optional(),
  proprietaryConnectorId: connectorIdSchema.nullable().optional(),
  callbackUrl: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .nullable()
    .optional(),
  enabled: z.boolean().optional(),
};

/** `POST /api/v1/embed-configs` body. */
export const embedConfigCreateSchema = z.strictObject({
  ...configFields,
  sharingLevel: sharingLevelSchema,
  createSecret: z.boolean().default(true).describe('Generate the first HS256 signing secret (answered once)'),
  publicKeys: z.array(publicKeyInputSchema).max(10).optional(),
});
/** Embed config create body. */
export type EmbedConfigCreate = z.infer<typeof embedConfigCreateSchema>;

/** `PATCH /api/v1/embed-configs/{id}` body; `sharingLevel` is fixed at creation and refused here. */
export const embedConfigUpdateSchema = z.strictObject({
  sharingLevel: z.unknown().optional().describe('Fixed at creation: any value is refused with 400 validation_failed'),
  name: configFields.name.optional(),
  allowedOrigins: configFields.allowedOrigins.optional(),
  consent: configFields.consent,
  branding: configFields.branding,
  defaultLanguage: configFields.defaultLanguage,
  groups: configFields.groups,
  proprietaryConnectorId: configFields.proprietaryConnectorId,
  callbackUrl: configFields.callbackUrl,
  enabled: configFields.enabled,
});
/** Embed config update body. */
export type EmbedConfigUpdate = z.infer<typeof embedConfigUpdateSchema>;

/** A signing key of a configuration, listed by kid, never with its value. */
export const embedKeySchema = z
  .object({
    kid: z.string(),
    alg: z.enum(['HS256', 'RS256', 'ES256']),
    accountId: z.string().nullable().describe('Set for per-account secrets'),
    status: z.enum(['active', 'revoked']),
    expiresAt: timestampSchema.nullable(),
    createdAt: timestampSchema,
    revokedAt: timestampSchema.nullable(),
  })
  .meta({ id: 'EmbedKey' });

/** A freshly generated secret, answered exactly once. */
export const issuedSecretSchema = z
  .object({ kid: z.string(), value: z.string(), accountId: z.string().nullable().optional() })
  .meta({ id: 'IssuedSecret' });

/** `POST /api/v1/embed-configs/{id}/rotate-secret` body. */
export const rotateSecretSchema = z.strictObject({
  graceSeconds: z
    .number()
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(86_400)
    .describe('How long the previous secrets stay valid; 0 revokes them now'),
});

/** `POST /api/v1/embed-configs/{id}/keys` body: register a public key or issue a per-account secret. */
export const embedKeyCreateSchema = z.discriminatedUnion('type', [
  publicKeyInputSchema.extend({ type: z.literal('publicKey') }),
  z.strictObject({ type: z.literal('accountSecret'), accountId: z.string().min(1).max(255) }),
]);

/** An embed configuration as answered by the API. */
export const embedConfigSchema = z
  .object({
    id: prefixedIdSchema('cfg'),
    name: z.string(),
    sharingLevel: sharingLevelSchema,
    allowedOrigins: z.array(z.string()),
    consent: z.object({ enabled: z.boolean(), text: z.string().nullable() }),
    branding: brandingSchema,
    defaultLanguage: languageSchema,
    groups: z.array(
      z.object({ id: z.string(), name: z.string(), flowIds: z.array(z.string()), highlightedConnectors: z.array(z.string()) }),
    ),
    proprietaryConnectorId: z.string().nullable(),
    callbackUrl: z.string().nullable(),
    callbacksDisabledAt: timestampSchema
      .nullable()
      .describe('When the backend answered 410 Gone and callbacks stopped; null while they run (`POST …/enable-callbacks` restarts them)'),
    enabled: z.boolean(),
    embedUrl: z.string().describe('Where the iframe lives'),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'EmbedConfig' });
/** Embed config as answered. */
export type EmbedConfig = z.infer<typeof embedConfigSchema>;

/** Create answer: the configuration plus its first secret (once) and callback secret (once). */
export const embedConfigCreatedSchema = embedConfigSchema.extend({
  secret: issuedSecretSchema.nullable(),
  callbackSecret: z.string().nullable(),
});

/** `PATCH /api/v1/embed-configs/{id}` answer; `callbackSecret` appears once when the update gave a first callback URL. */
export const embedConfigUpdatedSchema = embedConfigSchema.extend({
  callbackSecret: z.string().optional().describe('Answered once, when this update created the callback signing secret'),
});

/** `DELETE /api/v1/embed-configs/{id}` query. */
export const embedConfigDeleteQuerySchema = z.object({
  force: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true')
    .describe('Also delete the integrations and connector auths of the configuration'),
});

/** A key as answered when registered; `value` only for a per-account secret, exactly once. */
export const embedKeyCreatedSchema = embedKeySchema.extend({
  value: z.string().optional().describe('The per-account secret (answered once)'),
});

/** `POST /api/v1/embed-configs/{id}/rotate-callback-secret` answer. */
export const callbackSecretSchema = z.object({
  callbackSecret: z.string().describe('Standard Webhooks secret (`whsec_` + base64), answered once'),
});

import { z } from 'zod';
import { connectorIdSchema, timestampSchema } from './common.ts';

/** How a connector authenticates. */
export const authTypeSchema = z.enum(['oauth2', 'oauth1', 'basic', 'api_key', 'none']);
/** Auth type. */
export type AuthType = z.infer<typeof authTypeSchema>;

const urlSchema = z.url({ protocol: /^https?$/ }).max(2048);
const httpMethodSchema = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD']);
/** A path below a connector's `baseUrl`, e.g. `/me`. */
export const relativePathSchema = z
  .string()
  .max(2048)
  .regex(/^\/(?!\/)[^\s\\]*$/, 'must be a path starting with a single "/"');

/** How a connector obtains OAuth2 tokens. */
export const grantTypeSchema = z.enum(['authorization_code', 'client_credentials']);
/** How an OAuth1 connector signs its requests. */
export const oauth1SignatureMethodSchema = z.enum(['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT']);
/** Where an API key goes. */
const apiKeyPlacementSchema = z.enum(['header', 'query']);
/** How a credentials form shows a field. */
const credentialFieldTypeSchema = z.enum(['text', 'password']);

const oauth2InputSchema = z.strictObject({
  authorizeUrl: urlSchema.optional(),
  tokenUrl: urlSchema.optional(),
  revokeUrl: urlSchema.optional(),
  clientId: z.string().min(1).max(1024),
  clientSecret: z.string().min(1).max(4096).optional(),
  scopes: z.array(z.string().min(1).max(256)).max(100).optional(),
  scopeDelimiter: z.string().min(1).max(3).optional(),
  pkce: z.boolean().optional(),
  grantType: grantTypeSchema.optional(),
  authorizeParams: z.record(z.string().max(100), z.string().max(1000)).optional(),
});

const oauth1InputSchema = z.strictObject({
  requestTokenUrl: urlSchema.optional(),
  authorizeUrl: urlSchema.optional(),
  accessTokenUrl: urlSchema.optional(),
  consumerKey: z.string().min(1).max(1024),
  consumerSecret: z.string().min(1).max(4096),
  signatureMethod: oauth1SignatureMethodSchema.optional(),
});

/** One input field shown to the end user for basic/api_key connectors. */
export const credentialFieldSchema = z.strictObject({
  key: z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/),
  label: z.string().min(1).max(200),
  type: credentialFieldTypeSchema,
  required: z.boolean().default(true),
});

const apiKeyInputSchema = z.strictObject({
  in: apiKeyPlacementSchema,
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, 'must be a header or query parameter name'),
  prefix: z.string().max(50).optional(),
});

/**
 * Request headers a connector may never let the proxy pass on (docs/http-api.md; SECURITY.md,
 * S-06): framing and hop-by-hop headers, the credentials Patchbay injects itself, and headers an
 * upstream's own proxy or framework reads to reroute, re-method or re-address a call. Exact names,
 * then prefixes.
 */
const NEVER_FORWARDED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'http2-settings',
  'max-forwards',
  'authorization',
  'cookie',
  'cookie2',
  'forwarded',
  'via',
  'x-real-ip',
  'x-client-ip',
  'x-originating-ip',
  'x-remote-ip',
  'x-remote-addr',
  'x-cluster-client-ip',
  'true-client-ip',
  'cf-connecting-ip',
  'fastly-client-ip',
  'x-host',
  'x-original-host',
  'x-http-host-override',
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-override-url',
  'x-envoy-original-path',
  'x-http-method-override',
  'x-http-method',
  'x-method-override',
]);
const NEVER_FORWARDED_PREFIXES = ['proxy-', 'x-forwarded', 'sec-'];

/** Whether the proxy refuses to pass request header `name` on, whatever a connector declares. */
export function isNeverForwardedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return NEVER_FORWARDED_HEADERS.has(lower) || NEVER_FORWARDED_PREFIXES.some((p) => lower.startsWith(p));
}

const forwardHeaderNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/, {
    error: 'must be a header name: letters, digits, "-" and "_", at most 100',
    abort: true,
  })
  .refine((name) => !isNeverForwardedHeader(name), {
    error: (issue) =>
      `${JSON.stringify(issue.input)} may not be passed on: Patchbay sets it itself, or it would change how the request is framed, routed or authenticated`,
  });

/** How the proxy treats a connector's calls: which caller request headers it passes on besides the fixed list. */
export const connectorProxyInputSchema = z.strictObject({
  forwardHeaders: z
    .array(forwardHeaderNameSchema)
    .max(50)
    .describe(
      'Request headers the proxy passes on to this service besides its fixed list (case-insensitive). Refused: hop-by-hop and framing headers, `Authorization`, `Cookie`, `Proxy-*`, `Sec-*`, `Forwarded`, `Via`, `X-Forwarded-*`, client-address headers (`X-Real-IP`, `X-Client-IP`, …) and rewrite or override headers (`X-Original-URL`, `X-Rewrite-URL`, `X-HTTP-Method-Override`, `X-Host`, …).',
    ),
});

/** A dotted path into a JSON answer: up to five member names. */
export const accountFieldSchema = z
  .string()
  .regex(/^[A-Za-z0-9_$-]{1,64}(\.[A-Za-z0-9_$-]{1,64}){0,4}$/, 'must be a dotted path of member names, e.g. `user.email`');

/** A request run when credentials are created, to refuse wrong ones at once. */
export const validationRequestSchema = z.strictObject({
  method: httpMethodSchema.default('GET'),
  path: relativePathSchema,
  expectStatus: z.number().int().min(100).max(599).default(200),
  accountField: accountFieldSchema
    .optional()
    .describe(
      'Where the JSON answer names the remote account, as a dotted path (e.g. `email` or `user.login`): the connection then says ' +
        'whose it is, and connecting the same account again updates it instead of adding a twin',
    ),
});

/*
 * The stored definition: what a connector row's `definition` column holds (everything but its name,
 * the URLs kept in columns, and its sealed secret), with every default filled in. The API answers
 * it as it is plus whether a secret is set ({@link connectorSchema}). Its parts are looser than the
 * input schemas above on purpose: definitions written by earlier versions must keep parsing.
 */

const storedOAuth2Schema = z.object({
  authorizeUrl: z.string().nullable(),
  tokenUrl: z.string().nullable(),
  revokeUrl: z.string().nullable(),
  clientId: z.string(),
  scopes: z.array(z.string()),
  scopeDelimiter: z.string(),
  pkce: z.boolean(),
  grantType: grantTypeSchema,
  authorizeParams: z.record(z.string(), z.string()),
});

const storedOAuth1Schema = z.object({
  requestTokenUrl: z.string(),
  authorizeUrl: z.string(),
  accessTokenUrl: z.string(),
  consumerKey: z.string(),
  signatureMethod: oauth1SignatureMethodSchema,
});

/** One field of a basic/api_key connector's credentials form, as stored (and shown). */
export const storedCredentialFieldSchema = z.object({
  key: z.string(),
  label: z.string(),
  type: credentialFieldTypeSchema,
  required: z.boolean(),
});

const storedProxySchema = z.object({
  forwardHeaders: z.array(z.string()).describe('Declared request headers the proxy passes on, in lower case'),
});

/** A connector's `definition` column, parsed strictly when read back from the database. */
export const storedConnectorDefinitionSchema = z.object({
  oauth2: storedOAuth2Schema.nullable(),
  oauth1: storedOAuth1Schema.nullable(),
  apiKey: z.object({ in: apiKeyPlacementSchema, name: z.string(), prefix: z.string().nullable() }).nullable(),
  fields: z.array(storedCredentialFieldSchema),
  validation: z.object({ method: z.string(), path: z.string(), expectStatus: z.number(), accountField: z.string().optional() }).nullable(),
  /** Absent in definitions written before it existed: no declared headers. */
  proxy: storedProxySchema.optional(),
});
/** A connector's stored definition (no secret). */
export type StoredConnectorDefinition = z.infer<typeof storedConnectorDefinitionSchema>;

/** `POST /api/v1/connectors` body: a custom service or a catalogue entry. */
export const connectorCreateSchema = z
  .strictObject({
    id: connectorIdSchema,
    name: z.string().min(1).max(200).optional(),
    catalogKey: z
      .string()
      .regex(/^[a-z0-9_-]{1,64}$/)
      .optional(),
    authType: authTypeSchema.optional(),
    baseUrl: urlSchema.optional(),
    iconUrl: urlSchema.optional(),
    oauth2: oauth2InputSchema.optional(),
    oauth1: oauth1InputSchema.optional(),
    apiKey: apiKeyInputSchema.optional(),
    fields: z.array(credentialFieldSchema).max(10).optional(),
    validation: validationRequestSchema.optional(),
    proxy: connectorProxyInputSchema.optional(),
  })
  .superRefine((c, ctx) => {
    if (c.id === 'catalog') ctx.addIssue({ code: 'custom', path: ['id'], message: 'is reserved (GET /api/v1/connectors/catalog)' });
    if (c.catalogKey) return;
    if (!c.name) ctx.addIssue({ code: 'custom', path: ['name'], message: 'required for a custom connector' });
    if (!c.authType) {
      ctx.addIssue({ code: 'custom', path: ['authType'], message: 'required for a custom connector' });
      return;
    }
    const need = (key: 'oauth2' | 'oauth1' | 'apiKey') => {
      if (!c[key]) ctx.addIssue({ code: 'custom', path: [key], message: `required for authType ${c.authType}` });
    };
    if (c.authType === 'oauth2') {
      need('oauth2');
      if (c.oauth2 && !c.oauth2.tokenUrl) {
        ctx.addIssue({ code: 'custom', path: ['oauth2', 'tokenUrl'], message: 'required for a custom connector' });
      }
      if (c.oauth2 && (c.oauth2.grantType ?? 'authorization_code') === 'authorization_code' && !c.oauth2.authorizeUrl) {
        ctx.addIssue({ code: 'custom', path: ['oauth2', 'authorizeUrl'], message: 'required for authorization_code' });
      }
    }
    if (c.authType === 'oauth1') {
      need('oauth1');
      for (const url of ['requestTokenUrl', 'authorizeUrl', 'accessTokenUrl'] as const) {
        if (c.oauth1 && !c.oauth1[url]) ctx.addIssue({ code: 'custom', path: ['oauth1', url], message: 'required for a custom connector' });
      }
    }
    if (c.authType === 'api_key') need('apiKey');
    for (const key of ['oauth2', 'oauth1', 'apiKey'] as const) {
      const allowed = { oauth2: 'oauth2', oauth1: 'oauth1', apiKey: 'api_key' }[key];
      if (c[key] && c.authType !== allowed) {
        ctx.addIssue({ code: 'custom', path: [key], message: `not allowed for authType ${c.authType}` });
      }
    }
  });
/** Connector create body. */
export type ConnectorCreate = z.infer<typeof connectorCreateSchema>;

/** `PATCH /api/v1/connectors/{id}` body; the id and auth type are fixed; `null` clears an optional field. */
export const connectorUpdateSchema = z.strictObject({
  name: z.string().min(1).max(200).optional(),
  baseUrl: urlSchema.nullable().optional(),
  iconUrl: urlSchema.nullable().optional(),
  oauth2: oauth2InputSchema.partial().extend({ revokeUrl: urlSchema.nullable().optional() }).optional(),
  oauth1: oauth1InputSchema.partial().optional(),
  apiKey: apiKeyInputSchema.optional(),
  fields: z.array(credentialFieldSchema).max(10).optional(),
  validation: validationRequestSchema.nullable().optional(),
  proxy: connectorProxyInputSchema.nullable().optional(),
  force: z
    .boolean()
    .optional()
    .describe(
      'Needed to move `baseUrl`, the OAuth2 token/revoke URL or the OAuth1 token URLs to another origin while connector auths hold ' +
        'credentials: their credentials are dropped and they need reauthorization (otherwise 409 `conflict`)',
    ),
});
/** Connector update body. */
export type ConnectorUpdate = z.infer<typeof connectorUpdateSchema>;

/** A connector as answered by the API: its stored definition, never a secret, only whether one is set. */
export const connectorSchema = z
  .object({
    id: connectorIdSchema,
    name: z.string(),
    authType: authTypeSchema,
    catalogKey: z.string().nullable(),
    baseUrl: z.string().nullable(),
    iconUrl: z.string().nullable(),
    redirectUri: z.string().nullable().describe('Register this at the provider (OAuth connectors)'),
    ...storedConnectorDefinitionSchema.shape,
    oauth2: storedOAuth2Schema.extend({ hasClientSecret: z.boolean() }).nullable(),
    oauth1: storedOAuth1Schema.extend({ hasConsumerSecret: z.boolean() }).nullable(),
    proxy: storedProxySchema,
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Connector' });
/** Connector as answered. */
export type Connector = z.infer<typeof connectorSchema>;

/** `GET /api/v1/connectors/catalog` query: a search over grant's bundled providers. */
export const connectorCatalogQuerySchema = z.object({
  q: z.string().max(100).optional().describe('Case-insensitive substring of key or name'),
  cursor: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(50).default(50),
});

/** One provider of the built-in catalogue; create a connector from it with `catalogKey`. */
export const catalogEntrySchema = z
  .object({
    key: z.string(),
    name: z.string(),
    authType: z.enum(['oauth1', 'oauth2']),
    authorizeUrl: z.string(),
    tokenUrl: z.string().describe('OAuth2 token URL or OAuth1 access-token URL'),
    scopeDelimiter: z.string(),
    needsSubdomain: z.boolean().describe('The URLs contain `[subdomain]`: give the real URLs when creating the connector'),
  })
  .meta({ id: 'CatalogEntry' });
/** Catalogue entry as answered. */
export type CatalogEntryOut = z.infer<typeof catalogEntrySchema>;

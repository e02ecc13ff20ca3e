import { z } from 'zod';
import { pageOf, pageQuerySchema, prefixedIdSchema, timestampSchema } from './common.ts';

/** Admin roles: owners and admins see and do everything; members only what their group permissions allow. */
export const adminRoleSchema = z.enum(['owner', 'admin', 'member']);
/** Admin role. */
export type AdminRole = z.infer<typeof adminRoleSchema>;

/** What an API token may do: `read` (GET), `write` (changes), `run` (run integrations, proxy). */
export const apiTokenScopeSchema = z.enum(['read', 'write', 'run']);
/** API token scope. */
export type ApiTokenScope = z.infer<typeof apiTokenScopeSchema>;

/** A member's permission on one group of flows. */
export const groupPermissionSchema = z.strictObject({
  groupId: prefixedIdSchema('grp'),
  view: z.boolean().default(false),
  run: z.boolean().default(false),
  manage: z.boolean().default(false),
});

/** An admin user as answered. */
export const adminUserSchema = z
  .object({
    id: prefixedIdSchema('adm'),
    email: z.string(),
    name: z.string(),
    role: adminRoleSchema,
    permissions: z.array(z.object({ groupId: z.string(), view: z.boolean(), run: z.boolean(), manage: z.boolean() })),
    createdAt: timestampSchema,
  })
  .meta({ id: 'AdminUser' });

/** `POST /api/v1/admin-users` body. */
export const adminUserCreateSchema = z.strictObject({
  email: z.email().max(320),
  name: z.string().min(1).max(200),
  role: adminRoleSchema,
  password: z.string().min(12).max(1024),
});

/** `GET /api/v1/admin-users` answer. */
export const adminUserPageSchema = pageOf(adminUserSchema);

/** Path parameters of `/api/v1/admin-users/{id}…`. */
export const adminUserIdParamsSchema = z.strictObject({ id: prefixedIdSchema('adm') });

/**
 * `PUT /api/v1/admin-users/{id}/permissions` body: the member's complete permission list.
 * `run` and `manage` imply `view`.
 */
export const permissionsReplaceSchema = z.strictObject({ permissions: z.array(groupPermissionSchema).max(500) });

/** `POST /admin/api/login` body. */
export const loginSchema = z.strictObject({ email: z.string().max(320), password: z.string().max(1024) });

/** `POST /admin/api/login` and `GET /admin/api/me` answer: who is signed in and until when at the latest. */
export const adminSessionSchema = z.object({ user: adminUserSchema, expiresAt: timestampSchema }).meta({ id: 'AdminSession' });
/** The console's session as answered. */
export type ConsoleSession = z.infer<typeof adminSessionSchema>;

/** An API token as answered (the value only once, at creation). */
export const apiTokenSchema = z
  .object({
    id: prefixedIdSchema('tok'),
    name: z.string(),
    prefix: z.string().describe('First characters of the token, to recognise it'),
    scopes: z.array(apiTokenScopeSchema),
    adminUserId: z.string(),
    createdAt: timestampSchema,
    lastUsedAt: timestampSchema.nullable(),
    expiresAt: timestampSchema.nullable(),
    revokedAt: timestampSchema.nullable(),
  })
  .meta({ id: 'ApiToken' });

/** `POST /api/v1/api-tokens` body; without `adminUserId` the token is for the caller. */
export const apiTokenCreateSchema = z.strictObject({
  name: z.string().min(1).max(100),
  scopes: z
    .array(apiTokenScopeSchema)
    .min(1)
    .max(3)
    .refine((s) => new Set(s).size === s.length, { message: 'must not repeat a scope' })
    .default(['read', 'write', 'run']),
  adminUserId: prefixedIdSchema('adm').optional(),
  expiresAt: timestampSchema.nullable().optional(),
});

/** `POST /api/v1/api-tokens` answer: the token value, shown this one time only. */
export const apiTokenCreatedSchema = apiTokenSchema
  .extend({ token: z.string().describe('The `pb_…` value; store it now, it is never shown again') })
  .meta({ id: 'ApiTokenCreated' });

/** `GET /api/v1/api-tokens` filters. */
export const apiTokenListQuerySchema = pageQuerySchema.extend({ adminUserId: z.string().max(64).optional() });

/** `GET /api/v1/api-tokens` answer. */
export const apiTokenPageSchema = pageOf(apiTokenSchema);

/** Path parameters of `/api/v1/api-tokens/{id}`. */
export const apiTokenIdParamsSchema = z.strictObject({ id: prefixedIdSchema('tok') });

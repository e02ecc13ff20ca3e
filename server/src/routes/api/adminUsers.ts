import {
  adminUserCreateSchema,
  adminUserIdParamsSchema,
  adminUserPageSchema,
  adminUserSchema,
  apiTokenCreatedSchema,
  apiTokenCreateSchema,
  apiTokenIdParamsSchema,
  apiTokenListQuerySchema,
  apiTokenPageSchema,
  apiTokenSchema,
  pageQuerySchema,
  permissionsReplaceSchema,
} from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import {
  createAdminUserFor,
  getAdminUserFor,
  listAdminUsersFor,
  replaceMemberPermissions,
} from '../../services/admins/manageAdminUsers.ts';
import { createApiTokenFor, listApiTokensFor, revokeApiTokenFor } from '../../services/admins/manageApiTokens.ts';

/** `/api/v1/admin-users` and `/api/v1/api-tokens`: people, their group permissions, and script tokens. */
export function adminUsersRoutes(ctx: AppContext): RouteDef[] {
  const userTags = ['Admin users'];
  const tokenTags = ['API tokens'];
  return [
    defineRoute({
      method: 'get',
      path: '/api/v1/admin-users',
      summary: 'List admin users',
      description: 'Owners and admins only.',
      tags: userTags,
      auth: 'apiToken',
      query: pageQuerySchema,
      response: adminUserPageSchema,
      handler: ({ principal, query }) => listAdminUsersFor(ctx, principal, query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/admin-users/{id}',
      summary: 'Get an admin user',
      description: 'Owners and admins read anyone; a member reads only itself.',
      tags: userTags,
      auth: 'apiToken',
      params: adminUserIdParamsSchema,
      response: adminUserSchema,
      handler: ({ principal, params }) => getAdminUserFor(ctx, principal, params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/admin-users',
      summary: 'Create an admin user',
      description: 'Owners and admins only; only owners create owners. The password is stored as a scrypt hash.',
      tags: userTags,
      auth: 'apiToken',
      body: adminUserCreateSchema,
      status: 201,
      response: adminUserSchema,
      errors: [409],
      handler: ({ principal, body }) => createAdminUserFor(ctx, principal, body),
    }),
    defineRoute({
      method: 'put',
      path: '/api/v1/admin-users/{id}/permissions',
      summary: "Replace a member's group permissions",
      description:
        'Owners and admins only. The target must be a member (owners and admins see every group). `run` and `manage` imply `view`.',
      tags: userTags,
      auth: 'apiToken',
      params: adminUserIdParamsSchema,
      body: permissionsReplaceSchema,
      response: adminUserSchema,
      errors: [409],
      handler: ({ principal, params, body, requestId }) => replaceMemberPermissions(ctx, principal, params.id, body, requestId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/api-tokens',
      summary: 'Create an API token',
      description:
        'For the caller, or (owners and admins) for `adminUserId`. The `pb_…` value is answered this once and stored only as a hash. A token grants at most the scopes of the token that creates it.',
      tags: tokenTags,
      auth: 'apiToken',
      body: apiTokenCreateSchema,
      status: 201,
      response: apiTokenCreatedSchema,
      handler: ({ principal, body }) => createApiTokenFor(ctx, principal, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/api-tokens',
      summary: 'List API tokens',
      description: "The caller's tokens; owners and admins see everyone's. Values are never answered.",
      tags: tokenTags,
      auth: 'apiToken',
      query: apiTokenListQuerySchema,
      response: apiTokenPageSchema,
      handler: ({ principal, query }) => listApiTokensFor(ctx, principal, query),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/api-tokens/{id}',
      summary: 'Revoke an API token',
      description: 'Revoking a revoked token changes nothing. Answers the revoked token.',
      tags: tokenTags,
      auth: 'apiToken',
      params: apiTokenIdParamsSchema,
      response: apiTokenSchema,
      handler: ({ principal, params, requestId }) => revokeApiTokenFor(ctx, principal, params.id, requestId),
    }),
  ];
}

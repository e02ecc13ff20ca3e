import {
  callbackSecretSchema,
  embedConfigCreatedSchema,
  embedConfigCreateSchema,
  embedConfigDeleteQuerySchema,
  embedConfigSchema,
  embedConfigUpdatedSchema,
  embedConfigUpdateSchema,
  embedKeyCreatedSchema,
  embedKeyCreateSchema,
  embedKeySchema,
  issuedSecretSchema,
  pageOf,
  pageQuerySchema,
  prefixedIdSchema,
  rotateSecretSchema,
} from '@patchbay/shared';
import { z } from 'zod';
import { configVisible } from '../../auth/permissions.ts';
import type { AppContext } from '../../context.ts';
import { afterCursor, toPageAsync } from '../../db/keyset.ts';
import { listEmbedConfigs } from '../../db/repos/embedConfigs.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import {
  createEmbedConfig,
  deleteEmbedConfig,
  getEmbedConfig,
  rotateCallbackSecret,
  toEmbedConfig,
  updateEmbedConfig,
} from '../../services/embed/configs.ts';
import { createKey, listKeys, revokeKey, rotateSecret } from '../../services/embed/keys.ts';

const tags = ['Embed configurations'];
const idParams = z.object({ id: prefixedIdSchema('cfg') });
const keyParams = z.object({ id: prefixedIdSchema('cfg'), kid: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/) });

/**
 * `/api/v1/embed-configs`: configurations, their signing keys and secrets. Members see only
 * configurations with a group where they hold `view`; every write needs an owner or admin.
 */
export function embedConfigsRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/embed-configs',
      summary: 'Create an embed configuration',
      description:
        'Answers the first HS256 signing secret (`secret: {kid, value}`) and, with a callback URL, the callback signing secret — each exactly once.',
      tags,
      auth: 'apiToken',
      body: embedConfigCreateSchema,
      status: 201,
      response: embedConfigCreatedSchema,
      handler: ({ body, principal, requestId }) => createEmbedConfig(ctx, principal, body, requestId),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/embed-configs',
      summary: 'List embed configurations, newest first',
      tags,
      auth: 'apiToken',
      query: pageQuerySchema,
      response: pageOf(embedConfigSchema),
      handler: async ({ query, principal }) => {
        const rows = await listEmbedConfigs(ctx.db, {
          visible: configVisible(principal, 'view', 'c.id'),
          after: afterCursor(query.cursor, 'c.created_at', 'c.id'),
          limit: query.limit,
        });
        return toPageAsync(
          rows,
          query.limit,
          (r) => ({ t: r.created_at, id: r.id }),
          (r) => toEmbedConfig(ctx, r),
        );
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/embed-configs/{id}',
      summary: 'Read an embed configuration',
      tags,
      auth: 'apiToken',
      params: idParams,
      response: embedConfigSchema,
      handler: ({ params, principal }) => getEmbedConfig(ctx, principal, params.id),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/embed-configs/{id}',
      summary: 'Change an embed configuration (the sharing level is fixed at creation)',
      description: '`groups` replaces every group; give a group its `id` to keep it (and the member permissions on it).',
      tags,
      auth: 'apiToken',
      params: idParams,
      body: embedConfigUpdateSchema,
      response: embedConfigUpdatedSchema,
      handler: ({ params, body, principal, requestId }) => updateEmbedConfig(ctx, principal, params.id, body, requestId),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/embed-configs/{id}',
      summary: 'Delete an embed configuration',
      description: 'Answers `409 in_use` while integrations exist, unless `?force=true`.',
      tags,
      auth: 'apiToken',
      params: idParams,
      query: embedConfigDeleteQuerySchema,
      status: 204,
      errors: [409],
      handler: async ({ params, query, principal, requestId }) => {
        await deleteEmbedConfig(ctx, principal, params.id, query.force, requestId);
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/embed-configs/{id}/rotate-secret',
      summary: 'Issue a new HS256 signing secret (answered once)',
      description:
        'The previous configuration-wide secrets keep working for `graceSeconds`; 0 revokes them now. Embed sessions minted ' +
        'with a previous secret end when it stops working (their next call answers 401 `session_expired`).',
      tags,
      auth: 'apiToken',
      params: idParams,
      body: rotateSecretSchema,
      status: 201,
      response: issuedSecretSchema,
      handler: ({ params, body, principal, requestId }) => rotateSecret(ctx, principal, params.id, body.graceSeconds, requestId),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/embed-configs/{id}/keys',
      summary: 'List signing keys by kid (never their values)',
      tags,
      auth: 'apiToken',
      params: idParams,
      response: pageOf(embedKeySchema),
      handler: async ({ params, principal }) => ({ items: await listKeys(ctx, principal, params.id), nextCursor: null }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/embed-configs/{id}/keys',
      summary: 'Register an RS256/ES256 public key, or issue a per-account secret (answered once)',
      tags,
      auth: 'apiToken',
      params: idParams,
      body: embedKeyCreateSchema,
      status: 201,
      response: embedKeyCreatedSchema,
      errors: [409],
      handler: ({ params, body, principal, requestId }) => createKey(ctx, principal, params.id, body, requestId),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/embed-configs/{id}/keys/{kid}',
      summary: 'Revoke a signing key at once',
      description:
        'The key verifies no further embed token, and the embed sessions it minted end at once: their next call answers ' +
        '401 `session_expired`, so the iframe asks the vendor for a fresh token (signed with another key).',
      tags,
      auth: 'apiToken',
      params: keyParams,
      response: embedKeySchema,
      handler: ({ params, principal, requestId }) => revokeKey(ctx, principal, params.id, params.kid, requestId),
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/embed-configs/{id}/rotate-callback-secret',
      summary: 'Issue a new callback signing secret (answered once)',
      description:
        'The previous callback secret keeps signing beside the new one for 24 hours (`webhook-signature` then carries both ' +
        '`v1,…` signatures), so the backend can switch without missing a callback; a second rotation within that time drops the oldest.',
      tags,
      auth: 'apiToken',
      params: idParams,
      response: callbackSecretSchema,
      handler: ({ params, principal, requestId }) => rotateCallbackSecret(ctx, principal, params.id, requestId),
    }),
  ];
}

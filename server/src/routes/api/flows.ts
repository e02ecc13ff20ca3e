import {
  flowCreateSchema,
  flowSchema,
  flowUpdateSchema,
  flowVersionCreatedSchema,
  flowVersionCreateSchema,
  flowVersionSchema,
  pageOf,
  pageQuerySchema,
} from '@patchbay/shared';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import {
  createFlow,
  createFlowVersion,
  deleteFlowById,
  getFlow,
  getVersionFor,
  listFlowsFor,
  listVersionsFor,
  updateFlow,
} from '../../services/flows/forAdmin.ts';

const tags = ['Flows'];
const idParams = z.object({ id: z.string().min(1).max(100).describe('A flow id, `flow_…`') });
const versionParams = idParams.extend({ version: z.coerce.number().int().min(1).max(1_000_000).describe('A version number') });
/** What a member may change of a flow, which any number of configurations may offer. */
const MEMBER_NOTE =
  'Members need `manage`, and may only change a flow that reaches no configuration beyond it: while any embed configuration where they lack `manage` on the flow ' +
  '(no group of it offering the flow gives them `manage`) offers the flow or still has integrations of it, the change, pushed or not, is refused with 403 `forbidden` ' +
  'and nothing is changed; an owner or admin can make it.';
/** Definitions with many steps are larger than the default 100 kB body. */
const FLOW_BODY_LIMIT = '512kb';

/** Vendor API for flows and their versions. */
export function flowsRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/v1/flows',
      summary: 'Create a flow (its definition becomes version 1)',
      description:
        "Validates the definition: slot connectors must exist; a pre-filled connector auth must be vendor-owned (created through `POST /api/v1/connector-auths`, or a proprietary auth from an embed token) and of the slot's connector, any other id is answered as unknown; " +
        'slot keys, input keys and step ids must not name `Object.prototype` members (`constructor`, `toString`, …); every Liquid template must parse; step paths must stay under the connector base URL. Owners and admins only.',
      tags,
      auth: 'apiToken',
      body: flowCreateSchema,
      bodyLimit: FLOW_BODY_LIMIT,
      status: 201,
      response: flowSchema,
      handler: ({ body, principal, requestId }) => createFlow(ctx, { principal, requestId }, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/flows',
      summary: 'List flows, newest first',
      description: 'Members see only flows offered in groups where they hold `view`.',
      tags,
      auth: 'apiToken',
      query: pageQuerySchema,
      response: pageOf(flowSchema),
      handler: ({ query, principal }) => listFlowsFor(ctx, principal, query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/flows/{id}',
      summary: 'Get a flow with its current definition',
      tags,
      auth: 'apiToken',
      params: idParams,
      response: flowSchema,
      handler: ({ params, principal }) => getFlow(ctx, principal, params.id),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/v1/flows/{id}',
      summary: "Change a flow's name, description or icon",
      description: `A definition change is a new version (\`POST /api/v1/flows/{id}/versions\`). ${MEMBER_NOTE}`,
      tags,
      auth: 'apiToken',
      params: idParams,
      body: flowUpdateSchema,
      response: flowSchema,
      handler: ({ params, body, principal, requestId }) => updateFlow(ctx, { principal, requestId }, params.id, body),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/v1/flows/{id}',
      summary: 'Delete a flow and its versions',
      description:
        'Answers `409 in_use` listing the integrations and configuration groups that still use the flow. Owners and admins only.',
      tags,
      auth: 'apiToken',
      params: idParams,
      status: 204,
      errors: [409],
      handler: async ({ params, principal, requestId }) => {
        await deleteFlowById(ctx, { principal, requestId }, params.id);
        return undefined;
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/v1/flows/{id}/versions',
      summary: 'Publish a new version of a flow',
      description:
        'The new version becomes current. With `pushToIntegrations`, every existing integration of the flow moves to it in the same transaction. ' +
        'The definition is checked as on create; a pre-filled connector auth must be vendor-owned and, for a member, of a configuration where they hold `manage` (any other id is answered as unknown). ' +
        MEMBER_NOTE,
      tags,
      auth: 'apiToken',
      params: idParams,
      body: flowVersionCreateSchema,
      bodyLimit: FLOW_BODY_LIMIT,
      status: 201,
      response: flowVersionCreatedSchema,
      handler: ({ params, body, principal, requestId }) => createFlowVersion(ctx, { principal, requestId }, params.id, body),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/flows/{id}/versions',
      summary: "List a flow's versions, newest first",
      tags,
      auth: 'apiToken',
      params: idParams,
      query: pageQuerySchema,
      response: pageOf(flowVersionSchema),
      handler: ({ params, query, principal }) => listVersionsFor(ctx, principal, params.id, query),
    }),
    defineRoute({
      method: 'get',
      path: '/api/v1/flows/{id}/versions/{version}',
      summary: 'Get one version of a flow',
      tags,
      auth: 'apiToken',
      params: versionParams,
      response: flowVersionSchema,
      handler: ({ params, principal }) => getVersionFor(ctx, principal, params.id, params.version),
    }),
  ];
}

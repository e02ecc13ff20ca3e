import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { deleteEndUserData } from '../../services/embed/deleteData.ts';

/** `DELETE /embed/api/data`: "Delete all my integration data" (SPEC §3). */
export function embedDataRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'delete',
      path: '/embed/api/data',
      summary: 'Delete all my integration data',
      description:
        "Removes, in one transaction, what the caller's sharing scope holds: at `user` level the caller's integrations (with " +
        'their runs), connector auths (with their credentials; OAuth2 tokens are then revoked at the provider where it has a ' +
        'revoke URL) and consent; at `account` level the same for the whole account. Vendor-owned auths stay. Sends ' +
        '`integration.deleted` and `connectorAuth.deleted` callbacks for each object and one `data.deleted` with the counts; the ' +
        'next session asks for consent again. Allowed before consent (withdrawing data is never gated). Answers 204, also when ' +
        'there was nothing to delete.',
      tags: ['embed'],
      auth: 'embedSession',
      // deleting one's data is never held back by the consent screen
      consentExempt: true,
      status: 204,
      handler: async ({ principal, requestId, log }) => {
        await deleteEndUserData(ctx, principal, requestId, log);
        return undefined;
      },
    }),
  ];
}

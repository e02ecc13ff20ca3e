import { consentGivenSchema } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { defineRoute, type RouteDef } from '../../http/route.ts';
import { giveConsent } from '../../services/embed/consent.ts';

/** `POST /embed/api/consent`: the end user (or, at account level, the account) accepts the consent text. */
export function consentRoutes(ctx: AppContext): RouteDef[] {
  return [
    defineRoute({
      method: 'post',
      path: '/embed/api/consent',
      summary: 'Give consent',
      description:
        "Records that the end user accepted the configuration's consent text: once per user at `user` level, once per account " +
        'at `account` level (every user of the account then sees `config.consent.given: true` in their session). ' +
        'Idempotent: a repeated call answers the first consent time. Until consent is given (when the configuration asks for it), ' +
        'every other embed write answers 403 `consent_required`; reads stay open so the consent screen can be shown.',
      tags: ['embed'],
      auth: 'embedSession',
      // the one write allowed before consent: it gives it
      consentExempt: true,
      status: 200,
      response: consentGivenSchema,
      handler: ({ principal, requestId }) => giveConsent(ctx, principal, requestId),
    }),
  ];
}

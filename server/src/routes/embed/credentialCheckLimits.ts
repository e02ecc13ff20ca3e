import type { EndUserPrincipal } from '../../auth/principal.ts';
import type { AppContext } from '../../context.ts';
import { attemptBudget } from '../../http/rateLimits.ts';

const WINDOW_MS = 15 * 60_000;
const MESSAGE = 'Too many credential checks; retry after the time in Retry-After';

/** The budgets of basic/API-key credential checks from the iframe. */
export interface CredentialCheckLimits {
  /** Counts one check for the caller; throws `429 rate_limited` (with `Retry-After`) past either budget. */
  consume(p: EndUserPrincipal): Promise<void>;
}

/**
 * Each credential check (creating or reconnecting a basic/api_key auth) asks the connector's
 * service whether the values work, so unbounded it is an oracle for guessing passwords or keys.
 * Checks are counted per end user and per embed configuration (15-minute windows, limits from
 * the configuration); an attempt over the end user's budget does not count against the
 * configuration's, so one user cannot spend the others' share alone.
 */
export function credentialCheckLimits(ctx: Pick<AppContext, 'config' | 'db' | 'clock'>): CredentialCheckLimits {
  const perUser = attemptBudget(ctx, {
    windowMs: WINDOW_MS,
    limit: ctx.config.credentialUserRateLimit,
    name: 'credential-user',
    message: MESSAGE,
  });
  const perConfig = attemptBudget(ctx, {
    windowMs: WINDOW_MS,
    limit: ctx.config.credentialConfigRateLimit,
    name: 'credential-config',
    message: MESSAGE,
  });
  return {
    async consume(p) {
      await perUser.consume(p.endUserId);
      await perConfig.consume(p.configId);
    },
  };
}

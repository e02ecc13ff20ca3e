import type { AppContext } from '../../context.ts';
import { open, seal } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';
import { hashToken, newSecret } from '../../crypto/tokens.ts';
import type { Queryable } from '../../db/driver.ts';
import { findSealedWebhookTokens, setWebhookToken } from '../../db/repos/integrations.ts';

/**
 * Inbound webhook URLs of integrations (docs/runs.md, "Webhooks"): `{PATCHBAY_PUBLIC_URL}/hooks/{token}`
 * with a 256-bit random token. The token is kept sealed (bound to the integration's row) so the URL
 * can be answered again to whoever may see the integration, and looked up by its SHA-256. An
 * integration gets its token when a webhook flow is enabled, or when it is first answered (one
 * pushed to a webhook version); rotating replaces it, and the old URL stops at once.
 */

/** What every webhook token starts with. */
export const WEBHOOK_TOKEN_PREFIX = 'pbh_';

/** The shape of a token: the prefix and 32 random bytes in base64url. */
export const WEBHOOK_TOKEN_PATTERN = /^pbh_[A-Za-z0-9_-]{43}$/;

function tokenAt(integrationId: string) {
  return secretLocation('integrations', 'webhook_token_enc', integrationId);
}

/** The inbound URL of a token. */
export function webhookUrlOf(ctx: Pick<AppContext, 'config'>, token: string): string {
  return `${ctx.config.publicUrl}/hooks/${token}`;
}

function newToken(ctx: Pick<AppContext, 'keyring'>, integrationId: string) {
  const token = newSecret(WEBHOOK_TOKEN_PREFIX, 32);
  return { token, hash: hashToken(token), sealed: seal(ctx.keyring, tokenAt(integrationId), token) };
}

/** Gives an integration a webhook token unless it has one already. */
export async function ensureWebhookToken(ctx: Pick<AppContext, 'keyring'> & { db: Queryable }, integrationId: string): Promise<void> {
  await setWebhookToken(ctx.db, integrationId, newToken(ctx, integrationId), { onlyIfNone: true });
}

/** Replaces an integration's webhook token; answers the new URL (the old one is unknown from now on). */
export async function rotateWebhookToken(ctx: Pick<AppContext, 'keyring' | 'config'> & { db: Queryable }, integrationId: string) {
  const next = newToken(ctx, integrationId);
  await setWebhookToken(ctx.db, integrationId, next, { onlyIfNone: false });
  return webhookUrlOf(ctx, next.token);
}

/**
 * The webhook URLs of `ids` (integrations whose flow version has a webhook trigger), by id; an
 * integration without a token yet gets one now.
 */
export async function webhookUrlsOf(
  ctx: Pick<AppContext, 'keyring' | 'config'> & { db: Queryable },
  ids: readonly string[],
): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  let sealed = await findSealedWebhookTokens(ctx.db, ids);
  const missing = ids.filter((id) => !sealed.has(id));
  if (missing.length > 0) {
    for (const id of missing) await ensureWebhookToken(ctx, id);
    sealed = await findSealedWebhookTokens(ctx.db, ids);
  }
  const out = new Map<string, string>();
  for (const [id, value] of sealed) out.set(id, webhookUrlOf(ctx, open(ctx.keyring, tokenAt(id), value)));
  return out;
}

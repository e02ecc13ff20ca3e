import { brandingSchema, type EmbedSession } from '@patchbay/shared';
import { consentColumnSchema } from '../../auth/consentGate.ts';
import { SESSION_TOKEN_PREFIX } from '../../auth/embedSessionAuth.ts';
import { inspectEmbedToken, recordTokenUse } from '../../auth/embedToken.ts';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import type { AppContext } from '../../context.ts';
import { inTransaction } from '../../context.ts';
import { hashToken, newId, newSecret } from '../../crypto/tokens.ts';
import type { EmbedConfigRow } from '../../db/repos/embedConfigs.ts';
import { insertEmbedSession } from '../../db/repos/embedSessions.ts';
import { upsertEndUser } from '../../db/repos/endUsers.ts';
import type { Logger } from '../../log.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { storeProprietaryCredentials } from '../auths/proprietary.ts';

/** Longest life of an embed session, in seconds; a session never outlives its embed token either. */
export const MAX_SESSION_TTL_S = 3600;

/** What the caller of {@link exchangeSession} knows besides the token. */
export interface ExchangeOptions {
  /** The configuration the iframe shows; the token must be for it. */
  readonly configId?: string | undefined;
  readonly requestId?: string | undefined;
  readonly log?: Logger | undefined;
}

/**
 * Exchanges a vendor-signed embed token for an opaque session token (`pbs_…`, stored only as its
 * hash). Recording the `jti`, refreshing the end user and creating the session happen in one
 * transaction, so a replayed token leaves nothing behind. `client_authentication` is stored sealed
 * as the proprietary connector's credentials in that same transaction, and never logged.
 */
export async function exchangeSession(ctx: AppContext, token: string, opts: ExchangeOptions = {}): Promise<EmbedSession> {
  const log = opts.log ?? ctx.log;
  const verified = await inspectEmbedToken(ctx, token, opts.configId, log);
  const { config, claims } = verified;
  const nowMs = ctx.clock.now();
  const now = new Date(nowMs).toISOString();
  const expiresAt = new Date(Math.min(claims.exp * 1000, nowMs + MAX_SESSION_TTL_S * 1000)).toISOString();
  const sessionToken = newSecret(SESSION_TOKEN_PREFIX);

  const { endUser, consentGiven } = await inTransaction(ctx, async (txCtx) => {
    await recordTokenUse(txCtx, verified, log);
    const { row, created, consentGiven } = await upsertEndUser(txCtx.db, {
      id: newId('eu'),
      config_id: config.id,
      account_id: claims.embed_account_id,
      user_id: claims.embed_user_id,
      name: claims.embed_user_name ?? null,
      email: claims.embed_user_email ?? null,
      language: claims.embed_user_language ?? null,
      account_name: claims.embed_account_name ?? null,
      seen_at: now,
    });
    const principal: EndUserPrincipal = {
      kind: 'end_user',
      endUserId: row.id,
      configId: config.id,
      embedUserId: row.user_id,
      embedAccountId: row.account_id,
      sharingLevel: config.sharing_level,
      sessionExpiresAt: expiresAt,
    };
    if (created) {
      await recordAudit(txCtx, principal, {
        action: 'end_user.created',
        objectType: 'end_user',
        objectId: row.id,
        configId: config.id,
        requestId: opts.requestId ?? null,
      });
    }
    // The proprietary connector's credentials (client_authentication) are stored in the same transaction.
    await storeProprietaryCredentials(txCtx, { config, endUser: row, claims, principal, requestId: opts.requestId ?? null });
    await insertEmbedSession(txCtx.db, {
      token_hash: hashToken(sessionToken),
      config_id: config.id,
      end_user_id: row.id,
      // the key that verified the token: revoking it (or its grace period ending) ends this session
      key_kid: verified.key.kid,
      created_at: now,
      expires_at: expiresAt,
    });
    return { endUser: row, consentGiven };
  });
  log.info('embed session created', { configId: config.id, endUserId: endUser.id, kid: verified.key.kid, expiresAt });
  return {
    sessionToken,
    expiresAt,
    user: { id: endUser.user_id, name: endUser.name, email: endUser.email, language: endUser.language },
    account: { id: endUser.account_id, name: endUser.account_name },
    config: describeConfig(config, consentGiven),
  };
}

/** The configuration as the iframe needs it, with whether consent is already given (read in the exchange's transaction). */
function describeConfig(config: EmbedConfigRow, given: boolean): EmbedSession['config'] {
  const consent = consentColumnSchema.parse(JSON.parse(config.consent));
  return {
    id: config.id,
    name: config.name,
    sharingLevel: config.sharing_level,
    defaultLanguage: config.default_language,
    consent: { enabled: consent.enabled, text: consent.text ?? null, given },
    branding: brandingSchema.parse(JSON.parse(config.branding)),
  };
}

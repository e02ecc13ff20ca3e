/**
 * Server-side OAuth flow state (RFC 9700 §2.1, §4.7): one row per redirect round trip, found by
 * the SHA-256 of the OAuth2 `state` or the OAuth1 request token, holding grant's session sealed
 * (PKCE verifier, request-token secret), and bound to the starting browser by the hash of its
 * cookie (browserBinding.ts). Single use: consumed before the token exchange, deleted after.
 */
import { type AppContext, inTransaction, nowIso } from '../context.ts';
import { openJson, sealJson } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { hashToken, newId } from '../crypto/tokens.ts';
import {
  consumeOAuthFlow,
  deleteExpiredOAuthFlows,
  deleteOAuthFlow,
  findOAuthFlowByLookup,
  insertOAuthFlow,
  type OAuthFlowRow,
} from '../db/repos/oauthFlows.ts';
import { type GrantSession, grantSessionSchema } from './grantAdapter.ts';

/** How long a provider round trip may take. */
export const FLOW_TTL_SECONDS = 600;

function at(id: string) {
  return secretLocation('oauth_flows', 'session_enc', id);
}

/**
 * Stores a flow for a started ticket; `lookupKey` is the state (OAuth2) or request token (OAuth1),
 * `bindingHash` the hash of the browser cookie set with the redirect.
 */
export async function saveOAuthFlow(
  ctx: AppContext,
  input: { ticketId: string; connectorId: string; lookupKey: string; session: GrantSession; expiresAt: string; bindingHash: string },
): Promise<void> {
  const id = newId('of');
  const now = nowIso(ctx);
  await deleteExpiredOAuthFlows(ctx.db, now);
  await insertOAuthFlow(ctx.db, {
    id,
    ticket_id: input.ticketId,
    connector_id: input.connectorId,
    protocol: input.session.protocol,
    lookup_hash: hashToken(input.lookupKey),
    session_enc: sealJson(ctx.keyring, at(id), grantSessionSchema.parse(input.session)),
    created_at: now,
    expires_at: input.expiresAt,
    consumed_at: null,
    browser_binding_hash: input.bindingHash,
  });
}

/** Why a callback's state (or request token) is refused. */
export type FlowRefusal = 'unknown' | 'consumed' | 'expired' | 'wrong_connector';

/** A flow taken for its callback: the row and its opened session, now consumed. */
export interface TakenFlow {
  readonly row: OAuthFlowRow;
  readonly session: GrantSession;
}

/**
 * Finds the flow for a callback and consumes it in one transaction. Refuses unknown, already
 * consumed (replay) and expired flows, and flows minted for another connector (mix-up).
 */
export async function takeOAuthFlow(
  ctx: AppContext,
  lookupKey: string,
  connectorId: string,
): Promise<{ ok: true; flow: TakenFlow } | { ok: false; reason: FlowRefusal }> {
  return inTransaction(ctx, async (txCtx) => {
    const row = await findOAuthFlowByLookup(txCtx.db, hashToken(lookupKey));
    if (!row) return { ok: false, reason: 'unknown' } as const;
    if (row.connector_id !== connectorId) return { ok: false, reason: 'wrong_connector' } as const;
    if (row.consumed_at !== null) return { ok: false, reason: 'consumed' } as const;
    const now = nowIso(txCtx);
    if (row.expires_at <= now) return { ok: false, reason: 'expired' } as const;
    if (!(await consumeOAuthFlow(txCtx.db, row.id, now))) return { ok: false, reason: 'consumed' } as const;
    const session = grantSessionSchema.parse(openJson(txCtx.keyring, at(row.id), row.session_enc));
    if (session.protocol !== row.protocol) return { ok: false, reason: 'unknown' } as const;
    return { ok: true, flow: { row: { ...row, consumed_at: now }, session } } as const;
  });
}

/** Drops a finished flow and its sealed session (the request-token secret goes with it). */
export async function forgetOAuthFlow(ctx: AppContext, id: string): Promise<void> {
  await deleteOAuthFlow(ctx.db, id);
}

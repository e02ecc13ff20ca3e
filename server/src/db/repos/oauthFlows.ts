import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

/** Server-side state of one OAuth redirect round trip; `session_enc` holds grant's sealed session. */
export interface OAuthFlowRow {
  id: string;
  ticket_id: string;
  connector_id: string;
  protocol: 'oauth2' | 'oauth1';
  /** SHA-256 hex of the OAuth2 `state` or of the OAuth1 request token. */
  lookup_hash: string;
  session_enc: string;
  created_at: string;
  expires_at: string;
  consumed_at: string | null;
  /** SHA-256 hex of the browser-binding cookie `/oauth/start` set (O-15); null only for flows from before it existed. */
  browser_binding_hash: string | null;
}

/** Inserts a flow. */
export async function insertOAuthFlow(db: Queryable, row: OAuthFlowRow): Promise<void> {
  await db.run(sql`INSERT INTO oauth_flows (id, ticket_id, connector_id, protocol, lookup_hash, session_enc, created_at, expires_at, consumed_at,
      browser_binding_hash)
    VALUES (${row.id}, ${row.ticket_id}, ${row.connector_id}, ${row.protocol}, ${row.lookup_hash}, ${row.session_enc},
      ${row.created_at}, ${row.expires_at}, ${row.consumed_at}, ${row.browser_binding_hash})`);
}

/** Finds a flow by the hash of its state (or request token). */
export async function findOAuthFlowByLookup(db: Queryable, lookupHash: string): Promise<OAuthFlowRow | undefined> {
  return db.get<OAuthFlowRow>(sql`SELECT * FROM oauth_flows WHERE lookup_hash = ${lookupHash}`);
}

/** Marks a flow consumed; answers false when it already was (a replay or a concurrent callback). */
export async function consumeOAuthFlow(db: Queryable, id: string, now: string): Promise<boolean> {
  return (await db.run(sql`UPDATE oauth_flows SET consumed_at = ${now} WHERE id = ${id} AND consumed_at IS NULL`)).changes === 1;
}

/** Deletes a flow (its sealed session, with the PKCE verifier or OAuth1 request secret, goes with it). */
export async function deleteOAuthFlow(db: Queryable, id: string): Promise<void> {
  await db.run(sql`DELETE FROM oauth_flows WHERE id = ${id}`);
}

/** Deletes flows that expired before `before` (housekeeping). */
export async function deleteExpiredOAuthFlows(db: Queryable, before: string): Promise<number> {
  return (await db.run(sql`DELETE FROM oauth_flows WHERE expires_at < ${before}`)).changes;
}

/** Moves a browser's pending flows to its new binding (the cookie is replaced on every start); answers how many. */
export async function rebindPendingOAuthFlows(db: Queryable, fromHash: string, toHash: string, now: string): Promise<number> {
  return (
    await db.run(sql`UPDATE oauth_flows SET browser_binding_hash = ${toHash}
    WHERE browser_binding_hash = ${fromHash} AND consumed_at IS NULL AND expires_at > ${now}`)
  ).changes;
}

/** Whether a browser binding still has flows waiting for their callback. */
export async function hasPendingOAuthFlows(db: Queryable, bindingHash: string, now: string): Promise<boolean> {
  return (
    (await db.get(sql`SELECT 1 AS one FROM oauth_flows
      WHERE browser_binding_hash = ${bindingHash} AND consumed_at IS NULL AND expires_at > ${now} LIMIT 1`)) !== undefined
  );
}

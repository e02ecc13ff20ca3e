import type { Db } from '../database.ts';
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
}

/** Inserts a flow. */
export function insertOAuthFlow(db: Db, row: OAuthFlowRow): void {
  db.run(sql`INSERT INTO oauth_flows (id, ticket_id, connector_id, protocol, lookup_hash, session_enc, created_at, expires_at, consumed_at)
    VALUES (${row.id}, ${row.ticket_id}, ${row.connector_id}, ${row.protocol}, ${row.lookup_hash}, ${row.session_enc},
      ${row.created_at}, ${row.expires_at}, ${row.consumed_at})`);
}

/** Finds a flow by the hash of its state (or request token). */
export function findOAuthFlowByLookup(db: Db, lookupHash: string): OAuthFlowRow | undefined {
  return db.get<OAuthFlowRow>(sql`SELECT * FROM oauth_flows WHERE lookup_hash = ${lookupHash}`);
}

/** Marks a flow consumed; answers false when it already was (a replay or a concurrent callback). */
export function consumeOAuthFlow(db: Db, id: string, now: string): boolean {
  return db.run(sql`UPDATE oauth_flows SET consumed_at = ${now} WHERE id = ${id} AND consumed_at IS NULL`).changes === 1;
}

/** Deletes a flow (its sealed session, with the PKCE verifier or OAuth1 request secret, goes with it). */
export function deleteOAuthFlow(db: Db, id: string): void {
  db.run(sql`DELETE FROM oauth_flows WHERE id = ${id}`);
}

/** Deletes flows that expired before `before` (housekeeping). */
export function deleteExpiredOAuthFlows(db: Db, before: string): number {
  return db.run(sql`DELETE FROM oauth_flows WHERE expires_at < ${before}`).changes;
}

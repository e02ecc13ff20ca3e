import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

/** A connect ticket row: one popup attempt of one end user for one connector (docs/connecting.md). */
export interface ConnectTicketRow {
  id: string;
  config_id: string;
  end_user_id: string;
  connector_id: string;
  /** The auth being reconnected, or null for a new one. */
  connector_auth_id: string | null;
  status: 'pending' | 'success' | 'error';
  result_connector_auth_id: string | null;
  error: string | null;
  started_at: string | null;
  created_at: string;
  expires_at: string;
  finished_at: string | null;
}

/** Inserts a ticket. */
export async function insertConnectTicket(db: Queryable, row: ConnectTicketRow): Promise<void> {
  await db.run(sql`INSERT INTO connect_tickets (id, config_id, end_user_id, connector_id, connector_auth_id, status, result_connector_auth_id,
      error, started_at, created_at, expires_at, finished_at)
    VALUES (${row.id}, ${row.config_id}, ${row.end_user_id}, ${row.connector_id}, ${row.connector_auth_id}, ${row.status},
      ${row.result_connector_auth_id}, ${row.error}, ${row.started_at}, ${row.created_at}, ${row.expires_at}, ${row.finished_at})`);
}

/** Finds a ticket by id. */
export async function findConnectTicket(db: Queryable, id: string): Promise<ConnectTicketRow | undefined> {
  return db.get<ConnectTicketRow>(sql`SELECT * FROM connect_tickets WHERE id = ${id}`);
}

/**
 * Marks a pending, unexpired, never-started ticket as started; answers false otherwise. The
 * compare-and-set makes the start URL single-use even under concurrent hits.
 */
export async function markConnectTicketStarted(db: Queryable, id: string, now: string): Promise<boolean> {
  return (
    (
      await db.run(sql`UPDATE connect_tickets SET started_at = ${now}
      WHERE id = ${id} AND status = 'pending' AND started_at IS NULL AND expires_at > ${now}`)
    ).changes === 1
  );
}

/** Ends a pending ticket with its outcome; answers false when it had already ended. */
export async function finishConnectTicket(
  db: Queryable,
  id: string,
  outcome: { status: 'success' | 'error'; connectorAuthId: string | null; error: string | null; now: string },
): Promise<boolean> {
  return (
    (
      await db.run(sql`UPDATE connect_tickets SET status = ${outcome.status}, result_connector_auth_id = ${outcome.connectorAuthId},
      error = ${outcome.error}, finished_at = ${outcome.now}
      WHERE id = ${id} AND status = 'pending'`)
    ).changes === 1
  );
}

/** Deletes tickets that expired before `before` (housekeeping; their flows cascade). */
export async function deleteExpiredConnectTickets(db: Queryable, before: string): Promise<number> {
  return (await db.run(sql`DELETE FROM connect_tickets WHERE expires_at < ${before}`)).changes;
}

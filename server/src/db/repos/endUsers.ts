import type { Db } from '../database.ts';
import { sql } from '../sql.ts';

/** An end user row: one person of one vendor account, as named by verified embed tokens. */
export interface EndUserRow {
  id: string;
  config_id: string;
  account_id: string;
  user_id: string;
  name: string | null;
  email: string | null;
  language: string | null;
  account_name: string | null;
  consent_at: string | null;
  first_seen_at: string;
  last_seen_at: string;
}

/** What a verified token says about an end user. */
export interface EndUserSighting {
  /** Used only when the end user is new. */
  id: string;
  config_id: string;
  account_id: string;
  user_id: string;
  name: string | null;
  email: string | null;
  language: string | null;
  account_name: string | null;
  seen_at: string;
}

/**
 * Inserts the end user or refreshes it: name, e-mail, language and account name come from the
 * latest token, `last_seen_at` moves, `first_seen_at` and consent stay. Answers the stored row
 * and whether it was created now.
 */
export function upsertEndUser(db: Db, s: EndUserSighting): { row: EndUserRow; created: boolean } {
  const row = db.get<EndUserRow>(sql`INSERT INTO end_users (id, config_id, account_id, user_id, name, email, language, account_name,
      consent_at, first_seen_at, last_seen_at)
    VALUES (${s.id}, ${s.config_id}, ${s.account_id}, ${s.user_id}, ${s.name}, ${s.email}, ${s.language}, ${s.account_name},
      NULL, ${s.seen_at}, ${s.seen_at})
    ON CONFLICT (config_id, account_id, user_id) DO UPDATE SET name = excluded.name, email = excluded.email,
      language = excluded.language, account_name = excluded.account_name, last_seen_at = excluded.last_seen_at
    RETURNING *`) as EndUserRow;
  return { row, created: row.id === s.id };
}

/** Finds an end user by id. */
export function findEndUser(db: Db, id: string): EndUserRow | undefined {
  return db.get<EndUserRow>(sql`SELECT * FROM end_users WHERE id = ${id}`);
}

/** Finds an end user by its identity in a configuration. */
export function findEndUserByIdentity(db: Db, configId: string, accountId: string, userId: string): EndUserRow | undefined {
  return db.get<EndUserRow>(
    sql`SELECT * FROM end_users WHERE config_id = ${configId} AND account_id = ${accountId} AND user_id = ${userId}`,
  );
}

/** Whether someone of this account has given consent (account-level configurations). */
export function hasAccountConsent(db: Db, configId: string, accountId: string): boolean {
  return db.get(sql`SELECT 1 AS one FROM account_consents WHERE config_id = ${configId} AND account_id = ${accountId}`) !== undefined;
}

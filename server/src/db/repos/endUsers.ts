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

/** Records an end user's own consent once; answers the stored consent time (the earlier one if already given). */
export function recordUserConsent(db: Db, endUserId: string, atIso: string): string {
  db.run(sql`UPDATE end_users SET consent_at = ${atIso} WHERE id = ${endUserId} AND consent_at IS NULL`);
  return (db.get<{ consent_at: string }>(sql`SELECT consent_at FROM end_users WHERE id = ${endUserId}`) as { consent_at: string })
    .consent_at;
}

/** When someone of this account gave consent (account-level configurations), or undefined. */
export function findAccountConsent(db: Db, configId: string, accountId: string): string | undefined {
  return db.get<{ consent_at: string }>(
    sql`SELECT consent_at FROM account_consents WHERE config_id = ${configId} AND account_id = ${accountId}`,
  )?.consent_at;
}

/** Records an account's consent once (the first end user to accept is kept); answers whether a row was inserted. */
export function insertAccountConsent(db: Db, configId: string, accountId: string, endUserId: string, atIso: string): boolean {
  return (
    db.run(sql`INSERT INTO account_consents (config_id, account_id, consent_at, end_user_id)
      VALUES (${configId}, ${accountId}, ${atIso}, ${endUserId}) ON CONFLICT (config_id, account_id) DO NOTHING`).changes === 1
  );
}

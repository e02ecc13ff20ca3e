import type { Queryable } from '../database.ts';
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
export async function upsertEndUser(db: Queryable, s: EndUserSighting): Promise<{ row: EndUserRow; created: boolean }> {
  const row = (await db.get<EndUserRow>(sql`INSERT INTO end_users (id, config_id, account_id, user_id, name, email, language, account_name,
      consent_at, first_seen_at, last_seen_at)
    VALUES (${s.id}, ${s.config_id}, ${s.account_id}, ${s.user_id}, ${s.name}, ${s.email}, ${s.language}, ${s.account_name},
      NULL, ${s.seen_at}, ${s.seen_at})
    ON CONFLICT (config_id, account_id, user_id) DO UPDATE SET name = excluded.name, email = excluded.email,
      language = excluded.language, account_name = excluded.account_name, last_seen_at = excluded.last_seen_at
    RETURNING *`)) as EndUserRow;
  return { row, created: row.id === s.id };
}

/** Finds an end user by id. */
export async function findEndUser(db: Queryable, id: string): Promise<EndUserRow | undefined> {
  return db.get<EndUserRow>(sql`SELECT * FROM end_users WHERE id = ${id}`);
}

/** Finds an end user by its identity in a configuration. */
export async function findEndUserByIdentity(
  db: Queryable,
  configId: string,
  accountId: string,
  userId: string,
): Promise<EndUserRow | undefined> {
  return db.get<EndUserRow>(
    sql`SELECT * FROM end_users WHERE config_id = ${configId} AND account_id = ${accountId} AND user_id = ${userId}`,
  );
}

/** An end user's configuration consent column (JSON text) and whether the user's sharing scope gave consent (1/0). */
export interface ConsentStateRow {
  consent: string;
  given: number;
}

/**
 * The one rule for "consent is given" for an end user: their own consent at `user` level, anyone
 * of their account's at `account` level. Answers it with the configuration's consent column.
 */
export async function findConsentState(db: Queryable, endUserId: string): Promise<ConsentStateRow | undefined> {
  return db.get<ConsentStateRow>(sql`SELECT c.consent, CASE c.sharing_level
      WHEN 'account' THEN EXISTS (SELECT 1 FROM account_consents a WHERE a.config_id = u.config_id AND a.account_id = u.account_id)
      ELSE u.consent_at IS NOT NULL END AS given
    FROM end_users u JOIN embed_configs c ON c.id = u.config_id WHERE u.id = ${endUserId}`);
}

/** Records an end user's own consent once; answers the stored consent time (the earlier one if already given). */
export async function recordUserConsent(db: Queryable, endUserId: string, atIso: string): Promise<string> {
  await db.run(sql`UPDATE end_users SET consent_at = ${atIso} WHERE id = ${endUserId} AND consent_at IS NULL`);
  return ((await db.get<{ consent_at: string }>(sql`SELECT consent_at FROM end_users WHERE id = ${endUserId}`)) as { consent_at: string })
    .consent_at;
}

/** When someone of this account gave consent (account-level configurations), or undefined. */
export async function findAccountConsent(db: Queryable, configId: string, accountId: string): Promise<string | undefined> {
  return (
    await db.get<{ consent_at: string }>(
      sql`SELECT consent_at FROM account_consents WHERE config_id = ${configId} AND account_id = ${accountId}`,
    )
  )?.consent_at;
}

/** Records an account's consent once (the first end user to accept is kept); answers whether a row was inserted. */
export async function insertAccountConsent(
  db: Queryable,
  configId: string,
  accountId: string,
  endUserId: string,
  atIso: string,
): Promise<boolean> {
  return (
    (
      await db.run(sql`INSERT INTO account_consents (config_id, account_id, consent_at, end_user_id)
      VALUES (${configId}, ${accountId}, ${atIso}, ${endUserId}) ON CONFLICT (config_id, account_id) DO NOTHING`)
    ).changes === 1
  );
}

/**
 * Withdraws consent for an end user's sharing scope, so the next session asks again: their own at
 * `user` level; the account's (and every account member's own mark) at `account` level.
 */
export async function withdrawConsent(
  db: Queryable,
  scope: { sharingLevel: 'user' | 'account'; endUserId: string; configId: string; accountId: string },
): Promise<void> {
  if (scope.sharingLevel === 'account') {
    await db.run(sql`DELETE FROM account_consents WHERE config_id = ${scope.configId} AND account_id = ${scope.accountId}`);
    await db.run(sql`UPDATE end_users SET consent_at = NULL WHERE config_id = ${scope.configId} AND account_id = ${scope.accountId}`);
  } else {
    await db.run(sql`UPDATE end_users SET consent_at = NULL WHERE id = ${scope.endUserId}`);
  }
}

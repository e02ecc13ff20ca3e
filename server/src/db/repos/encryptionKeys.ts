import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

/** A key the stored secrets were (or are) sealed under: its id and a check value, never the key itself. */
export interface EncryptionKeyRow {
  kid: string;
  check_value: string;
  created_at: string;
}

/** Every registered key id with its check value. */
export async function listEncryptionKeys(db: Queryable): Promise<Pick<EncryptionKeyRow, 'kid' | 'check_value'>[]> {
  return db.all<Pick<EncryptionKeyRow, 'kid' | 'check_value'>>(sql`SELECT kid, check_value FROM encryption_keys`);
}

/** Registers a key. */
export async function insertEncryptionKey(db: Queryable, row: EncryptionKeyRow): Promise<void> {
  await db.run(sql`INSERT INTO encryption_keys (kid, check_value, created_at) VALUES (${row.kid}, ${row.check_value}, ${row.created_at})`);
}

/** The registered key ids other than `kid`. */
export async function listEncryptionKidsExcept(db: Queryable, kid: string): Promise<string[]> {
  return (await db.all<{ kid: string }>(sql`SELECT kid FROM encryption_keys WHERE kid <> ${kid}`)).map((r) => r.kid);
}

/** Removes a registered key id. */
export async function deleteEncryptionKey(db: Queryable, kid: string): Promise<void> {
  await db.run(sql`DELETE FROM encryption_keys WHERE kid = ${kid}`);
}

import type { Db } from '../database.ts';
import { sql } from '../sql.ts';

/** An embed configuration row; JSON columns are text. */
export interface EmbedConfigRow {
  id: string;
  name: string;
  sharing_level: 'user' | 'account';
  allowed_origins: string;
  consent: string;
  branding: string;
  default_language: 'en' | 'de';
  proprietary_connector_id: string | null;
  callback_url: string | null;
  callback_secret_enc: string | null;
  enabled: number;
  created_at: string;
  updated_at: string;
}

/** A signing key row: an HS256 secret (sealed), or an RS256/ES256 public key. */
export interface EmbedKeyRow {
  config_id: string;
  kid: string;
  alg: 'HS256' | 'RS256' | 'ES256';
  account_id: string | null;
  secret_enc: string | null;
  public_key_pem: string | null;
  status: 'active' | 'revoked';
  expires_at: string | null;
  created_at: string;
  revoked_at: string | null;
}

/** A group row of a configuration. */
export interface EmbedGroupRow {
  id: string;
  config_id: string;
  name: string;
  position: number;
  highlighted_connectors: string;
}

/** The row key bound into a key secret's associated data. */
export function embedKeyRowKey(configId: string, kid: string): string {
  return `${configId}:${kid}`;
}

/** Inserts a configuration. */
export function insertEmbedConfig(db: Db, row: EmbedConfigRow): void {
  db.run(sql`INSERT INTO embed_configs (id, name, sharing_level, allowed_origins, consent, branding, default_language,
      proprietary_connector_id, callback_url, callback_secret_enc, enabled, created_at, updated_at)
    VALUES (${row.id}, ${row.name}, ${row.sharing_level}, ${row.allowed_origins}, ${row.consent}, ${row.branding},
      ${row.default_language}, ${row.proprietary_connector_id}, ${row.callback_url}, ${row.callback_secret_enc}, ${row.enabled},
      ${row.created_at}, ${row.updated_at})`);
}

/** Finds a configuration by id. */
export function findEmbedConfig(db: Db, id: string): EmbedConfigRow | undefined {
  return db.get<EmbedConfigRow>(sql`SELECT * FROM embed_configs WHERE id = ${id}`);
}

/** Inserts a signing key. */
export function insertEmbedKey(db: Db, row: EmbedKeyRow): void {
  db.run(sql`INSERT INTO embed_config_keys (config_id, kid, alg, account_id, secret_enc, public_key_pem, status, expires_at, created_at, revoked_at)
    VALUES (${row.config_id}, ${row.kid}, ${row.alg}, ${row.account_id}, ${row.secret_enc}, ${row.public_key_pem}, ${row.status},
      ${row.expires_at}, ${row.created_at}, ${row.revoked_at})`);
}

/** All keys of a configuration, newest first (values stay sealed). */
export function listEmbedKeys(db: Db, configId: string): EmbedKeyRow[] {
  return db.all<EmbedKeyRow>(sql`SELECT * FROM embed_config_keys WHERE config_id = ${configId} ORDER BY created_at DESC, kid DESC`);
}

/** Keys that verify tokens now: active and not past their grace expiry. */
export function listUsableEmbedKeys(db: Db, configId: string, nowIso: string): EmbedKeyRow[] {
  return db.all<EmbedKeyRow>(sql`SELECT * FROM embed_config_keys WHERE config_id = ${configId} AND status = 'active'
    AND (expires_at IS NULL OR expires_at > ${nowIso}) ORDER BY created_at DESC, kid DESC`);
}

/** Groups of a configuration in display order. */
export function listEmbedGroups(db: Db, configId: string): EmbedGroupRow[] {
  return db.all<EmbedGroupRow>(sql`SELECT * FROM embed_groups WHERE config_id = ${configId} ORDER BY position`);
}

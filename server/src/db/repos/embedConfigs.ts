import type { Queryable } from '../database.ts';
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
  /** When a 410 Gone stopped the callbacks (read only here; set by the delivery, cleared by enable-callbacks). */
  callbacks_disabled_at?: string | null;
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
export async function insertEmbedConfig(db: Queryable, row: EmbedConfigRow): Promise<void> {
  await db.run(sql`INSERT INTO embed_configs (id, name, sharing_level, allowed_origins, consent, branding, default_language,
      proprietary_connector_id, callback_url, callback_secret_enc, enabled, created_at, updated_at)
    VALUES (${row.id}, ${row.name}, ${row.sharing_level}, ${row.allowed_origins}, ${row.consent}, ${row.branding},
      ${row.default_language}, ${row.proprietary_connector_id}, ${row.callback_url}, ${row.callback_secret_enc}, ${row.enabled},
      ${row.created_at}, ${row.updated_at})`);
}

/** Finds a configuration by id. */
export async function findEmbedConfig(db: Queryable, id: string): Promise<EmbedConfigRow | undefined> {
  return db.get<EmbedConfigRow>(sql`SELECT * FROM embed_configs WHERE id = ${id}`);
}

/** Inserts a signing key. */
export async function insertEmbedKey(db: Queryable, row: EmbedKeyRow): Promise<void> {
  await db.run(sql`INSERT INTO embed_config_keys (config_id, kid, alg, account_id, secret_enc, public_key_pem, status, expires_at, created_at, revoked_at)
    VALUES (${row.config_id}, ${row.kid}, ${row.alg}, ${row.account_id}, ${row.secret_enc}, ${row.public_key_pem}, ${row.status},
      ${row.expires_at}, ${row.created_at}, ${row.revoked_at})`);
}

/** All keys of a configuration, newest first (values stay sealed). */
export async function listEmbedKeys(db: Queryable, configId: string): Promise<EmbedKeyRow[]> {
  return db.all<EmbedKeyRow>(sql`SELECT * FROM embed_config_keys WHERE config_id = ${configId} ORDER BY created_at DESC, kid DESC`);
}

/**
 * The one rule for "this key verifies tokens now": active and not past its grace expiry. `alias`
 * names the key row in the query (a compile-time name, never input). Embed sessions use the same
 * rule, so a key that stops verifying tokens also ends the sessions it minted.
 */
export function keyUsableAt(nowIso: string, alias = 'embed_config_keys'): ReturnType<typeof sql> {
  const k = sql.raw(alias);
  return sql`(${k}.status = 'active' AND (${k}.expires_at IS NULL OR ${k}.expires_at > ${nowIso}))`;
}

/** Keys that verify tokens now: active and not past their grace expiry. */
export async function listUsableEmbedKeys(db: Queryable, configId: string, nowIso: string): Promise<EmbedKeyRow[]> {
  return db.all<EmbedKeyRow>(sql`SELECT * FROM embed_config_keys WHERE config_id = ${configId} AND ${keyUsableAt(nowIso)}
    ORDER BY created_at DESC, kid DESC`);
}

/** Groups of a configuration in display order. */
export async function listEmbedGroups(db: Queryable, configId: string): Promise<EmbedGroupRow[]> {
  return db.all<EmbedGroupRow>(sql`SELECT * FROM embed_groups WHERE config_id = ${configId} ORDER BY position`);
}

/** A flow of a group, in display order. */
export interface EmbedGroupFlowRow {
  group_id: string;
  flow_id: string;
  position: number;
}

/** The flows of every group of a configuration, in display order. */
export async function listEmbedGroupFlows(db: Queryable, configId: string): Promise<EmbedGroupFlowRow[]> {
  return db.all<EmbedGroupFlowRow>(sql`SELECT gf.group_id, gf.flow_id, gf.position FROM embed_group_flows gf
    JOIN embed_groups g ON g.id = gf.group_id WHERE g.config_id = ${configId} ORDER BY g.position, gf.position`);
}

/** A page of configurations, newest first, restricted by `visible`; fetches `limit + 1` rows. */
export async function listEmbedConfigs(
  db: Queryable,
  opts: { visible: ReturnType<typeof sql>; after: ReturnType<typeof sql> | null; limit: number },
): Promise<EmbedConfigRow[]> {
  const conditions = opts.after ? [opts.visible, opts.after] : [opts.visible];
  return db.all<EmbedConfigRow>(
    sql`SELECT c.* FROM embed_configs c${sql.where(conditions)} ORDER BY c.created_at DESC, c.id DESC LIMIT ${opts.limit + 1}`,
  );
}

/** Whether configuration `id` exists and satisfies `visible` (a condition over `c.id`). */
export async function embedConfigVisible(db: Queryable, id: string, visible: ReturnType<typeof sql>): Promise<boolean> {
  return (await db.get<{ ok: number }>(sql`SELECT 1 AS ok FROM embed_configs c WHERE c.id = ${id} AND ${visible}`)) !== undefined;
}

/** Writes the mutable columns of a configuration (the sharing level is fixed at creation). */
export async function updateEmbedConfig(db: Queryable, row: Omit<EmbedConfigRow, 'sharing_level' | 'created_at'>): Promise<void> {
  await db.run(sql`UPDATE embed_configs SET name = ${row.name}, allowed_origins = ${row.allowed_origins}, consent = ${row.consent},
    branding = ${row.branding}, default_language = ${row.default_language}, proprietary_connector_id = ${row.proprietary_connector_id},
    callback_url = ${row.callback_url}, callback_secret_enc = ${row.callback_secret_enc}, enabled = ${row.enabled},
    updated_at = ${row.updated_at} WHERE id = ${row.id}`);
}

/** Deletes a configuration with its integrations and connector auths (the rest cascades). */
export async function deleteEmbedConfig(db: Queryable, id: string): Promise<boolean> {
  await db.run(sql`DELETE FROM integrations WHERE config_id = ${id}`);
  await db.run(sql`DELETE FROM connector_auths WHERE config_id = ${id}`);
  return (await db.run(sql`DELETE FROM embed_configs WHERE id = ${id}`)).changes === 1;
}

/** Inserts a group. */
export async function insertEmbedGroup(db: Queryable, row: EmbedGroupRow): Promise<void> {
  await db.run(sql`INSERT INTO embed_groups (id, config_id, name, position, highlighted_connectors)
    VALUES (${row.id}, ${row.config_id}, ${row.name}, ${row.position}, ${row.highlighted_connectors})`);
}

/** Updates a kept group in place, so member permissions on it survive. */
export async function updateEmbedGroup(db: Queryable, row: EmbedGroupRow): Promise<void> {
  await db.run(sql`UPDATE embed_groups SET name = ${row.name}, position = ${row.position}, highlighted_connectors = ${row.highlighted_connectors}
    WHERE id = ${row.id} AND config_id = ${row.config_id}`);
}

/** Deletes the groups of a configuration not in `keep` (their permissions cascade away). */
export async function deleteEmbedGroupsExcept(db: Queryable, configId: string, keep: readonly string[]): Promise<void> {
  const kept = keep.length === 0 ? sql`` : sql` AND id NOT IN (${sql.list(keep)})`;
  await db.run(sql`DELETE FROM embed_groups WHERE config_id = ${configId}${kept}`);
}

/** Replaces the flows of a group. */
export async function replaceEmbedGroupFlows(db: Queryable, groupId: string, flowIds: readonly string[]): Promise<void> {
  await db.run(sql`DELETE FROM embed_group_flows WHERE group_id = ${groupId}`);
  for (const [position, flowId] of flowIds.entries()) {
    await db.run(sql`INSERT INTO embed_group_flows (group_id, flow_id, position) VALUES (${groupId}, ${flowId}, ${position})`);
  }
}

/** Which of `ids` are existing flows. */
export async function existingFlowIds(db: Queryable, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.all<{ id: string }>(sql`SELECT id FROM flows WHERE id IN (${sql.list(ids)})`);
  return new Set(rows.map((r) => r.id));
}

/** One key of a configuration by kid. */
export async function findEmbedKey(db: Queryable, configId: string, kid: string): Promise<EmbedKeyRow | undefined> {
  return db.get<EmbedKeyRow>(sql`SELECT * FROM embed_config_keys WHERE config_id = ${configId} AND kid = ${kid}`);
}

/** The active per-account secret of one account, if any. */
export async function findActiveAccountKey(db: Queryable, configId: string, accountId: string): Promise<EmbedKeyRow | undefined> {
  return db.get<EmbedKeyRow>(
    sql`SELECT * FROM embed_config_keys WHERE config_id = ${configId} AND account_id = ${accountId} AND status = 'active'`,
  );
}

/**
 * Ends the active configuration-wide HS256 secrets (not per-account ones, not public keys):
 * `until` sets a grace expiry (never extending an earlier one); null revokes them now.
 */
export async function retireEmbedSecrets(db: Queryable, configId: string, until: string | null, nowIso: string): Promise<number> {
  const scope = sql`config_id = ${configId} AND alg = 'HS256' AND account_id IS NULL AND status = 'active'`;
  if (until === null) {
    return (await db.run(sql`UPDATE embed_config_keys SET status = 'revoked', revoked_at = ${nowIso} WHERE ${scope}`)).changes;
  }
  return (
    await db.run(sql`UPDATE embed_config_keys SET expires_at = ${until} WHERE ${scope} AND (expires_at IS NULL OR expires_at > ${until})`)
  ).changes;
}

/** Revokes one key; answers whether it was active. */
export async function revokeEmbedKey(db: Queryable, configId: string, kid: string, nowIso: string): Promise<boolean> {
  return (
    (
      await db.run(sql`UPDATE embed_config_keys SET status = 'revoked', revoked_at = ${nowIso}
      WHERE config_id = ${configId} AND kid = ${kid} AND status = 'active'`)
    ).changes === 1
  );
}

/** Integrations of a configuration (at most `cap` ids) and how many there are. */
export async function embedConfigIntegrations(db: Queryable, configId: string, cap = 50): Promise<{ count: number; ids: string[] }> {
  const count = (await db.get<{ n: number }>(sql`SELECT count(*) AS n FROM integrations WHERE config_id = ${configId}`))?.n ?? 0;
  const ids = (
    await db.all<{ id: string }>(sql`SELECT id FROM integrations WHERE config_id = ${configId} ORDER BY created_at, id LIMIT ${cap}`)
  ).map((r) => r.id);
  return { count, ids };
}

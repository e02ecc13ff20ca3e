/**
 * Every encrypted column in the schema. Key rotation walks this list; a migration that adds a
 * secret column must add it here (a test checks every `*_enc` column is listed).
 */
export interface SecretColumn {
  readonly table: string;
  readonly column: string;
  /** SQL expression for the row key bound into the associated data. */
  readonly rowKey: string;
  /** The table's primary key columns, in key order: rotation walks the rows by them. */
  readonly primaryKey: readonly string[];
}

/** The registry. */
export const SECRET_COLUMNS: readonly SecretColumn[] = [
  { table: 'connectors', column: 'client_secret_enc', rowKey: 'id', primaryKey: ['id'] },
  { table: 'embed_configs', column: 'callback_secret_enc', rowKey: 'id', primaryKey: ['id'] },
  { table: 'embed_configs', column: 'callback_secret_prev_enc', rowKey: 'id', primaryKey: ['id'] },
  { table: 'embed_config_keys', column: 'secret_enc', rowKey: "config_id || ':' || kid", primaryKey: ['config_id', 'kid'] },
  { table: 'connector_auths', column: 'credentials_enc', rowKey: 'id', primaryKey: ['id'] },
  { table: 'integrations', column: 'secret_inputs_enc', rowKey: 'id', primaryKey: ['id'] },
  { table: 'oauth_flows', column: 'session_enc', rowKey: 'id', primaryKey: ['id'] },
];

/** The location (for associated data) of one secret column's value in one row. */
export function secretLocation(table: string, column: string, rowKey: string) {
  return { table, row: rowKey, field: column };
}

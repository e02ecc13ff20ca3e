/**
 * The whole domain of docs/domain.md. Timestamps are ISO-8601 UTC text (they sort as text); JSON
 * columns are checked with json_valid; every secret column holds secretBox ciphertext.
 */
export const up = /* sql */ `
CREATE TABLE encryption_keys (
  kid TEXT PRIMARY KEY,
  check_value TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;

CREATE TABLE admin_users (
  id TEXT PRIMARY KEY,
  email TEXT NOT NULL COLLATE NOCASE UNIQUE,
  name TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  disabled_at TEXT
) STRICT;

CREATE TABLE admin_sessions (
  token_hash TEXT PRIMARY KEY,
  admin_user_id TEXT NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX admin_sessions_user ON admin_sessions (admin_user_id);
CREATE INDEX admin_sessions_expiry ON admin_sessions (expires_at);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  admin_user_id TEXT NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  scopes TEXT NOT NULL CHECK (json_valid(scopes)),
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  expires_at TEXT,
  revoked_at TEXT
) STRICT;
CREATE INDEX api_tokens_user ON api_tokens (admin_user_id);

CREATE TABLE connectors (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  auth_type TEXT NOT NULL CHECK (auth_type IN ('oauth2', 'oauth1', 'basic', 'api_key', 'none')),
  catalog_key TEXT,
  base_url TEXT,
  icon_url TEXT,
  definition TEXT NOT NULL CHECK (json_valid(definition)),
  client_secret_enc TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX connectors_created ON connectors (created_at, id);

CREATE TABLE flows (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  description TEXT,
  icon TEXT,
  current_version INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX flows_created ON flows (created_at, id);

CREATE TABLE flow_versions (
  flow_id TEXT NOT NULL REFERENCES flows (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  definition TEXT NOT NULL CHECK (json_valid(definition)),
  created_at TEXT NOT NULL,
  PRIMARY KEY (flow_id, version)
) STRICT;

CREATE TABLE embed_configs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  sharing_level TEXT NOT NULL CHECK (sharing_level IN ('user', 'account')),
  allowed_origins TEXT NOT NULL CHECK (json_valid(allowed_origins)),
  consent TEXT NOT NULL CHECK (json_valid(consent)),
  branding TEXT NOT NULL CHECK (json_valid(branding)),
  default_language TEXT NOT NULL DEFAULT 'en',
  proprietary_connector_id TEXT REFERENCES connectors (id) ON DELETE RESTRICT,
  callback_url TEXT,
  callback_secret_enc TEXT,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX embed_configs_created ON embed_configs (created_at, id);

CREATE TABLE embed_config_keys (
  config_id TEXT NOT NULL REFERENCES embed_configs (id) ON DELETE CASCADE,
  kid TEXT NOT NULL,
  alg TEXT NOT NULL CHECK (alg IN ('HS256', 'RS256', 'ES256')),
  account_id TEXT,
  secret_enc TEXT,
  public_key_pem TEXT,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  expires_at TEXT,
  created_at TEXT NOT NULL,
  revoked_at TEXT,
  PRIMARY KEY (config_id, kid),
  CHECK ((alg = 'HS256') = (secret_enc IS NOT NULL)),
  CHECK ((alg <> 'HS256') = (public_key_pem IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX embed_config_keys_account ON embed_config_keys (config_id, account_id) WHERE account_id IS NOT NULL AND status = 'active';

CREATE TABLE embed_groups (
  id TEXT PRIMARY KEY,
  config_id TEXT NOT NULL REFERENCES embed_configs (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  position INTEGER NOT NULL,
  highlighted_connectors TEXT NOT NULL CHECK (json_valid(highlighted_connectors))
) STRICT;
CREATE INDEX embed_groups_config ON embed_groups (config_id, position);

CREATE TABLE embed_group_flows (
  group_id TEXT NOT NULL REFERENCES embed_groups (id) ON DELETE CASCADE,
  flow_id TEXT NOT NULL REFERENCES flows (id) ON DELETE RESTRICT,
  position INTEGER NOT NULL,
  PRIMARY KEY (group_id, flow_id)
) STRICT;
CREATE INDEX embed_group_flows_flow ON embed_group_flows (flow_id);

CREATE TABLE admin_group_permissions (
  admin_user_id TEXT NOT NULL REFERENCES admin_users (id) ON DELETE CASCADE,
  group_id TEXT NOT NULL REFERENCES embed_groups (id) ON DELETE CASCADE,
  can_view INTEGER NOT NULL DEFAULT 0,
  can_run INTEGER NOT NULL DEFAULT 0,
  can_manage INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (admin_user_id, group_id)
) STRICT;
CREATE INDEX admin_group_permissions_group ON admin_group_permissions (group_id);

CREATE TABLE end_users (
  id TEXT PRIMARY KEY,
  config_id TEXT NOT NULL REFERENCES embed_configs (id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  name TEXT,
  email TEXT,
  language TEXT,
  account_name TEXT,
  consent_at TEXT,
  first_seen_at TEXT NOT NULL,
  last_seen_at TEXT NOT NULL,
  UNIQUE (config_id, account_id, user_id)
) STRICT;

CREATE TABLE account_consents (
  config_id TEXT NOT NULL REFERENCES embed_configs (id) ON DELETE CASCADE,
  account_id TEXT NOT NULL,
  consent_at TEXT NOT NULL,
  end_user_id TEXT REFERENCES end_users (id) ON DELETE SET NULL,
  PRIMARY KEY (config_id, account_id)
) STRICT;

CREATE TABLE embed_sessions (
  token_hash TEXT PRIMARY KEY,
  config_id TEXT NOT NULL REFERENCES embed_configs (id) ON DELETE CASCADE,
  end_user_id TEXT NOT NULL REFERENCES end_users (id) ON DELETE CASCADE,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL
) STRICT;
CREATE INDEX embed_sessions_expiry ON embed_sessions (expires_at);
CREATE INDEX embed_sessions_user ON embed_sessions (end_user_id);

CREATE TABLE used_token_ids (
  config_id TEXT NOT NULL,
  jti TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  PRIMARY KEY (config_id, jti)
) STRICT;
CREATE INDEX used_token_ids_expiry ON used_token_ids (expires_at);

CREATE TABLE connector_auths (
  id TEXT PRIMARY KEY,
  config_id TEXT NOT NULL REFERENCES embed_configs (id) ON DELETE CASCADE,
  connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE RESTRICT,
  name TEXT NOT NULL,
  owner_end_user_id TEXT REFERENCES end_users (id) ON DELETE SET NULL,
  account_id TEXT,
  sharing_level TEXT NOT NULL CHECK (sharing_level IN ('user', 'account')),
  proprietary INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL CHECK (status IN ('active', 'needs_reauth', 'revoked', 'disabled')),
  scopes TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(scopes)),
  credentials_enc TEXT,
  credentials_version INTEGER NOT NULL DEFAULT 0,
  expires_at TEXT,
  refresh_lease_until TEXT,
  refresh_lease_owner TEXT,
  refresh_failed_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  last_used_at TEXT,
  last_refreshed_at TEXT,
  last_error TEXT
) STRICT;
CREATE INDEX connector_auths_scope ON connector_auths (config_id, account_id, owner_end_user_id);
CREATE INDEX connector_auths_created ON connector_auths (created_at, id);
CREATE INDEX connector_auths_connector ON connector_auths (connector_id, created_at);
CREATE INDEX connector_auths_status ON connector_auths (status, created_at);
CREATE INDEX connector_auths_owner ON connector_auths (owner_end_user_id);

CREATE TABLE integrations (
  id TEXT PRIMARY KEY,
  config_id TEXT NOT NULL REFERENCES embed_configs (id) ON DELETE CASCADE,
  flow_id TEXT NOT NULL REFERENCES flows (id) ON DELETE RESTRICT,
  flow_version INTEGER NOT NULL,
  owner_end_user_id TEXT NOT NULL REFERENCES end_users (id) ON DELETE RESTRICT,
  account_id TEXT NOT NULL,
  sharing_level TEXT NOT NULL CHECK (sharing_level IN ('user', 'account')),
  -- '' at account level, the owner's end-user id at user level: one integration per scope and flow
  scope_user_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('enabled', 'disabled')),
  disabled_by TEXT CHECK (disabled_by IN ('user', 'admin', 'system')),
  inputs TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(inputs)),
  secret_inputs_enc TEXT,
  webhook_token_hash TEXT UNIQUE,
  next_run_at TEXT,
  latest_run_id TEXT,
  latest_run_status TEXT,
  latest_run_at TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  UNIQUE (config_id, account_id, scope_user_id, flow_id)
) STRICT;
CREATE INDEX integrations_created ON integrations (created_at, id);
CREATE INDEX integrations_config ON integrations (config_id, created_at);
CREATE INDEX integrations_flow ON integrations (flow_id, created_at);
CREATE INDEX integrations_owner ON integrations (owner_end_user_id, created_at);
CREATE INDEX integrations_account ON integrations (account_id, created_at);
CREATE INDEX integrations_status ON integrations (status, created_at);
CREATE INDEX integrations_next_run ON integrations (next_run_at) WHERE status = 'enabled' AND next_run_at IS NOT NULL;

CREATE TABLE integration_bindings (
  integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  slot_key TEXT NOT NULL,
  connector_auth_id TEXT NOT NULL REFERENCES connector_auths (id) ON DELETE RESTRICT,
  PRIMARY KEY (integration_id, slot_key)
) STRICT;
CREATE INDEX integration_bindings_auth ON integration_bindings (connector_auth_id);

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  integration_id TEXT NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  trigger TEXT NOT NULL CHECK (trigger IN ('schedule', 'webhook', 'manual', 'admin', 'retry')),
  status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'success', 'error')),
  attempt INTEGER NOT NULL DEFAULT 1,
  trigger_payload TEXT CHECK (trigger_payload IS NULL OR json_valid(trigger_payload)),
  steps TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(steps)),
  logs TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(logs)),
  error TEXT,
  not_before TEXT NOT NULL,
  lease_until TEXT,
  lease_owner TEXT,
  created_at TEXT NOT NULL,
  started_at TEXT,
  finished_at TEXT
) STRICT;
CREATE INDEX runs_integration ON runs (integration_id, created_at);
CREATE INDEX runs_created ON runs (created_at, id);
CREATE INDEX runs_queue ON runs (status, not_before);

CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  actor_type TEXT NOT NULL CHECK (actor_type IN ('admin', 'api_token', 'end_user', 'system')),
  actor_id TEXT,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT,
  config_id TEXT,
  request_id TEXT,
  details TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(details))
) STRICT;
CREATE INDEX audit_events_at ON audit_events (at, id);
CREATE INDEX audit_events_object ON audit_events (object_type, object_id, at);
CREATE INDEX audit_events_actor ON audit_events (actor_type, actor_id, at);
CREATE INDEX audit_events_action ON audit_events (action, at);
CREATE INDEX audit_events_config ON audit_events (config_id, at);

CREATE TABLE callback_outbox (
  id TEXT PRIMARY KEY,
  config_id TEXT NOT NULL REFERENCES embed_configs (id) ON DELETE CASCADE,
  event_type TEXT NOT NULL,
  payload TEXT NOT NULL CHECK (json_valid(payload)),
  status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at TEXT,
  lease_until TEXT,
  last_status_code INTEGER,
  last_error TEXT,
  created_at TEXT NOT NULL,
  delivered_at TEXT
) STRICT;
CREATE INDEX callback_outbox_due ON callback_outbox (status, next_attempt_at);
CREATE INDEX callback_outbox_config ON callback_outbox (config_id, created_at);

CREATE TABLE callback_attempts (
  id TEXT PRIMARY KEY,
  delivery_id TEXT NOT NULL REFERENCES callback_outbox (id) ON DELETE CASCADE,
  at TEXT NOT NULL,
  status_code INTEGER,
  error TEXT,
  duration_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX callback_attempts_delivery ON callback_attempts (delivery_id, at);
`;

/**
 * Connecting accounts (docs/connecting.md): single-use connect tickets bound to a session's end
 * user, a connector and (for a reconnect) the auth being replaced; OAuth flow state kept
 * server-side, keyed by the OAuth2 `state` or the OAuth1 request token, sealed (PKCE verifier,
 * request secret).
 */
export const up = /* sql */ `
CREATE TABLE connect_tickets (
  id TEXT PRIMARY KEY,
  config_id TEXT NOT NULL REFERENCES embed_configs (id) ON DELETE CASCADE,
  end_user_id TEXT NOT NULL REFERENCES end_users (id) ON DELETE CASCADE,
  connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  connector_auth_id TEXT REFERENCES connector_auths (id) ON DELETE CASCADE,
  status TEXT NOT NULL CHECK (status IN ('pending', 'success', 'error')),
  result_connector_auth_id TEXT REFERENCES connector_auths (id) ON DELETE SET NULL,
  error TEXT,
  started_at TEXT,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  finished_at TEXT
) STRICT;
CREATE INDEX connect_tickets_expiry ON connect_tickets (expires_at);
CREATE INDEX connect_tickets_user ON connect_tickets (end_user_id, created_at);

CREATE TABLE oauth_flows (
  id TEXT PRIMARY KEY,
  ticket_id TEXT NOT NULL REFERENCES connect_tickets (id) ON DELETE CASCADE,
  connector_id TEXT NOT NULL REFERENCES connectors (id) ON DELETE CASCADE,
  protocol TEXT NOT NULL CHECK (protocol IN ('oauth2', 'oauth1')),
  -- SHA-256 of the OAuth2 state or of the OAuth1 request token: the callback's lookup key
  lookup_hash TEXT NOT NULL UNIQUE,
  session_enc TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  consumed_at TEXT
) STRICT;
CREATE INDEX oauth_flows_ticket ON oauth_flows (ticket_id);
CREATE INDEX oauth_flows_expiry ON oauth_flows (expires_at);

ALTER TABLE connector_auths ADD COLUMN refresh_failures INTEGER NOT NULL DEFAULT 0;
`;

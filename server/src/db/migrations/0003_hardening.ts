/**
 * Hardening after the security review:
 * - `connector_auths.created_via` tells who made an auth (`end_user` in the iframe, `vendor_api` by the
 *   vendor API, `embed_token` for proprietary credentials): only vendor-owned ones may pre-fill a slot.
 * - `connector_auths.disabled_by`: an admin's disable cannot be undone by the end user.
 * - `embed_sessions.key_kid`: the signing key that minted a session, so revoking the key ends it.
 * - `oauth_flows.browser_binding_hash`: SHA-256 of the cookie `/oauth/start` set, required by the
 *   callback, so a leaked start URL cannot be completed in another browser.
 * Existing rows are backfilled from the audit trail where it knows the answer.
 */
export const up = /* sql */ `
ALTER TABLE connector_auths ADD COLUMN created_via TEXT NOT NULL DEFAULT 'end_user'
  CHECK (created_via IN ('end_user', 'vendor_api', 'embed_token'));
UPDATE connector_auths SET created_via = 'embed_token' WHERE proprietary = 1;
UPDATE connector_auths SET created_via = 'vendor_api' WHERE proprietary = 0 AND id IN (
  SELECT object_id FROM audit_events WHERE action = 'connector_auth.created' AND actor_type IN ('admin', 'api_token'));

ALTER TABLE connector_auths ADD COLUMN disabled_by TEXT CHECK (disabled_by IN ('user', 'admin', 'system'));
UPDATE connector_auths SET disabled_by = CASE
  WHEN (SELECT a.actor_type FROM audit_events a WHERE a.object_type = 'connector_auth' AND a.object_id = connector_auths.id
        AND a.action = 'connector_auth.disabled' ORDER BY a.at DESC, a.id DESC LIMIT 1) IN ('admin', 'api_token') THEN 'admin'
  ELSE 'user' END
WHERE status = 'disabled';

ALTER TABLE embed_sessions ADD COLUMN key_kid TEXT;
CREATE INDEX embed_sessions_key ON embed_sessions (config_id, key_kid);

ALTER TABLE oauth_flows ADD COLUMN browser_binding_hash TEXT;
`;

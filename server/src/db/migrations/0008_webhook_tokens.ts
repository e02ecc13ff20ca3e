/**
 * Inbound webhook URLs (docs/runs.md, "Webhooks"): `integrations.webhook_token_enc` keeps the
 * token of `/hooks/{token}` sealed (AES-256-GCM bound to the row, like every secret), so the URL
 * can be shown again to whoever may see the integration; `webhook_token_hash` (SHA-256 of the
 * token, unique since the first migration) is what an inbound request is looked up by. Both are
 * written together, when an integration of a webhook flow is enabled (or first answered), and
 * replaced together on rotation.
 */
export const up = /* sql */ `
ALTER TABLE integrations ADD COLUMN webhook_token_enc TEXT;
`;

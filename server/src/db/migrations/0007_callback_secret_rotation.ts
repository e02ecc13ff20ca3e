/**
 * Callback secret rotation (docs/callbacks.md): after `rotate-callback-secret` the previous
 * secret keeps signing beside the new one until `callback_previous_signs_until` (24 h), so a
 * receiver can switch at its own pace; the Standard Webhooks header then carries both
 * signatures. The previous secret is sealed under its own column (bound into the associated
 * data like every `*_enc` column) and cleared when the callback URL is removed.
 */
export const up = /* sql */ `
ALTER TABLE embed_configs ADD COLUMN callback_secret_prev_enc TEXT;
ALTER TABLE embed_configs ADD COLUMN callback_previous_signs_until TEXT;
`;

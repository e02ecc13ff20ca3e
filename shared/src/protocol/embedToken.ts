/** Longest accepted embed token, in characters (a token is a header field, not a document). */
export const MAX_EMBED_TOKEN_LENGTH = 16_384;
/** Longest accepted lifetime `exp − iat`, in seconds. */
export const MAX_EMBED_TOKEN_LIFETIME_S = 3600;
/** Clock leeway applied to `exp`, `nbf` and `iat`, in seconds. */
export const EMBED_TOKEN_LEEWAY_S = 30;
/** Largest accepted `embed_state`, in bytes of its JSON. */
export const MAX_EMBED_STATE_BYTES = 4096;

/** The closed set of error codes every Patchbay HTTP answer may carry. */
export const ERROR_CODES = [
  'bad_request',
  'validation_failed',
  'body_too_large',
  'unsupported_media_type',
  'unauthorized',
  'token_invalid',
  'token_algorithm',
  'token_kid',
  'token_expired',
  'token_not_yet_valid',
  'token_lifetime',
  'token_audience',
  'token_claims',
  'token_replayed',
  'config_disabled',
  'session_expired',
  'login_failed',
  'forbidden',
  'insufficient_scope',
  'consent_required',
  'not_found',
  'conflict',
  'in_use',
  'unprocessable',
  'rate_limited',
  'upstream_error',
  'server_error',
  'unavailable',
] as const;

/** One of {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];

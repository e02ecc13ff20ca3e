import type { ApiError } from '../lib/api.ts';
import type { MessageKey } from '../lib/i18n.ts';

/** The sentence for each code the embed API answers; codes themselves never reach the end user (docs/embedding.md). */
const API_SENTENCES: Record<string, MessageKey> = {
  network_error: 'errorNetwork',
  bad_request: 'errBadRequest',
  validation_failed: 'errValidation',
  body_too_large: 'errTooLarge',
  unsupported_media_type: 'errBadRequest',
  unauthorized: 'errSession',
  token_invalid: 'errSession',
  token_algorithm: 'errSession',
  token_kid: 'errSession',
  token_expired: 'errSession',
  token_not_yet_valid: 'errSession',
  token_lifetime: 'errSession',
  token_audience: 'errSession',
  token_claims: 'errSession',
  token_replayed: 'errSession',
  session_expired: 'errSession',
  config_disabled: 'errDisabled',
  login_failed: 'errLogin',
  forbidden: 'errForbidden',
  insufficient_scope: 'errForbidden',
  consent_required: 'errConsent',
  not_found: 'errNotFound',
  conflict: 'errConflict',
  in_use: 'errInUse',
  unprocessable: 'errUnprocessable',
  rate_limited: 'errRateLimited',
  upstream_error: 'errUpstream',
  unavailable: 'errUnavailable',
  server_error: 'errorGeneric',
  bad_response: 'errorGeneric',
};

/** The sentence for each way a connect attempt can end badly. */
const CONNECT_SENTENCES: Record<string, MessageKey> = {
  closed: 'popupClosed',
  access_denied: 'connectCancelled',
  provider_error: 'connectProviderError',
  exchange_failed: 'connectExchangeFailed',
  invalid_response: 'connectExchangeFailed',
  expired: 'connectExpired',
  auth_unavailable: 'connectUnavailable',
  unsupported: 'connectUnavailable',
  consent_required: 'errConsent',
  server_error: 'errorGeneric',
  browser_mismatch: 'connectBrowserMismatch',
};

/** The message key for an API error: a missing account binding gets its own sentence. */
export function apiErrorKey(error: unknown): MessageKey {
  const e = error as Partial<ApiError> | undefined;
  const code = typeof e?.code === 'string' ? e.code : 'bad_response';
  if (code === 'validation_failed') {
    const issues = (e?.details as { issues?: { path?: unknown }[] } | undefined)?.issues;
    if (Array.isArray(issues) && issues.some((i) => typeof i?.path === 'string' && i.path.startsWith('body.bindings')))
      return 'errBindingMissing';
  }
  if (code === 'unprocessable') {
    // The connector's validation request answered: 401/403 means the credentials, anything else the service.
    const upstream = (e?.details as { upstreamStatus?: unknown } | undefined)?.upstreamStatus;
    if (upstream === 401 || upstream === 403) return 'errLogin';
    if (typeof upstream === 'number') return 'errUpstream';
  }
  return API_SENTENCES[code] ?? 'errorGeneric';
}

/** The message key for a failed connect attempt's code. */
export function connectErrorKey(code: string): MessageKey {
  return CONNECT_SENTENCES[code] ?? 'errorGeneric';
}

/** The code an error reports to the host's `error` event. */
export function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : 'unknown';
}

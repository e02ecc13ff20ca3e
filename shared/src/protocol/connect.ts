import type { ConnectResultMessage } from '../schemas/connect.ts';
import { prefixedIdPattern } from './ids.ts';

/** Why a connect attempt failed: a closed set, never provider text. */
export const CONNECT_ERROR_CODES = [
  'access_denied',
  'provider_error',
  'exchange_failed',
  'invalid_response',
  'expired',
  'auth_unavailable',
  'unsupported',
  'consent_required',
  'server_error',
  /** The callback came back to a browser without the cookie `/oauth/start` set (a leaked URL). */
  'browser_mismatch',
] as const;
/** One of {@link CONNECT_ERROR_CODES}. */
export type ConnectErrorCode = (typeof CONNECT_ERROR_CODES)[number];

/** `source` of the OAuth popup's result message. */
export const CONNECT_RESULT_SOURCE = 'patchbay';
/** `type` of the OAuth popup's result message. */
export const CONNECT_RESULT_TYPE = 'connect.result';
/** How a connect attempt ended, as the result message reports it. */
export const CONNECT_RESULT_STATUSES = ['success', 'error'] as const;

const KEYS: readonly string[] = ['source', 'type', 'ticketId', 'status', 'connectorAuthId', 'error'];

/**
 * Whether `data` is the popup's result message. The same rules as `connectResultMessageSchema` (a
 * strict object), checked by hand so the iframe bundle stays free of zod; a test runs both on the
 * same samples.
 */
export function isConnectResultMessage(data: unknown): data is ConnectResultMessage {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return false;
  const m = data as Record<string, unknown>;
  const keys = Object.keys(m);
  if (keys.length !== KEYS.length || !keys.every((k) => KEYS.includes(k))) return false;
  return (
    m.source === CONNECT_RESULT_SOURCE &&
    m.type === CONNECT_RESULT_TYPE &&
    typeof m.ticketId === 'string' &&
    prefixedIdPattern('ct').test(m.ticketId) &&
    (CONNECT_RESULT_STATUSES as readonly unknown[]).includes(m.status) &&
    (m.connectorAuthId === null || (typeof m.connectorAuthId === 'string' && prefixedIdPattern('ca').test(m.connectorAuthId))) &&
    (m.error === null || (CONNECT_ERROR_CODES as readonly unknown[]).includes(m.error))
  );
}

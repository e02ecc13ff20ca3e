import type { AppContext } from '../../context.ts';
import type { ConnectorRow } from '../../db/repos/connectors.ts';
import { accountFromJson, type RemoteAccount } from '../auths/remoteAccount.ts';
import type { Credentials } from '../connectors/credentials.ts';
import { EgressError, egressFetch } from '../egress/egress.ts';
import { buildUpstreamUrl, UnsafePathError } from '../egress/upstreamUrl.ts';
import { applyCredentials, InjectionError, injectableConnector } from './injection.ts';

/** The outcome of checking credentials against the connector; `message` is written for end users. */
export type ValidationResult = { ok: true; account?: RemoteAccount | null } | { ok: false; status: number | null; message: string };

const VALIDATION_TIMEOUT_MS = 15_000;
/** The answer is only looked at for its status and the account field; a small cap is plenty. */
const VALIDATION_MAX_BYTES = 1024 * 1024;

/**
 * Runs the connector's `validation` request (method + path under `baseUrl`, expected status)
 * with the credentials injected, through egress. No validation configured → ok. Never throws for
 * what the service answers or a network failure: those are `ok: false` with a readable message.
 */
export async function validateCredentials(
  ctx: AppContext,
  connectorRow: ConnectorRow,
  credentials: Credentials,
): Promise<ValidationResult> {
  const connector = injectableConnector(ctx, connectorRow);
  const check = connector.definition.validation;
  if (!check) return { ok: true };
  if (!connectorRow.base_url) {
    return { ok: false, status: null, message: 'This connector has no base URL, so these credentials cannot be checked.' };
  }
  const [path = '', query = ''] = check.path.replace(/^\//, '').split(/\?(.*)/s, 2);
  let url: URL;
  try {
    url = buildUpstreamUrl(connectorRow.base_url, path, query);
  } catch (err) {
    if (err instanceof UnsafePathError) {
      return {
        ok: false,
        status: null,
        message: 'This connector\u2019s validation path is not valid, so these credentials cannot be checked.',
      };
    }
    throw err;
  }
  const req = { url, method: check.method.toUpperCase(), headers: { accept: 'application/json, */*;q=0.5' } as Record<string, string> };
  try {
    applyCredentials(connector, credentials, req);
  } catch (err) {
    if (err instanceof InjectionError)
      return { ok: false, status: null, message: 'This connector is not set up to use these credentials.' };
    throw err;
  }
  let status: number;
  let body: Buffer;
  try {
    ({ status, body } = await egressFetch(ctx, { ...req, timeoutMs: VALIDATION_TIMEOUT_MS, maxBytes: VALIDATION_MAX_BYTES }));
  } catch (err) {
    if (!(err instanceof EgressError)) throw err;
    ctx.log.warn('credential validation could not reach the service', { connectorId: connectorRow.id, reason: err.code });
    if (err.code === 'too_large')
      return { ok: false, status: null, message: 'The service answered the credential check with too much data.' };
    if (err.code === 'timeout')
      return { ok: false, status: null, message: 'The service did not answer in time while checking these credentials. Try again later.' };
    return { ok: false, status: null, message: 'Could not reach the service to check these credentials. Try again later.' };
  }
  if (status === check.expectStatus) {
    return check.accountField ? { ok: true, account: accountFromJson(body, check.accountField) } : { ok: true };
  }
  if (status === 401 || status === 403) return { ok: false, status, message: `The service refused these credentials (HTTP ${status}).` };
  if (status >= 500) {
    return { ok: false, status, message: `The service had a problem while checking these credentials (HTTP ${status}). Try again later.` };
  }
  return { ok: false, status, message: `The service did not accept these credentials (HTTP ${status}, expected ${check.expectStatus}).` };
}

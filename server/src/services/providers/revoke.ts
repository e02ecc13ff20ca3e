import type { AppContext } from '../../context.ts';
import { NetworkInTransactionError } from '../../db/driver.ts';
import type { ConnectorRow } from '../../db/repos/connectors.ts';
import type { Logger } from '../../log.ts';
import type { Credentials } from '../connectors/credentials.ts';
import { connectorClientSecret, connectorDefinition } from '../connectors/definition.ts';
import { egressFetch } from '../egress/egress.ts';

const REVOKE_TIMEOUT_MS = 10_000;

/**
 * Asks an OAuth2 provider to revoke an auth's tokens (RFC 7009, client_secret_post) when the
 * connector defines a revoke URL: the refresh token first (it usually takes the access tokens
 * with it), then the access token. Best effort: answers whether the provider accepted every
 * call, never throws, and logs only the connector, the kind of token and the HTTP status.
 */
export async function revokeAtProvider(ctx: AppContext, connector: ConnectorRow, credentials: Credentials, log: Logger): Promise<boolean> {
  if (connector.auth_type !== 'oauth2' || credentials.type !== 'oauth2') return true;
  const revokeUrl = connectorDefinition(connector).oauth2?.revokeUrl;
  if (!revokeUrl) return true;
  let secret: string | null;
  let clientId: string;
  try {
    secret = connectorClientSecret(ctx, connector);
    clientId = connectorDefinition(connector).oauth2?.clientId ?? '';
  } catch {
    log.warn('provider revoke skipped: client credentials unreadable', { connectorId: connector.id });
    return false;
  }
  const tokens: { hint: string; value: string }[] = [];
  if (credentials.refreshToken) tokens.push({ hint: 'refresh_token', value: credentials.refreshToken });
  tokens.push({ hint: 'access_token', value: credentials.accessToken });
  let allOk = true;
  for (const t of tokens) {
    const form = new URLSearchParams({ token: t.value, token_type_hint: t.hint, client_id: clientId });
    if (secret !== null) form.set('client_secret', secret);
    try {
      const res = await egressFetch(ctx, {
        url: new URL(revokeUrl),
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        timeoutMs: REVOKE_TIMEOUT_MS,
      });
      const ok = res.status >= 200 && res.status < 300;
      if (!ok) allOk = false;
      log.info('provider revoke', { connectorId: connector.id, kind: t.hint, status: res.status });
    } catch (err) {
      if (err instanceof NetworkInTransactionError) throw err;
      allOk = false;
      log.warn('provider revoke failed', { connectorId: connector.id, kind: t.hint, reason: (err as Error).message });
    }
  }
  return allOk;
}

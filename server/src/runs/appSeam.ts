import type { AppContext } from '../context.ts';
import { openJson } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { findConnectorAuth } from '../db/repos/connectorAuths.ts';
import { findConnector } from '../db/repos/connectors.ts';
import { sql } from '../db/sql.ts';
import type { Logger } from '../log.ts';
import { callUpstream, type UpstreamAnswer, type UpstreamAuth, type UpstreamRequest } from '../services/proxy/proxy.ts';

/**
 * Where the run engine (written against the asynchronous seam, `db/driver.ts`) meets the parts of
 * the server that still take today's synchronous `AppContext`: the proxy's `callUpstream` (the one
 * path to a connector's API — injection, refresh, egress), the connector and auth repositories,
 * and the keyring. After the async merge `AppContext.db` is the asynchronous handle, the calls
 * below gain an `await`, and the engine's separate `db` folds into `ctx.db`.
 */

/** The slot's auth, ready to call through, or why not. */
export type StepAuth =
  | { readonly ok: true; readonly target: UpstreamAuth }
  | { readonly ok: false; readonly reason: 'missing' | 'no_base_url' | 'needs_reauth' | 'revoked' | 'disabled' };

/** Loads a connector auth and its connector for a step (the system may use any auth a binding names). */
export async function loadStepAuth(app: AppContext, authId: string): Promise<StepAuth> {
  const auth = await findConnectorAuth(app.db, authId, sql`1 = 1`);
  if (!auth) return { ok: false, reason: 'missing' };
  if (auth.status !== 'active') return { ok: false, reason: auth.status };
  const connector = await findConnector(app.db, auth.connector_id);
  if (!connector) return { ok: false, reason: 'missing' };
  const baseUrl = connector.base_url;
  if (!baseUrl) return { ok: false, reason: 'no_base_url' };
  return { ok: true, target: { auth, connector: { ...connector, base_url: baseUrl } } };
}

/** Calls a connector through the proxy's one path. */
export function callStep(app: AppContext, target: UpstreamAuth, call: UpstreamRequest, log: Logger): Promise<UpstreamAnswer> {
  return callUpstream(app, target, call, log);
}

/** Opens an integration's sealed password inputs (bound to its row). */
export function openPasswordInputs(app: Pick<AppContext, 'keyring'>, integrationId: string, sealed: string | null): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (sealed === null) return out;
  const value = openJson(app.keyring, secretLocation('integrations', 'secret_inputs_enc', integrationId), sealed);
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

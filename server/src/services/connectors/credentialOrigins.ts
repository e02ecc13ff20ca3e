import { enqueueConnectorAuthEvent } from '../../callbacks/outbox.ts';
import { type AppContext, nowIso } from '../../context.ts';
import { dropAuthCredentials, listAuthsHoldingCredentials } from '../../db/repos/connectorAuths.ts';
import { type Actor, recordAudit } from '../audit/recordAudit.ts';
import type { ConnectorDefinition } from './definition.ts';

/**
 * Which hosts a connector's auths' credentials belong to (SECURITY.md, C-07): re-pointing a
 * connector must not send them to another host.
 *
 * Patchbay calls a connector server to server at these URLs, with an auth's credentials or the
 * connector's client secret: `baseUrl` (proxy, flow steps, and the validation request, which is a
 * path under it), the OAuth2 token URL (refresh tokens) and revoke URL (access and refresh
 * tokens), and the OAuth1 request-token and access-token URLs (the provider that issued the
 * token and its secret). Authorize URLs are only visited by the user's browser and carry no
 * stored credential, so they may move freely.
 *
 * A change keeps credentials where they were when each of those URLs stays on its own origin
 * (scheme, host, port), is cleared, or moves to the origin that issued the credentials (the
 * OAuth2 token URL or the OAuth1 access-token URL as stored before the change): the issuer
 * already holds everything it issued, so e.g. a catalogue connector may gain a `baseUrl` on its
 * token host. Any other origin is a host the credentials were not issued for.
 */

/** The connector fields whose origin binds its auths' credentials, with their values. */
export interface CredentialUrls {
  readonly baseUrl: string | null;
  readonly def: Pick<ConnectorDefinition, 'oauth2' | 'oauth1'>;
}

function originOf(value: string | null | undefined): string | null {
  if (!value) return null;
  try {
    return new URL(value).origin;
  } catch {
    return null;
  }
}

function boundUrls(c: CredentialUrls): [field: string, value: string | null | undefined][] {
  return [
    ['baseUrl', c.baseUrl],
    ['oauth2.tokenUrl', c.def.oauth2?.tokenUrl],
    ['oauth2.revokeUrl', c.def.oauth2?.revokeUrl],
    ['oauth1.requestTokenUrl', c.def.oauth1?.requestTokenUrl],
    ['oauth1.accessTokenUrl', c.def.oauth1?.accessTokenUrl],
  ];
}

/**
 * The fields (`baseUrl`, `oauth2.tokenUrl`, …) that `after` points at an origin the credentials
 * issued under `before` were never bound to; empty when the change keeps them where they were.
 */
export function fieldsMovedToAnotherHost(before: CredentialUrls, after: CredentialUrls): string[] {
  const previous = new Map(boundUrls(before).map(([field, value]) => [field, originOf(value)]));
  const issuer = originOf(before.def.oauth2?.tokenUrl) ?? originOf(before.def.oauth1?.accessTokenUrl);
  return boundUrls(after)
    .filter(([field, value]) => {
      const origin = originOf(value);
      return origin !== null && origin !== previous.get(field) && origin !== issuer;
    })
    .map(([field]) => field);
}

/**
 * Drops the credentials of every auth of a connector that now points at another host, so nothing
 * issued for one host is ever sent to another: the status becomes `needs_reauth` (a disabled auth
 * stays disabled: whoever disabled it decides) with `last_error` saying why, one audit event per
 * auth, as for any status change. Answers how many. Call inside the transaction that changes the
 * connector.
 */
export async function dropCredentialsOfConnector(
  ctx: AppContext,
  actor: Actor,
  requestId: string,
  connectorId: string,
  fields: readonly string[],
): Promise<number> {
  const rows = await listAuthsHoldingCredentials(ctx.db, connectorId);
  const reason = `Reconnect needed: the connector now points at another host (${fields.join(', ')}), so the credentials issued for the old one were dropped`;
  const now = nowIso(ctx);
  for (const row of rows) {
    const status = row.status === 'disabled' ? 'disabled' : 'needs_reauth';
    await dropAuthCredentials(ctx.db, row.id, status, reason, now);
    await recordAudit(ctx, actor, {
      action: status === row.status ? 'connector_auth.credentials_dropped' : 'connector_auth.needs_reauth',
      objectType: 'connector_auth',
      objectId: row.id,
      configId: row.config_id,
      requestId,
      details: { connectorId, reason: 'connector_moved', fields, previousStatus: row.status },
    });
    await enqueueConnectorAuthEvent(
      ctx,
      status === row.status ? 'connectorAuth.updated' : 'connectorAuth.needsReauth',
      row.id,
      status === row.status ? { change: 'credentials_dropped' } : {},
    );
  }
  return rows.length;
}

import crypto from 'node:crypto';
import { enqueueConnectorAuthEvent } from '../../callbacks/outbox.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { findConnector } from '../../db/repos/connectors.ts';
import {
  findRefreshState,
  type RefreshStateRow,
  recordRefreshFailure,
  releaseRefreshLease,
  tryTakeRefreshLease,
} from '../../db/repos/refreshLease.ts';
import { AppError, notFound } from '../../errors.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { type Credentials, openCredentials } from '../connectors/credentials.ts';
import { connectorDefinition } from '../connectors/definition.ts';
import { requestToken, type TokenOutcome, tokenClientFor } from '../providers/tokenEndpoint.ts';
import { writeCredentials } from './store.ts';

/*
 * OAuth2 token refresh (SECURITY.md, R-01…R-09).
 *
 * Single flight twice over: within a process, concurrent callers for one auth share one promise;
 * across processes sharing the database, a lease on `connector_auths.refresh_lease_until/owner`
 * is taken with a conditional UPDATE in a short transaction. Whoever takes the lease
 * re-reads the row in the same transaction (double-checked freshness); the others poll with real
 * sleeps and re-read: a new `credentials_version` means someone refreshed, so they use that.
 * The new token set is written with a compare-and-swap on the version read under the lease.
 *
 * Expiry, lease and cool-down times come from `ctx.clock` (tests move it); waiting uses real time.
 *
 * Crash window: if the process dies after the provider answered but before the commit, the lease
 * simply runs out after {@link REFRESH_LEASE_MS}. At a provider that rotates refresh tokens the old
 * one may already be burned; the next attempt then gets `invalid_grant` and the auth becomes
 * `needs_reauth` (audited) — it is never retried in a loop with the dead token.
 *
 * Errors thrown by {@link getFreshCredentials} (all `AppError`):
 * - `not_found` — no such auth.
 * - `unprocessable` (422), details `{ reason }`: `needs_reauth` (grant dead, or status already
 *   needs_reauth), `revoked`, `disabled`, `not_refreshable` (connector has no token URL). The end
 *   user must reconnect or an admin must act; retrying does not help.
 * - `unavailable` (503), details `{ reason, retryAfterSeconds }`: `refresh_failed` (token endpoint
 *   5xx/429/timeout/unreachable), `refresh_backoff` (cool-down after a failure, provider not
 *   contacted), `refresh_in_progress` (another process held the lease past the wait). Retryable.
 * - `upstream_error` (502), details `{ reason: 'refresh_rejected' }`: the token endpoint answered
 *   something else (another OAuth error, malformed JSON). Status stays `active`; cool-down applies.
 */

/**
 * Refresh an OAuth2 access token when it expires within this margin — or within half its
 * lifetime, when that is shorter (see {@link refreshMarginMs}).
 */
export const REFRESH_MARGIN_MS = 5 * 60_000;
/** How long a refresh lease holds before another process may take over (a crashed holder). */
export const REFRESH_LEASE_MS = 30_000;
/** How long a caller waits for another process's refresh before giving up. */
export const REFRESH_LEASE_WAIT_MS = 15_000;
/** After a failed refresh, further attempts fail fast for this long without contacting the provider. */
export const REFRESH_COOL_DOWN_MS = 30_000;
/** Real-time sleep between looks at a lease held elsewhere. */
const LEASE_POLL_MS = 25;
/** At most this many in-flight refreshes are remembered per database (beyond: the DB lease alone). */
const MAX_IN_FLIGHT = 5_000;

/** Options of {@link getFreshCredentials}. */
export interface FreshCredentialsOptions {
  /** Refresh even if the token looks valid (e.g. the upstream answered 401 with it). */
  readonly force?: boolean;
  /**
   * With `force`: the access token the upstream refused. When the stored token already differs
   * (a concurrent caller refreshed), the stored one is answered instead of refreshing again, so a
   * burst of 401s costs one refresh, not one each.
   */
  readonly rejectedAccessToken?: string;
}

const SYSTEM = { kind: 'system' } as const;
const inFlightByDb = new WeakMap<object, Map<string, Promise<Credentials>>>();

function inFlightOf(ctx: AppContext): Map<string, Promise<Credentials>> {
  let map = inFlightByDb.get(ctx.db);
  if (!map) {
    map = new Map();
    inFlightByDb.set(ctx.db, map);
  }
  return map;
}

function statusError(authId: string, status: RefreshStateRow['status']): AppError {
  const what = { needs_reauth: 'needs to be reconnected', revoked: 'was revoked', disabled: 'is disabled', active: 'is active' }[status];
  return new AppError('unprocessable', `Connector auth ${JSON.stringify(authId)} ${what}`, { reason: status });
}

async function read(ctx: AppContext, authId: string, opts: { lock?: boolean } = {}): Promise<{ row: RefreshStateRow; creds: Credentials }> {
  const row = await findRefreshState(ctx.db, authId, opts);
  if (!row) throw notFound('Connector auth', authId);
  if (row.status !== 'active') throw statusError(authId, row.status);
  if (row.credentials_enc === null) throw statusError(authId, 'needs_reauth');
  return { row, creds: openCredentials(ctx, authId, row.credentials_enc) };
}

function expiresAtMs(creds: Credentials): number | null {
  if (creds.type !== 'oauth2' || creds.expiresAt === null) return null;
  const ms = Date.parse(creds.expiresAt);
  return Number.isNaN(ms) ? null : ms;
}

/**
 * How long before its expiry a token is refreshed: {@link REFRESH_MARGIN_MS}, or half the token's
 * lifetime (issue to expiry) when that is shorter, so a provider whose tokens live 15 s is asked
 * again after 7.5 s, not on every call. A token whose issue time is unknown (stored before
 * it was recorded, or imported by the vendor) gets the full margin.
 */
export function refreshMarginMs(creds: Credentials): number {
  const exp = expiresAtMs(creds);
  if (exp === null || creds.type !== 'oauth2' || !creds.issuedAt) return REFRESH_MARGIN_MS;
  const issued = Date.parse(creds.issuedAt);
  if (Number.isNaN(issued)) return REFRESH_MARGIN_MS;
  return Math.min(REFRESH_MARGIN_MS, Math.max(0, (exp - issued) / 2));
}

/** True when an OAuth2 token expires within its margin; a token without expiry never does. */
function dueForRefresh(ctx: AppContext, creds: Credentials): boolean {
  const exp = expiresAtMs(creds);
  return exp !== null && exp - ctx.clock.now() <= refreshMarginMs(creds);
}

/** True when the stored token may still be used as is (not forced, not expired yet). */
function stillUsable(ctx: AppContext, creds: Credentials, force: boolean): boolean {
  const exp = expiresAtMs(creds);
  return !force && (exp === null || exp > ctx.clock.now());
}

function coolDownLeftMs(ctx: AppContext, row: RefreshStateRow): number {
  if (row.refresh_failed_at === null) return 0;
  const failed = Date.parse(row.refresh_failed_at);
  return Number.isNaN(failed) ? 0 : Math.max(0, failed + REFRESH_COOL_DOWN_MS - ctx.clock.now());
}

function backoffError(authId: string, leftMs: number): AppError {
  return new AppError('unavailable', `Refreshing connector auth ${JSON.stringify(authId)} failed recently; try again shortly`, {
    reason: 'refresh_backoff',
    retryAfterSeconds: Math.ceil(leftMs / 1000),
  });
}

/**
 * Usable credentials of an active connector auth. OAuth2 tokens expiring within their
 * {@link refreshMarginMs} (or any, with `force`) are refreshed first — with the refresh token,
 * or for `client_credentials` connectors by fetching a new token. Other credential types are
 * answered as stored. Throws the `AppError`s listed at the top of this module.
 */
export async function getFreshCredentials(ctx: AppContext, authId: string, opts: FreshCredentialsOptions = {}): Promise<Credentials> {
  const { row, creds } = await read(ctx, authId);
  if (creds.type !== 'oauth2') return creds;
  const force = (opts.force ?? false) && (opts.rejectedAccessToken === undefined || opts.rejectedAccessToken === creds.accessToken);
  if (!force && !dueForRefresh(ctx, creds)) return creds;
  const inFlight = inFlightOf(ctx);
  const joined = inFlight.get(authId);
  if (joined) return joined;
  const left = coolDownLeftMs(ctx, row);
  if (left > 0) {
    if (stillUsable(ctx, creds, force)) return creds;
    throw backoffError(authId, left);
  }
  const run = refresh(ctx, authId, row.credentials_version, creds, force);
  if (inFlight.size >= MAX_IN_FLIGHT) return run;
  inFlight.set(authId, run);
  // The entry goes as soon as the refresh settles, whatever the outcome.
  run.then(
    () => inFlight.delete(authId),
    () => inFlight.delete(authId),
  );
  return run;
}

type LeaseLook =
  | { kind: 'fresh'; creds: Credentials }
  | { kind: 'leased'; row: RefreshStateRow; creds: Extract<Credentials, { type: 'oauth2' }> }
  | { kind: 'busy' };

/**
 * One look at the row inside a transaction: someone else refreshed (version moved, or the
 * token is no longer due) → use theirs; cool-down → fail fast; else take the lease if free.
 */
async function lookAndLease(
  ctx: AppContext,
  authId: string,
  seenVersion: number,
  force: boolean,
  owner: string | null,
): Promise<LeaseLook> {
  return inTransaction(ctx, async (txCtx) => {
    const { row, creds } = await read(txCtx, authId, { lock: true });
    if (creds.type !== 'oauth2') return { kind: 'fresh', creds };
    if (row.credentials_version !== seenVersion) return { kind: 'fresh', creds };
    if (!force && !dueForRefresh(txCtx, creds)) return { kind: 'fresh', creds };
    const left = coolDownLeftMs(txCtx, row);
    if (left > 0) {
      if (stillUsable(txCtx, creds, force)) return { kind: 'fresh', creds };
      throw backoffError(authId, left);
    }
    if (owner === null) return { kind: 'busy' };
    const now = txCtx.clock.now();
    const taken = await tryTakeRefreshLease(
      txCtx.db,
      authId,
      owner,
      new Date(now).toISOString(),
      new Date(now + REFRESH_LEASE_MS).toISOString(),
    );
    return taken ? { kind: 'leased', row, creds } : { kind: 'busy' };
  });
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function refresh(ctx: AppContext, authId: string, seenVersion: number, seenCreds: Credentials, force: boolean): Promise<Credentials> {
  const owner = `${process.pid}:${crypto.randomBytes(8).toString('hex')}`;
  const deadline = Date.now() + REFRESH_LEASE_WAIT_MS;
  for (;;) {
    const look = await lookAndLease(ctx, authId, seenVersion, force, owner);
    if (look.kind === 'fresh') return look.creds;
    if (look.kind === 'leased') {
      try {
        return await refreshUnderLease(ctx, look.row, look.creds, force);
      } finally {
        await inTransaction(ctx, (txCtx) => releaseRefreshLease(txCtx.db, authId, owner));
      }
    }
    if (Date.now() >= deadline) break;
    await sleep(LEASE_POLL_MS);
  }
  // The wait ran out: one last look (the holder may have just finished), then give up.
  const last = await lookAndLease(ctx, authId, seenVersion, force, null);
  if (last.kind === 'fresh') return last.creds;
  if (stillUsable(ctx, seenCreds, force)) return seenCreds;
  throw new AppError('unavailable', `Connector auth ${JSON.stringify(authId)} is being refreshed elsewhere; try again shortly`, {
    reason: 'refresh_in_progress',
    retryAfterSeconds: Math.ceil(REFRESH_LEASE_MS / 1000),
  });
}

type OAuth2Credentials = Extract<Credentials, { type: 'oauth2' }>;

/** Talks to the token endpoint while holding the lease, then records the outcome. */
async function refreshUnderLease(ctx: AppContext, row: RefreshStateRow, creds: OAuth2Credentials, force: boolean): Promise<Credentials> {
  const authId = row.id;
  const connector = await findConnector(ctx.db, row.connector_id);
  const oauth2 = connector ? connectorDefinition(connector).oauth2 : null;
  const client = connector ? tokenClientFor(ctx, connector) : null;
  if (!connector || !oauth2 || !client) {
    if (stillUsable(ctx, creds, force)) return creds;
    throw new AppError('unprocessable', `Connector auth ${JSON.stringify(authId)} cannot be refreshed: its connector has no token URL`, {
      reason: 'not_refreshable',
    });
  }
  // Issue time: when we asked (the provider's clock starts no earlier), so the lifetime is never overstated.
  const issuedAt = ctx.clock.now();
  let outcome: TokenOutcome;
  if (oauth2.grantType === 'client_credentials') {
    outcome = await requestToken(ctx, client, { grantType: 'client_credentials', scope: oauth2.scopes.join(oauth2.scopeDelimiter) });
  } else if (creds.refreshToken === null) {
    if (stillUsable(ctx, creds, force)) return creds;
    // An expired (or upstream-refused) token with nothing to refresh it: only a reconnect helps.
    outcome = { kind: 'invalid_grant', error: 'The access token is expired or refused and there is no refresh token' };
  } else {
    outcome = await requestToken(ctx, client, { grantType: 'refresh_token', refreshToken: creds.refreshToken });
  }

  if (outcome.kind === 'ok') {
    const t = outcome.tokens;
    const next: OAuth2Credentials = {
      type: 'oauth2',
      accessToken: t.accessToken,
      // A provider that does not rotate sends no refresh token: the old one stays valid.
      refreshToken: t.refreshToken ?? (oauth2.grantType === 'client_credentials' ? null : creds.refreshToken),
      tokenType: t.tokenType,
      expiresAt: t.expiresIn === null ? null : new Date(issuedAt + t.expiresIn * 1000).toISOString(),
      issuedAt: new Date(issuedAt).toISOString(),
      scope: t.scope ?? creds.scope,
    };
    const delimiter = oauth2.scopeDelimiter.trim() === '' ? /\s+/ : oauth2.scopeDelimiter;
    const written = await inTransaction(ctx, async (txCtx) => {
      const ok = await writeCredentials(txCtx, authId, next, {
        expectVersion: row.credentials_version,
        expiresAt: next.expiresAt,
        refreshed: true,
        ...(t.scope === null ? {} : { scopes: t.scope.split(delimiter).filter(Boolean) }),
      });
      if (!ok) return false;
      const recovered = row.refresh_failures > 0;
      await recordAudit(txCtx, SYSTEM, {
        action: recovered ? 'connector_auth.recovered' : 'connector_auth.refreshed',
        objectType: 'connector_auth',
        objectId: authId,
        configId: row.config_id,
        details: recovered ? { previousFailures: row.refresh_failures, grantType: oauth2.grantType } : { grantType: oauth2.grantType },
      });
      if (recovered) await enqueueConnectorAuthEvent(txCtx, 'connectorAuth.recovered', authId, { change: 'refreshed' });
      return true;
    });
    if (written) {
      ctx.log.info('connector auth refreshed', { connectorAuthId: authId, grantType: oauth2.grantType });
      return next;
    }
    // Someone else wrote newer credentials meanwhile (a reconnect, or a takeover after our lease ran out): theirs win.
    ctx.log.warn('connector auth refresh lost a compare-and-swap; using the stored credentials', { connectorAuthId: authId });
    return (await read(ctx, authId)).creds;
  }

  const needsReauth = outcome.kind === 'invalid_grant';
  const at = nowIso(ctx);
  await inTransaction(ctx, async (txCtx) => {
    const recorded = await recordRefreshFailure(txCtx.db, authId, {
      expectVersion: row.credentials_version,
      atIso: at,
      error: outcome.error,
      needsReauth,
    });
    if (!recorded) return;
    await recordAudit(txCtx, SYSTEM, {
      action: needsReauth ? 'connector_auth.needs_reauth' : 'connector_auth.refresh_failed',
      objectType: 'connector_auth',
      objectId: authId,
      configId: row.config_id,
      details: { error: outcome.error, failures: row.refresh_failures + 1 },
    });
    if (needsReauth) await enqueueConnectorAuthEvent(txCtx, 'connectorAuth.needsReauth', authId);
  });
  ctx.log.warn('connector auth refresh failed', { connectorAuthId: authId, outcome: outcome.kind, error: outcome.error });
  if (needsReauth) {
    throw new AppError('unprocessable', `Connector auth ${JSON.stringify(authId)} needs to be reconnected: ${outcome.error}`, {
      reason: 'needs_reauth',
    });
  }
  if (stillUsable(ctx, creds, force)) return creds;
  if (outcome.kind === 'transient') {
    throw new AppError('unavailable', `Refreshing connector auth ${JSON.stringify(authId)} failed: ${outcome.error}`, {
      reason: 'refresh_failed',
      retryAfterSeconds: Math.ceil(REFRESH_COOL_DOWN_MS / 1000),
    });
  }
  throw new AppError('upstream_error', `Refreshing connector auth ${JSON.stringify(authId)} failed: ${outcome.error}`, {
    reason: 'refresh_rejected',
  });
}

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../context.ts';
import { inTransaction } from '../../context.ts';
import { sql } from '../../db/sql.ts';
import { AppError } from '../../errors.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../../testing/oidcProvider.ts';
import {
  auditActions,
  insertAuthWith,
  insertOAuth2Connector,
  introspect,
  mintTokenSet,
  oauth2Credentials,
  storedAuth,
} from '../../testing/refreshFixtures.ts';
import { classifyTokenResponse } from '../providers/tokenEndpoint.ts';
import { writeCredentials } from './store.ts';
import { getFreshCredentials, REFRESH_COOL_DOWN_MS, REFRESH_LEASE_MS, REFRESH_LEASE_WAIT_MS, refreshMarginMs } from './tokenRefresh.ts';

let s: TestServer;
let p: TestOAuthProvider;
let ctx: AppContext;
let connectorId: string;

beforeAll(async () => {
  p = await startOAuthProvider({ redirectUris: ['http://127.0.0.1:1/cb'], rotateRefreshTokens: true });
  s = await startTestServer();
  ctx = s.app.ctx;
  connectorId = await insertOAuth2Connector(ctx, { tokenUrl: p.tokenUrl, clientId: p.clientId, clientSecret: p.clientSecret });
});
afterAll(async () => {
  await s.close();
  await p.close();
});
beforeEach(() => {
  for (const k of Object.keys(p.tokenCalls)) delete p.tokenCalls[k];
  p.failTokenEndpoint = null;
  p.tokenDelayMs = 0;
});

/** A real token set stored as an auth whose access token expires in `expiresIn` seconds. */
async function authExpiringIn(expiresIn: number, on = connectorId) {
  const minted = await mintTokenSet(p);
  const authId = await insertAuthWith(ctx, on, oauth2Credentials(ctx, minted, expiresIn));
  return { minted, authId };
}

async function caught(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected an AppError');
}

const errorOf = (e: AppError) => ({ code: e.code, status: e.status, details: e.details });

describe('single flight within a process', () => {
  it('50 concurrent calls on an expired token → one refresh, one new token for all, newest refresh token stored', async () => {
    const { minted, authId } = await authExpiringIn(-60);
    p.tokenDelayMs = 200;
    const results = await Promise.all(Array.from({ length: 50 }, () => getFreshCredentials(ctx, authId)));
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    const tokens = new Set(results.map((c) => (c.type === 'oauth2' ? c.accessToken : '')));
    expect(tokens.size).toBe(1);
    const [accessToken] = [...tokens] as [string];
    expect(accessToken).not.toBe(minted.accessToken);
    const stored = await storedAuth(ctx, authId);
    expect(stored).toMatchObject({ status: 'active', credentials_version: 2, refresh_failures: 0, refresh_lease_until: null });
    if (stored.credentials.type !== 'oauth2') throw new Error('oauth2 expected');
    expect(stored.credentials.accessToken).toBe(accessToken);
    expect(stored.credentials.refreshToken).not.toBe(minted.refreshToken);
    // The stored refresh token is the live one; the old one was consumed by the rotation.
    expect(await introspect(p, stored.credentials.refreshToken as string)).toBe(true);
    expect(await introspect(p, minted.refreshToken)).toBe(false);
    expect(await introspect(p, accessToken)).toBe(true);
    expect(stored.expires_at).toBe(new Date(ctx.clock.now() + 3600_000).toISOString());
    expect((await auditActions(ctx, authId)).map((a) => [a.action, a.actor_type])).toEqual([
      ['connector_auth.created', 'system'],
      ['connector_auth.refreshed', 'system'],
    ]);
    // Fresh now: the next call answers the stored token without contacting the provider.
    const again = await getFreshCredentials(ctx, authId);
    expect(again).toEqual(stored.credentials);
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
  });
});

describe('refresh margin', () => {
  it('a token expiring in 20 minutes is answered as stored', async () => {
    const { minted, authId } = await authExpiringIn(20 * 60);
    const creds = await getFreshCredentials(ctx, authId);
    expect(creds).toMatchObject({ type: 'oauth2', accessToken: minted.accessToken, refreshToken: minted.refreshToken });
    expect(p.tokenCalls).toEqual({});
    expect((await storedAuth(ctx, authId)).credentials_version).toBe(1);
  });

  it('a token expiring in 2 minutes is refreshed first', async () => {
    const { minted, authId } = await authExpiringIn(2 * 60);
    const creds = await getFreshCredentials(ctx, authId);
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    expect(creds.type === 'oauth2' && creds.accessToken).not.toBe(minted.accessToken);
    expect((await storedAuth(ctx, authId)).credentials_version).toBe(2);
  });

  it('the margin is measured on the context clock', async () => {
    const { authId } = await authExpiringIn(20 * 60);
    await getFreshCredentials(ctx, authId);
    expect(p.tokenCalls).toEqual({});
    s.clock.advance(16 * 60);
    await getFreshCredentials(ctx, authId);
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
  });

  it('is min(5 minutes, half the lifetime from issue to expiry); the full 5 minutes when the issue time is unknown', () => {
    const at = (issuedAt: string | null | undefined, expiresAt: string | null) => ({
      type: 'oauth2' as const,
      accessToken: 'a',
      refreshToken: null,
      tokenType: 'Bearer',
      expiresAt,
      scope: null,
      ...(issuedAt === undefined ? {} : { issuedAt }),
    });
    const t0 = '2030-01-01T00:00:00.000Z';
    const plus = (s: number) => new Date(Date.parse(t0) + s * 1000).toISOString();
    expect(refreshMarginMs(at(t0, plus(15)))).toBe(7_500);
    expect(refreshMarginMs(at(t0, plus(600)))).toBe(300_000);
    expect(refreshMarginMs(at(t0, plus(3600)))).toBe(300_000);
    expect(refreshMarginMs(at(t0, plus(-5)))).toBe(0);
    expect(refreshMarginMs(at(undefined, plus(15)))).toBe(300_000);
    expect(refreshMarginMs(at(null, plus(15)))).toBe(300_000);
    expect(refreshMarginMs(at('not a time', plus(15)))).toBe(300_000);
  });

  it('a token without an expiry is never refreshed ahead of time', async () => {
    const minted = await mintTokenSet(p);
    const authId = await insertAuthWith(ctx, connectorId, { ...oauth2Credentials(ctx, minted, 0), expiresAt: null });
    await getFreshCredentials(ctx, authId);
    expect(p.tokenCalls).toEqual({});
  });
});

describe('force', () => {
  it('refreshes a token that is still valid for an hour', async () => {
    const { minted, authId } = await authExpiringIn(3600);
    const creds = await getFreshCredentials(ctx, authId, { force: true });
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    expect(creds.type === 'oauth2' && creds.accessToken).not.toBe(minted.accessToken);
    expect((await storedAuth(ctx, authId)).credentials).toEqual(creds);
  });

  it('with rejectedAccessToken, a force after someone else refreshed answers the new token without refreshing again', async () => {
    const { minted, authId } = await authExpiringIn(3600);
    const first = await getFreshCredentials(ctx, authId, { force: true, rejectedAccessToken: minted.accessToken });
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    const late = await getFreshCredentials(ctx, authId, { force: true, rejectedAccessToken: minted.accessToken });
    expect(late).toEqual(first);
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    // The new token refused too: that one is refreshed.
    const again = await getFreshCredentials(ctx, authId, {
      force: true,
      rejectedAccessToken: (first as { accessToken: string }).accessToken,
    });
    expect(again).not.toEqual(first);
    expect(p.tokenCalls).toEqual({ refresh_token: 2 });
  });

  it('concurrent forced calls share one refresh', async () => {
    const { authId } = await authExpiringIn(3600);
    p.tokenDelayMs = 100;
    const all = await Promise.all(Array.from({ length: 10 }, () => getFreshCredentials(ctx, authId, { force: true })));
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    expect(new Set(all.map((c) => JSON.stringify(c))).size).toBe(1);
  });
});

describe('transient failures', () => {
  it('500 keeps the auth active, records the failure, cools down without calling, then recovers', async () => {
    const { minted, authId } = await authExpiringIn(-60);
    p.failTokenEndpoint = 500;
    const first = await caught(getFreshCredentials(ctx, authId));
    expect(errorOf(first)).toEqual({ code: 'unavailable', status: 503, details: { reason: 'refresh_failed', retryAfterSeconds: 30 } });
    expect(first.message).toBe(`Refreshing connector auth "${authId}" failed: Token endpoint answered HTTP 500 (server_error)`);
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    expect(await storedAuth(ctx, authId)).toMatchObject({
      status: 'active',
      credentials_version: 1,
      refresh_failures: 1,
      refresh_failed_at: new Date(ctx.clock.now()).toISOString(),
      last_error: 'Token endpoint answered HTTP 500 (server_error)',
      refresh_lease_until: null,
    });

    // Cool-down: the provider recovers, but calls fail fast without contacting it.
    p.failTokenEndpoint = null;
    s.clock.advance(10);
    const during = await Promise.all(Array.from({ length: 20 }, () => caught(getFreshCredentials(ctx, authId))));
    for (const e of during) {
      expect(errorOf(e)).toEqual({ code: 'unavailable', status: 503, details: { reason: 'refresh_backoff', retryAfterSeconds: 20 } });
    }
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });

    // After the cool-down the refresh goes through (the failed call did not burn the refresh token).
    s.clock.advance(REFRESH_COOL_DOWN_MS / 1000);
    const creds = await getFreshCredentials(ctx, authId);
    expect(creds.type === 'oauth2' && creds.accessToken).not.toBe(minted.accessToken);
    expect(p.tokenCalls).toEqual({ refresh_token: 2 });
    expect(await storedAuth(ctx, authId)).toMatchObject({
      status: 'active',
      credentials_version: 2,
      refresh_failures: 0,
      refresh_failed_at: null,
      last_error: null,
    });
    const audit = await auditActions(ctx, authId);
    expect(audit.map((a) => [a.action, a.actor_type])).toEqual([
      ['connector_auth.created', 'system'],
      ['connector_auth.refresh_failed', 'system'],
      ['connector_auth.recovered', 'system'],
    ]);
    expect(JSON.parse(audit[2]?.details ?? '{}')).toEqual({ previousFailures: 1, grantType: 'authorization_code' });
    // No secret in any audit detail.
    for (const a of audit) {
      expect(a.details).not.toContain(minted.refreshToken);
      expect(a.details).not.toContain(p.clientSecret);
    }
  });

  it('a token still valid inside the margin is answered when the refresh fails (and the failure recorded)', async () => {
    const { minted, authId } = await authExpiringIn(120);
    p.failTokenEndpoint = 503;
    const creds = await getFreshCredentials(ctx, authId);
    expect(creds).toMatchObject({ accessToken: minted.accessToken });
    expect(await storedAuth(ctx, authId)).toMatchObject({ status: 'active', refresh_failures: 1 });
    // During the cool-down the still-valid token keeps being answered, without calls.
    expect(await getFreshCredentials(ctx, authId)).toMatchObject({ accessToken: minted.accessToken });
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    // A forced refresh (the upstream refused that token) fails fast during the cool-down.
    const forced = await caught(getFreshCredentials(ctx, authId, { force: true }));
    expect(forced.code).toBe('unavailable');
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
  });

  it('429 and an unreachable token endpoint are transient too', async () => {
    const { authId } = await authExpiringIn(-60);
    p.failTokenEndpoint = 429;
    expect(errorOf(await caught(getFreshCredentials(ctx, authId)))).toMatchObject({ code: 'unavailable' });
    expect((await storedAuth(ctx, authId)).status).toBe('active');

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const deadConnector = await insertOAuth2Connector(ctx, {
      tokenUrl: `http://127.0.0.1:${port}/token`,
      clientId: 'c',
      clientSecret: 's',
    });
    const { authId: deadAuth } = await authExpiringIn(-60, deadConnector);
    const e = await caught(getFreshCredentials(ctx, deadAuth));
    expect(errorOf(e)).toEqual({ code: 'unavailable', status: 503, details: { reason: 'refresh_failed', retryAfterSeconds: 30 } });
    expect(await storedAuth(ctx, deadAuth)).toMatchObject({
      status: 'active',
      refresh_failures: 1,
      last_error: `Token endpoint not reached: 127.0.0.1 refused the connection`,
    });
  });
});

describe('invalid_grant', () => {
  it('a bogus refresh token → needs_reauth, audited, and no further provider calls', async () => {
    const minted = await mintTokenSet(p);
    const authId = await insertAuthWith(ctx, connectorId, oauth2Credentials(ctx, { ...minted, refreshToken: 'bogus-refresh-token' }, -60));
    const e = await caught(getFreshCredentials(ctx, authId));
    expect(errorOf(e)).toEqual({ code: 'unprocessable', status: 422, details: { reason: 'needs_reauth' } });
    expect(await storedAuth(ctx, authId)).toMatchObject({
      status: 'needs_reauth',
      refresh_failures: 1,
      last_error: 'Token endpoint answered HTTP 400 (invalid_grant)',
      refresh_lease_until: null,
    });
    const audit = await auditActions(ctx, authId);
    expect(audit.map((a) => [a.action, a.actor_type])).toEqual([
      ['connector_auth.created', 'system'],
      ['connector_auth.needs_reauth', 'system'],
    ]);
    expect(JSON.parse(audit[1]?.details ?? '{}')).toEqual({ error: 'Token endpoint answered HTTP 400 (invalid_grant)', failures: 1 });
    s.clock.advance(3600);
    const later = await caught(getFreshCredentials(ctx, authId));
    expect(errorOf(later)).toEqual({ code: 'unprocessable', status: 422, details: { reason: 'needs_reauth' } });
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    // A reconnect (new credentials through the store) makes it usable again.
    const fresh = await mintTokenSet(p);
    await inTransaction(ctx, (txCtx) => writeCredentials(txCtx, authId, oauth2Credentials(txCtx, fresh, 3600)));
    expect(await getFreshCredentials(ctx, authId)).toMatchObject({ accessToken: fresh.accessToken });
  });

  it('a revoked grant → needs_reauth', async () => {
    const { minted, authId } = await authExpiringIn(-60);
    const res = await fetch(p.revocationUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: minted.refreshToken, client_id: p.clientId, client_secret: p.clientSecret }),
    });
    expect(res.status).toBe(200);
    const e = await caught(getFreshCredentials(ctx, authId));
    expect(e.details).toEqual({ reason: 'needs_reauth' });
    expect((await storedAuth(ctx, authId)).status).toBe('needs_reauth');
  });

  it('crash after the provider answered but before the commit: the burned refresh token leads to needs_reauth, not a retry loop', async () => {
    const { minted, authId } = await authExpiringIn(-60);
    // The "crashed" process took the lease and redeemed the refresh token; its answer was never stored.
    await ctx.db.run(sql`UPDATE connector_auths SET refresh_lease_until = ${new Date(ctx.clock.now() + REFRESH_LEASE_MS).toISOString()},
      refresh_lease_owner = 'crashed' WHERE id = ${authId}`);
    const burned = await fetch(p.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: minted.refreshToken,
        client_id: p.clientId,
        client_secret: p.clientSecret,
      }),
    });
    expect(burned.status).toBe(200);
    // A caller waits on the lease; once it runs out (clock moved past it), the caller takes over.
    const pending = getFreshCredentials(ctx, authId);
    await new Promise((r) => setTimeout(r, 150));
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    s.clock.advance(REFRESH_LEASE_MS / 1000 + 1);
    const e = await caught(pending);
    expect(errorOf(e)).toEqual({ code: 'unprocessable', status: 422, details: { reason: 'needs_reauth' } });
    expect(p.tokenCalls).toEqual({ refresh_token: 2 });
    expect(await storedAuth(ctx, authId)).toMatchObject({ status: 'needs_reauth', refresh_lease_until: null, refresh_lease_owner: null });
  });
});

describe('lease and compare-and-swap', () => {
  it('a lease left by a crashed process blocks until it runs out, then the next caller refreshes', async () => {
    const { minted, authId } = await authExpiringIn(-60);
    await ctx.db.run(sql`UPDATE connector_auths SET refresh_lease_until = ${new Date(ctx.clock.now() + REFRESH_LEASE_MS).toISOString()},
      refresh_lease_owner = 'crashed' WHERE id = ${authId}`);
    const pending = getFreshCredentials(ctx, authId);
    await new Promise((r) => setTimeout(r, 200));
    expect(p.tokenCalls).toEqual({});
    s.clock.advance(REFRESH_LEASE_MS / 1000 + 1);
    const creds = await pending;
    expect(creds.type === 'oauth2' && creds.accessToken).not.toBe(minted.accessToken);
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    expect(await storedAuth(ctx, authId)).toMatchObject({ refresh_lease_until: null, refresh_lease_owner: null, credentials_version: 2 });
  });

  it('a lease held elsewhere past the wait → unavailable refresh_in_progress after ~15 s, without a token call', async () => {
    const { authId } = await authExpiringIn(-60);
    await ctx.db.run(sql`UPDATE connector_auths SET refresh_lease_until = ${new Date(ctx.clock.now() + REFRESH_LEASE_MS).toISOString()},
      refresh_lease_owner = 'slow-process' WHERE id = ${authId}`);
    const started = Date.now();
    const e = await caught(getFreshCredentials(ctx, authId));
    expect(Date.now() - started).toBeGreaterThanOrEqual(REFRESH_LEASE_WAIT_MS);
    expect(errorOf(e)).toEqual({ code: 'unavailable', status: 503, details: { reason: 'refresh_in_progress', retryAfterSeconds: 30 } });
    expect(p.tokenCalls).toEqual({});
    expect(await storedAuth(ctx, authId)).toMatchObject({ status: 'active', refresh_lease_owner: 'slow-process', refresh_failures: 0 });
  });

  it('a waiter uses credentials another process stored while it waited (no refresh of its own)', async () => {
    const { authId } = await authExpiringIn(-60);
    await ctx.db.run(sql`UPDATE connector_auths SET refresh_lease_until = ${new Date(ctx.clock.now() + REFRESH_LEASE_MS).toISOString()},
      refresh_lease_owner = 'other-process' WHERE id = ${authId}`);
    const pending = getFreshCredentials(ctx, authId);
    await new Promise((r) => setTimeout(r, 100));
    const theirs = await mintTokenSet(p);
    await inTransaction(ctx, (txCtx) =>
      writeCredentials(txCtx, authId, oauth2Credentials(txCtx, theirs, 3600), { expectVersion: 1, refreshed: true }),
    );
    expect(await pending).toMatchObject({ accessToken: theirs.accessToken, refreshToken: theirs.refreshToken });
    expect(p.tokenCalls).toEqual({});
  });

  it('a reconnect during a refresh wins the compare-and-swap; the refresh answers the reconnected credentials', async () => {
    const { authId } = await authExpiringIn(-60);
    p.tokenDelayMs = 300;
    const pending = getFreshCredentials(ctx, authId);
    await new Promise((r) => setTimeout(r, 100));
    const reconnected = await mintTokenSet(p);
    await inTransaction(ctx, (txCtx) => writeCredentials(txCtx, authId, oauth2Credentials(txCtx, reconnected, 3600)));
    expect(await pending).toMatchObject({ accessToken: reconnected.accessToken });
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    expect(await storedAuth(ctx, authId)).toMatchObject({ credentials_version: 2, refresh_lease_until: null });
    expect((await storedAuth(ctx, authId)).credentials).toMatchObject({ accessToken: reconnected.accessToken });
  });
});

describe('other credentials and states', () => {
  it('client_credentials connectors fetch a new token instead of refreshing', async () => {
    const cc = await insertOAuth2Connector(ctx, {
      tokenUrl: p.tokenUrl,
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      grantType: 'client_credentials',
    });
    const authId = await insertAuthWith(ctx, cc, {
      type: 'oauth2',
      accessToken: 'old-cc-token',
      refreshToken: null,
      tokenType: 'Bearer',
      expiresAt: new Date(ctx.clock.now() - 1000).toISOString(),
      scope: null,
    });
    p.tokenDelayMs = 100;
    const all = await Promise.all(Array.from({ length: 5 }, () => getFreshCredentials(ctx, authId)));
    expect(p.tokenCalls).toEqual({ client_credentials: 1 });
    const creds = all[0];
    expect(creds).toMatchObject({ type: 'oauth2', refreshToken: null });
    expect(creds?.type === 'oauth2' && (await introspect(p, creds.accessToken))).toBe(true);
    expect(new Set(all.map((c) => JSON.stringify(c))).size).toBe(1);
  });

  it('an expired token without a refresh token on a forced refresh → needs_reauth', async () => {
    const minted = await mintTokenSet(p);
    const authId = await insertAuthWith(ctx, connectorId, { ...oauth2Credentials(ctx, minted, 3600), refreshToken: null });
    expect(await getFreshCredentials(ctx, authId)).toMatchObject({ accessToken: minted.accessToken });
    const e = await caught(getFreshCredentials(ctx, authId, { force: true }));
    expect(errorOf(e)).toEqual({ code: 'unprocessable', status: 422, details: { reason: 'needs_reauth' } });
    expect(p.tokenCalls).toEqual({});
    expect((await storedAuth(ctx, authId)).status).toBe('needs_reauth');
  });

  it('non-OAuth2 credentials are answered as stored', async () => {
    const authId = await insertAuthWith(ctx, connectorId, { type: 'api_key', apiKey: 'k-123', fields: {} });
    expect(await getFreshCredentials(ctx, authId, { force: true })).toEqual({ type: 'api_key', apiKey: 'k-123', fields: {} });
    expect(p.tokenCalls).toEqual({});
  });

  it('disabled, revoked and unknown auths are refused with a reason', async () => {
    const { authId } = await authExpiringIn(3600);
    await ctx.db.run(sql`UPDATE connector_auths SET status = 'disabled' WHERE id = ${authId}`);
    expect(errorOf(await caught(getFreshCredentials(ctx, authId)))).toEqual({
      code: 'unprocessable',
      status: 422,
      details: { reason: 'disabled' },
    });
    await ctx.db.run(sql`UPDATE connector_auths SET status = 'revoked' WHERE id = ${authId}`);
    expect((await caught(getFreshCredentials(ctx, authId))).details).toEqual({ reason: 'revoked' });
    expect(errorOf(await caught(getFreshCredentials(ctx, 'ca_missing')))).toMatchObject({ code: 'not_found', status: 404 });
    expect(p.tokenCalls).toEqual({});
  });
});

describe('token response classification', () => {
  const body = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
  it.each([
    [500, { error: 'server_error' }, 'transient'],
    [502, '<html>bad gateway</html>', 'transient'],
    [503, '', 'transient'],
    [429, { error: 'slow_down' }, 'transient'],
    [408, '', 'transient'],
    [400, { error: 'invalid_grant' }, 'invalid_grant'],
    [401, { error: 'invalid_grant' }, 'invalid_grant'],
    [400, { error: 'invalid_client' }, 'rejected'],
    [401, { error: 'invalid_client' }, 'rejected'],
    [403, { error: 'invalid_grant' }, 'rejected'],
    [400, 'invalid_grant', 'rejected'],
    [200, { token_type: 'Bearer' }, 'rejected'],
    [200, '<html>login</html>', 'rejected'],
    [200, { access_token: 'a', expires_in: 'soon' }, 'rejected'],
    [200, { access_token: 'a', expires_in: '3600' }, 'ok'],
    [200, { access_token: 'a' }, 'ok'],
    // One schema for the code exchange and refresh: bearer tokens only, lifetimes 0…10 years.
    [200, { access_token: 'a', token_type: 'mac' }, 'rejected'],
    [200, { access_token: 'a', token_type: 'BEARER', expires_in: 0 }, 'ok'],
    [200, { access_token: 'a', expires_in: -1 }, 'rejected'],
    [200, { access_token: 'a', expires_in: 1.5 }, 'rejected'],
    [200, { access_token: 'a', expires_in: 400_000_000 }, 'rejected'],
    [302, '', 'rejected'],
  ] as const)('HTTP %s %j → %s', (status, payload, kind) => {
    expect(classifyTokenResponse(status, body(payload)).kind).toBe(kind);
  });

  it('parses a full answer and keeps error text free of provider prose', () => {
    expect(
      classifyTokenResponse(
        200,
        body({ access_token: 'a', refresh_token: 'r', expires_in: 60, token_type: 'bearer', scope: 'x y', id_token: 'j' }),
      ),
    ).toEqual({
      kind: 'ok',
      tokens: { accessToken: 'a', refreshToken: 'r', tokenType: 'Bearer', expiresIn: 60, scope: 'x y', idToken: 'j' },
    });
    // expires_in 0 is "not said"; a form-encoded answer (GitHub without Accept) is read too.
    expect(classifyTokenResponse(200, body({ access_token: 'a', expires_in: 0 }))).toMatchObject({ tokens: { expiresIn: null } });
    expect(classifyTokenResponse(200, body('access_token=a&token_type=bearer&scope=repo'), 'application/x-www-form-urlencoded')).toEqual({
      kind: 'ok',
      tokens: { accessToken: 'a', refreshToken: null, tokenType: 'Bearer', expiresIn: null, scope: 'repo' },
    });
    // A 200 carrying an error (GitHub's bad_verification_code) names the code.
    expect(classifyTokenResponse(200, body({ error: 'bad_verification_code', error_description: 'The code is wrong' }))).toEqual({
      kind: 'rejected',
      error: 'Token endpoint answered HTTP 200 with a malformed token response (bad_verification_code)',
      malformed: true,
    });
    expect(classifyTokenResponse(400, body({ error: 'invalid grant <script>', error_description: 'refresh token r-123 is dead' }))).toEqual(
      {
        kind: 'rejected',
        error: 'Token endpoint answered HTTP 400 (invalidgrantscript)',
      },
    );
  });
});

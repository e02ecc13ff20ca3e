import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../../testing/oidcProvider.ts';
import { insertAuthWith, insertOAuth2Connector, mintTokenSet, oauth2Credentials, storedAuth } from '../../testing/refreshFixtures.ts';
import { startUpstreamApi, type TestUpstreamApi } from '../../testing/upstreamApi.ts';

// the refresh margin is min(5 minutes, half the token's lifetime), so a provider whose
// access tokens live 15 s is not refreshed on every call; a burst on an expired token costs one
// refresh whatever the lifetime. Through the proxy, against oidc-provider with its AccessToken TTL set.

let s: TestServer;
let token: string;

beforeAll(async () => {
  s = await startTestServer();
  token = await s.adminToken({ scopes: ['read', 'write', 'run'] });
});
afterAll(async () => {
  await s?.close();
});

describe.each([15, 3600])('access tokens living %i s', (ttl) => {
  let p: TestOAuthProvider;
  let upstream: TestUpstreamApi;
  let connectorId: string;
  const marginSeconds = Math.min(300, ttl / 2);

  beforeAll(async () => {
    p = await startOAuthProvider({ redirectUris: ['http://127.0.0.1:1/cb'], rotateRefreshTokens: true, accessTokenTtl: ttl });
    upstream = await startUpstreamApi({
      kind: 'bearer',
      introspectionUrl: p.introspectionUrl,
      clientId: p.clientId,
      clientSecret: p.clientSecret,
    });
    connectorId = await insertOAuth2Connector(s.app.ctx, {
      tokenUrl: p.tokenUrl,
      clientId: p.clientId,
      clientSecret: p.clientSecret,
      baseUrl: upstream.url,
    });
  });
  afterAll(async () => {
    await upstream?.close();
    await p?.close();
  });

  async function burst(authId: string): Promise<number[]> {
    const answers = await Promise.all(Array.from({ length: 50 }, () => s.request('GET', `/api/v1/proxy/${authId}/me`, { token })));
    return answers.map((a) => a.status);
  }

  it(`a burst of 50 on an expired token refreshes once; the new token is kept until ${marginSeconds} s before it expires`, async () => {
    const minted = await mintTokenSet(p);
    const authId = await insertAuthWith(s.app.ctx, connectorId, oauth2Credentials(s.app.ctx, minted, -60));
    p.tokenDelayMs = 200;

    expect(await burst(authId)).toEqual(Array(50).fill(200));
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });
    const refreshed = await storedAuth(s.app.ctx, authId);
    expect(refreshed.credentials).toMatchObject({
      type: 'oauth2',
      expiresAt: new Date(s.clock.now() + ttl * 1000).toISOString(),
      issuedAt: new Date(s.clock.now()).toISOString(),
    });

    // The fresh token is not due: a second burst uses it as is.
    expect(await burst(authId)).toEqual(Array(50).fill(200));
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });

    // One second before the margin: still not refreshed.
    s.clock.advance(ttl - marginSeconds - 1);
    expect(await burst(authId)).toEqual(Array(50).fill(200));
    expect(p.tokenCalls).toEqual({ refresh_token: 1 });

    // Inside the margin: a burst of 50 refreshes exactly once more.
    s.clock.advance(2);
    expect(await burst(authId)).toEqual(Array(50).fill(200));
    expect(p.tokenCalls).toEqual({ refresh_token: 2 });
    expect((await storedAuth(s.app.ctx, authId)).credentials_version).toBe(refreshed.credentials_version + 1);
    expect(upstream.calls).toHaveLength(200);
    expect(upstream.calls.every((c) => c.authorized)).toBe(true);
  });
});

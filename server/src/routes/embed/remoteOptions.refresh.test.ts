/**
 * Remote options refresh an expired OAuth2 token first (docs/runs.md, "Remote options"): the same
 * token refresh as the proxy, against a real oidc-provider, and an upstream that checks every
 * bearer token by introspection at that provider.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { findEndUserByIdentity } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { insertFlow, insertGroup } from '../../testing/domainFixtures.ts';
import { createEmbedFixture } from '../../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../../testing/oidcProvider.ts';
import { insertAuthWith, insertOAuth2Connector, mintTokenSet, oauth2Credentials, storedAuth } from '../../testing/refreshFixtures.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';
import { startUpstreamApi, type TestUpstreamApi } from '../../testing/upstreamApi.ts';

let p: TestOAuthProvider;
let upstream: TestUpstreamApi;
let s: TestServer;

beforeAll(async () => {
  p = await startOAuthProvider({ redirectUris: ['http://127.0.0.1:1/cb'], rotateRefreshTokens: true });
  upstream = await startUpstreamApi({
    kind: 'bearer',
    introspectionUrl: p.introspectionUrl,
    clientId: p.clientId,
    clientSecret: p.clientSecret,
  });
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
});
afterAll(async () => {
  await s.close();
  await upstream.close();
  await p.close();
});

it(`refreshes an expired token before loading the options, on ${TEST_DRIVER}`, async () => {
  const ctx = s.app.ctx;
  const connectorId = await insertOAuth2Connector(ctx, {
    tokenUrl: p.tokenUrl,
    clientId: p.clientId,
    clientSecret: p.clientSecret,
    baseUrl: upstream.url,
  });
  const fx = await createEmbedFixture(ctx, { sharingLevel: 'account', keys: ['hs'] });
  const flow = await insertFlow(ctx, {
    definition: {
      slots: [{ key: 'crm', connectorId, label: 'CRM' }],
      inputs: [
        {
          key: 'contact',
          type: 'select',
          label: 'Contact',
          required: false,
          remoteOptions: { slot: 'crm', path: '/contacts', itemsPath: 'items', valueKey: 'id', labelKey: 'name' },
        },
      ],
      trigger: { type: 'manual' },
      steps: [],
    },
  });
  await insertGroup(ctx, fx.configId, { flowIds: [flow] });
  const minted = await mintTokenSet(p);
  const authId = await insertAuthWith(ctx, connectorId, oauth2Credentials(ctx, minted, -60));
  // an account auth of this configuration's account `acct-1`, usable by its users
  await ctx.db.run(sql`UPDATE connector_auths SET config_id = ${fx.configId} WHERE id = ${authId}`);
  const session = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: 'ada', embed_account_id: 'acct-1' }) },
  });
  expect(session.status, session.text).toBe(200);
  expect(await findEndUserByIdentity(ctx.db, fx.configId, 'acct-1', 'ada')).toBeDefined();

  const res = await s.request('GET', `/embed/api/flows/${flow}/inputs/contact/options?connectorAuthId=${authId}&q=a`, {
    token: session.body.sessionToken,
  });
  expect(res.status, res.text).toBe(200);
  expect(res.body).toEqual({
    items: [
      { value: 'c1', label: 'Grace Hopper' },
      { value: 'c2', label: 'Alan Turing' },
    ],
  });
  expect(upstream.calls.filter((c) => c.path === '/contacts')).toEqual([{ method: 'GET', path: '/contacts', authorized: true }]);
  const stored = await storedAuth(ctx, authId);
  expect(stored.credentials.type === 'oauth2' && stored.credentials.accessToken).not.toBe(minted.accessToken);
  expect(stored.last_refreshed_at).not.toBeNull();
  expect(res.text).not.toContain(minted.accessToken);
});

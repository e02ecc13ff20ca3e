import dns from 'node:dns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../db/sql.ts';
import { setEgressResolver } from '../services/egress/egress.ts';
import { driveOAuth2Login, rewriteFor } from '../testing/connectFlow.ts';
import { insertFlow, insertGroup } from '../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture, type EmbedFixture } from '../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../testing/oidcProvider.ts';

// The provider calls of a connect flow (the code exchange) resolve through egress and are address-checked.
let s: TestServer;
let op: TestOAuthProvider;
let fx: EmbedFixture;
const resolved: string[] = [];
let restore: () => void;

beforeAll(async () => {
  s = await startTestServer();
  const publicUrl = s.app.ctx.config.publicUrl;
  op = await startOAuthProvider({ redirectUris: [`${publicUrl}/oauth/callback/viahost`, `${publicUrl}/oauth/callback/blocked`] });
  restore = setEgressResolver(async (host) => {
    resolved.push(host);
    if (host === 'idp.blocked.test') return [{ address: '10.0.0.5', family: 4 }];
    const all = await dns.promises.lookup(host, { all: true });
    return all.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  });
  const admin = await s.adminToken();
  const port = new URL(op.tokenUrl).port;
  const base = { authType: 'oauth2', baseUrl: 'http://localhost:9' };
  const oauth2 = { authorizeUrl: op.authorizeUrl, clientId: op.clientId, clientSecret: op.clientSecret, scopes: ['openid'] };
  for (const body of [
    { ...base, id: 'viahost', name: 'Via host name', oauth2: { ...oauth2, tokenUrl: `http://localhost:${port}/token` } },
    { ...base, id: 'blocked', name: 'Blocked', oauth2: { ...oauth2, tokenUrl: 'https://idp.blocked.test/token' } },
  ]) {
    const res = await s.request('POST', '/api/v1/connectors', { token: admin, body });
    expect(res.status, res.text).toBe(201);
  }
  fx = await createEmbedFixture(s.app.ctx);
  const slots = ['viahost', 'blocked'].map((connectorId) => ({ key: connectorId, connectorId, label: connectorId }));
  await insertGroup(s.app.ctx, fx.configId, {
    flowIds: [await insertFlow(s.app.ctx, { definition: { slots, inputs: [], trigger: { type: 'manual' }, steps: [] } })],
  });
});

afterAll(async () => {
  restore();
  await Promise.all([s.close(), op.close()]);
});

async function connect(connectorId: string) {
  const session = await s.request('POST', '/embed/api/session', { body: { token: fx.token() } });
  expect(session.status, session.text).toBe(200);
  const bearer = session.body.sessionToken as string;
  await acceptConsent(s, bearer, session.body);
  const t = await s.request('POST', '/embed/api/connect-tickets', { token: bearer, body: { connectorId } });
  expect(t.status, t.text).toBe(201);
  await driveOAuth2Login(t.body.url, { rewrite: rewriteFor(s) });
  return (await s.request('GET', `/embed/api/connect-tickets/${t.body.id}`, { token: bearer })).body;
}

describe('egress on the connect flow', () => {
  it('resolves the token endpoint through the egress resolver', async () => {
    resolved.length = 0;
    const status = await connect('viahost');
    expect(status).toEqual({ status: 'success', connectorAuthId: expect.stringMatching(/^ca_/) });
    expect(resolved).toContain('localhost');
  });

  it('refuses a token endpoint whose host resolves to a private address, storing nothing', async () => {
    const before = await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM connector_auths WHERE connector_id = 'blocked'`);
    const status = await connect('blocked');
    expect(status.status).toBe('error');
    expect(resolved).toContain('idp.blocked.test');
    expect(await s.app.ctx.db.get(sql`SELECT count(*) AS n FROM connector_auths WHERE connector_id = 'blocked'`)).toEqual(before);
  });
});

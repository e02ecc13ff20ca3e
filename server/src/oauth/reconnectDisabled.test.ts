/**
 * An administrator's disable wins, through the OAuth popup (against oidc-provider; SECURITY.md,
 * review finding 10): reconnecting a disabled auth never enables it, and a reconnect that an
 * administrator's disable overtook stores nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../db/sql.ts';
import { driveOAuth2Login, embedSessionToken, rewriteFor } from '../testing/connectFlow.ts';
import { insertFlow, insertGroup } from '../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from '../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../testing/oidcProvider.ts';

let s: TestServer;
let op: TestOAuthProvider;
let fx: EmbedFixture;
let admin: string;
let rw: { from: string; to: string };

beforeAll(async () => {
  s = await startTestServer();
  rw = rewriteFor(s);
  op = await startOAuthProvider({ redirectUris: [`${s.app.ctx.config.publicUrl}/oauth/callback/crm`] });
  admin = await s.adminToken();
  const res = await s.request('POST', '/api/v1/connectors', {
    token: admin,
    body: {
      id: 'crm',
      name: 'Demo CRM',
      authType: 'oauth2',
      baseUrl: 'https://api.crm.example.test',
      oauth2: {
        authorizeUrl: op.authorizeUrl,
        tokenUrl: op.tokenUrl,
        clientId: op.clientId,
        clientSecret: op.clientSecret,
        scopes: ['openid', 'profile'],
      },
    },
  });
  expect(res.status, res.text).toBe(201);
  fx = await createEmbedFixture(s.app.ctx, { consent: { enabled: false } });
  const flowId = await insertFlow(s.app.ctx, { connectorId: 'crm' });
  await insertGroup(s.app.ctx, fx.configId, { flowIds: [flowId] });
}, 30_000);
afterAll(async () => {
  await Promise.all([s?.close(), op?.close()]);
});

/** Runs the popup for a ticket and answers the ticket's final status. */
async function connect(token: string, connectorAuthId?: string) {
  const ticket = await s.request('POST', '/embed/api/connect-tickets', {
    token,
    body: { connectorId: 'crm', ...(connectorAuthId ? { connectorAuthId } : {}) },
  });
  expect(ticket.status, ticket.text).toBe(201);
  return {
    ticket: ticket.body as { id: string; url: string },
    async finish() {
      const run = await driveOAuth2Login(ticket.body.url, { rewrite: rw });
      expect(run.response?.status).toBeDefined();
      return (await s.request('GET', `/embed/api/connect-tickets/${ticket.body.id}`, { token })).body;
    },
  };
}

async function row(id: string) {
  return s.app.ctx.db.get<{ status: string; disabled_by: string | null; credentials_version: number }>(
    sql`SELECT status, disabled_by, credentials_version FROM connector_auths WHERE id = ${id}`,
  );
}

describe('reconnecting a disabled auth through the popup', () => {
  it('keeps an auth the end user disabled disabled', async () => {
    const token = await embedSessionToken(s, fx.token());
    const first = await (await connect(token)).finish();
    expect(first).toEqual({ status: 'success', connectorAuthId: expect.stringMatching(/^ca_/) });
    const id = first.connectorAuthId as string;
    const disabled = await s.request('PATCH', `/embed/api/connector-auths/${id}`, { token, body: { status: 'disabled' } });
    expect(disabled.body).toMatchObject({ status: 'disabled', disabledBy: 'user' });

    expect(await (await connect(token, id)).finish()).toEqual({ status: 'success', connectorAuthId: id });
    expect(await row(id)).toEqual({ status: 'disabled', disabled_by: 'user', credentials_version: 2 });
  });

  it('stores nothing when an administrator disabled the auth while the popup was open', async () => {
    const token = await embedSessionToken(s, fx.token({ embed_user_id: 'user-2' }));
    const id = (await (await connect(token)).finish()).connectorAuthId as string;
    const pending = await connect(token, id);
    const disabled = await s.request('POST', `/api/v1/connector-auths/${id}/disable`, { token: admin });
    expect(disabled.body).toMatchObject({ status: 'disabled', disabledBy: 'admin' });

    expect(await pending.finish()).toEqual({ status: 'error', error: 'auth_unavailable' });
    expect(await row(id)).toEqual({ status: 'disabled', disabled_by: 'admin', credentials_version: 1 });
    const reconnects = await s.app.ctx.db.all(
      sql`SELECT id FROM audit_events WHERE object_id = ${id} AND action = 'connector_auth.reconnected'`,
    );
    expect(reconnects).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConnector } from '../db/repos/connectors.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { grantConnect, grantProviderFor } from './grantAdapter.ts';

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer();
  const admin = await s.adminToken();
  for (const body of [
    {
      id: 'crm',
      name: 'Demo CRM',
      authType: 'oauth2',
      oauth2: {
        authorizeUrl: 'https://crm.example/oauth/authorize',
        tokenUrl: 'https://crm.example/oauth/token',
        clientId: 'client-1',
        clientSecret: 'secret-1',
        scopes: ['contacts.read', 'contacts.write'],
        authorizeParams: { access_type: 'offline', redirect_uri: 'https://evil.example', state: 'fixed', code_challenge_method: 'plain' },
      },
    },
    {
      id: 'nopkce',
      name: 'No PKCE',
      authType: 'oauth2',
      oauth2: {
        authorizeUrl: 'https://a.example/auth',
        tokenUrl: 'https://a.example/token',
        clientId: 'c',
        clientSecret: 's',
        pkce: false,
      },
    },
    {
      id: 'machine',
      name: 'Machine',
      authType: 'oauth2',
      oauth2: { tokenUrl: 'https://m.example/token', clientId: 'c', grantType: 'client_credentials' },
    },
    { id: 'slack', catalogKey: 'slack', oauth2: { clientId: 'slack-client', clientSecret: 'slack-secret', scopes: ['chat:write'] } },
  ]) {
    const res = await s.request('POST', '/api/v1/connectors', { token: admin, body });
    expect(res.status, res.text).toBe(201);
  }
});

afterAll(async () => {
  await s?.close();
});

async function provider(id: string, state?: string) {
  const row = await findConnector(s.app.ctx.db, id);
  if (!row) throw new Error(id);
  return grantProviderFor(s.app.ctx, row, state === undefined ? {} : { state });
}

describe('grant provider configuration', () => {
  it('is built from the database only: our state, PKCE, transport state, per-connector redirect URI, never dynamic, no secret', async () => {
    const state = 'S'.repeat(43);
    const p = await provider('crm', state);
    expect(p).toEqual({
      ok: true,
      name: 'patchbay_custom',
      protocol: 'oauth2',
      config: {
        oauth: 2,
        authorize_url: 'https://crm.example/oauth/authorize',
        key: 'client-1',
        scope: ['contacts.read', 'contacts.write'],
        scope_delimiter: ' ',
        redirect_uri: `${s.app.ctx.config.publicUrl}/oauth/callback/crm`,
        pkce: true,
        transport: 'state',
        custom_params: { access_type: 'offline' },
        state,
      },
    });
    // grant never sees the token URL or the client secret: it makes no HTTP call (the exchange goes through egress).
    expect(JSON.stringify(p)).not.toContain('dynamic');
    expect(JSON.stringify(p)).not.toContain('secret-1');
  });

  it('gives an authorize URL with our state, an S256 challenge and the connector’s extra params (never overriding ours)', async () => {
    const state = 'a'.repeat(43);
    const p = await provider('crm', state);
    if (!p.ok) throw new Error('unsupported');
    const step = await grantConnect(p);
    if (!step.ok) throw new Error(step.error);
    const url = new URL(step.location);
    expect(`${url.origin}${url.pathname}`).toBe('https://crm.example/oauth/authorize');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: 'client-1',
      response_type: 'code',
      redirect_uri: `${s.app.ctx.config.publicUrl}/oauth/callback/crm`,
      scope: 'contacts.read contacts.write',
      state,
      code_challenge_method: 'S256',
      code_challenge: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      access_type: 'offline',
    });
    expect(step.session).toEqual({
      protocol: 'oauth2',
      provider: 'patchbay_custom',
      state,
      codeVerifier: expect.stringMatching(/^[0-9a-f]{80}$/),
    });
  });

  it('leaves PKCE out only when the connector turned it off', async () => {
    const p = await provider('nopkce', 'b'.repeat(43));
    if (!p.ok) throw new Error('unsupported');
    const step = await grantConnect(p);
    if (!step.ok) throw new Error(step.error);
    expect(new URL(step.location).searchParams.has('code_challenge')).toBe(false);
    expect(step.session).toMatchObject({ codeVerifier: null });
  });

  it('runs catalogue connectors under their grant key and refuses client-credentials connectors', async () => {
    expect(await provider('slack', 'c'.repeat(43))).toMatchObject({
      ok: true,
      name: 'slack',
      config: { authorize_url: 'https://slack.com/oauth/authorize' },
    });
    expect(await provider('machine')).toEqual({ ok: false, reason: 'not_authorization_code' });
  });
});

/**
 * The browser suites' world is real: the host backend's tokens (signed with `@patchbay/sdk/node`)
 * open sessions at Patchbay, and the OAuth2 connector's redirect URI is Patchbay's real address.
 */
import { expect, test } from '../fixtures/test.ts';

test('the host backend mints tokens Patchbay accepts, per user and lifetime; the CRM redirect URI is the real public URL', async ({
  patchbay,
  host,
  world,
  acme,
}) => {
  const config = world.configs.account;
  const res = await fetch(`${host.origin}/token?cfg=${config.id}&user=u2&exp=60`);
  expect(res.status).toBe(200);
  const token = await res.text();
  expect(acme.mints).toEqual([{ configId: config.id, user: 'u2', token, at: expect.any(Number) }]);
  const claims = JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
  expect(claims).toEqual({
    aud: config.id,
    embed_user_id: 'u2',
    embed_user_name: 'Grace Hopper',
    embed_account_id: 'acme',
    embed_account_name: 'Acme Corp',
    iat: expect.any(Number),
    exp: claims.iat + 60,
    jti: expect.any(String),
  });

  const session = await patchbay.request('POST', '/embed/api/session', { body: { token } });
  expect(session.status, session.text).toBe(200);
  expect(session.body).toMatchObject({
    sessionToken: expect.stringMatching(/^pbs_/),
    expiresAt: new Date(claims.exp * 1000).toISOString(),
    config: { consent: { enabled: true, given: false } },
  });
  // Unknown users or configurations get no token.
  expect((await fetch(`${host.origin}/token?cfg=${config.id}&user=mallory`)).status).toBe(400);

  const owner = await patchbay.adminToken();
  const crm = await patchbay.request('GET', '/api/v1/connectors/crm', { token: owner });
  expect(crm.body.redirectUri).toBe(`${patchbay.url}/oauth/callback/crm`);
  const cfg = await patchbay.request('GET', `/api/v1/embed-configs/${config.id}`, { token: owner });
  expect(cfg.body).toMatchObject({ sharingLevel: 'account', allowedOrigins: [host.origin], enabled: true });
  expect(cfg.body.groups.map((g: { name: string; flowIds: string[] }) => [g.name, g.flowIds])).toEqual([
    ['CRM sync', [world.flows.sync]],
    ['Reporting', [world.flows.export]],
  ]);
});

import { expect, it } from 'vitest';
import { startOAuthProvider } from './oidcProvider.ts';

it('client credentials + introspection + counting', async () => {
  const p = await startOAuthProvider({ redirectUris: ['http://127.0.0.1:1/cb'] });
  const res = await fetch(p.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: p.clientId, client_secret: p.clientSecret }),
  });
  const body = (await res.json()) as any;
  expect(res.status, JSON.stringify(body)).toBe(200);
  const intro = await fetch(p.introspectionUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: body.access_token, client_id: p.clientId, client_secret: p.clientSecret }),
  });
  const ib = (await intro.json()) as any;
  expect(ib.active, JSON.stringify(ib)).toBe(true);
  expect(p.tokenCalls.client_credentials).toBe(1);
  p.failTokenEndpoint = 500;
  const r2 = await fetch(p.tokenUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'grant_type=client_credentials',
  });
  expect(r2.status).toBe(500);
  await p.close();
});

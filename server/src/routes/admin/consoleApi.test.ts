import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdminUser } from '../../services/admins/adminUsers.ts';
import { createEmbedFixture } from '../../testing/embedFixtures.ts';
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from '../../testing/harness.ts';
import { allRoutes, consolePath } from '../index.ts';

let s: TestServer;
let cookie: string;
let token: string;
beforeAll(async () => {
  s = await startTestServer();
  await createAdminUser(
    s.app.ctx,
    { kind: 'system' },
    { email: 'ada@vendor.test', name: 'Ada', role: 'owner', password: TEST_ADMIN_PASSWORD },
  );
  const res = await s.request('POST', '/admin/api/login', {
    body: { email: 'ada@vendor.test', password: TEST_ADMIN_PASSWORD },
    headers: { origin: s.app.ctx.config.publicUrl },
  });
  cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] as string;
  token = await s.adminToken();
});
afterAll(() => s.close());

const same = () => ({ cookie, origin: s.app.ctx.config.publicUrl });

describe('the console API (/admin/api): the vendor API with the console session', () => {
  it('serves every vendor API route but the proxy under /admin/api, with the same schemas and cookie auth', () => {
    const routes = allRoutes(s.app.ctx);
    const api = routes.filter((r) => r.auth === 'apiToken' && !r.raw).map((r) => `${r.method} ${consolePath(r.path)}`);
    const console = routes.filter((r) => r.auth === 'adminSession' && r.path !== '/admin/api/me').map((r) => `${r.method} ${r.path}`);
    expect(console.sort()).toEqual(api.sort());
    expect(console.some((r) => r.includes('proxy'))).toBe(false);
  });

  it('answers what the API token answers, for the same admin rules', async () => {
    const created = await s.request('POST', '/admin/api/flows', {
      headers: same(),
      body: { name: 'Console flow', slots: [], inputs: [], trigger: { type: 'manual' }, steps: [] },
    });
    expect(created.status).toBe(201);
    const viaConsole = await s.request('GET', `/admin/api/flows/${created.body.id}`, { headers: { cookie } });
    const viaToken = await s.request('GET', `/api/v1/flows/${created.body.id}`, { token });
    expect(viaConsole.status).toBe(200);
    expect(viaConsole.body).toEqual(viaToken.body);
  });

  it('refuses a cross-site write (403) and a missing cookie (401), and never takes a pb_ token or an embed session', async () => {
    const body = { name: 'x', slots: [], inputs: [], trigger: { type: 'manual' }, steps: [] };
    const crossSite = await s.request('POST', '/admin/api/flows', { headers: { cookie, origin: 'https://evil.example' }, body });
    expect(crossSite.status).toBe(403);
    expect(crossSite.body.error).toMatchObject({
      code: 'forbidden',
      message: 'This request must come from the admin console’s own origin',
    });
    const noOrigin = await s.request('POST', '/admin/api/flows', { headers: { cookie }, body });
    expect(noOrigin.status).toBe(403);

    const withToken = await s.request('GET', '/admin/api/flows', { token });
    expect([withToken.status, withToken.body.error.code]).toEqual([401, 'unauthorized']);

    const fx = await createEmbedFixture(s.app.ctx, { consent: { enabled: false } });
    const session = await s.request('POST', '/embed/api/session', { body: { token: fx.token() } });
    expect(session.status).toBe(200);
    const withSession = await s.request('GET', '/admin/api/integrations', { token: session.body.sessionToken });
    expect([withSession.status, withSession.body.error.code]).toEqual([401, 'unauthorized']);
  });

  it('lets a read through without Origin (GET is not state-changing)', async () => {
    const list = await s.request('GET', '/admin/api/connectors', { headers: { cookie } });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ items: expect.any(Array), nextCursor: null });
  });
});

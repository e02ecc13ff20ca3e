import { afterEach, describe, expect, it } from 'vitest';
import { sql } from '../../db/sql.ts';
import { purgeExpired } from '../../server.ts';
import { createAdminUser } from '../../services/admins/adminUsers.ts';
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from '../../testing/harness.ts';

let s: TestServer;
afterEach(async () => {
  await s?.close();
});

const EMAIL = 'ada@vendor.test';

async function serverWithAdmin(env: Record<string, string> = {}) {
  s = await startTestServer({ env });
  const { id } = await createAdminUser(
    s.app.ctx,
    { kind: 'system' },
    { email: EMAIL, name: 'Ada', role: 'owner', password: TEST_ADMIN_PASSWORD },
  );
  return id;
}

function origin(): Record<string, string> {
  return { origin: s.app.ctx.config.publicUrl };
}

async function login(email = EMAIL, password = TEST_ADMIN_PASSWORD, headers: Record<string, string> = origin()) {
  return s.request('POST', '/admin/api/login', { body: { email, password }, headers });
}

function cookieOf(setCookie: string | null): string {
  const pair = setCookie?.split(';')[0];
  if (!pair) throw new Error('no Set-Cookie');
  return pair;
}

describe('POST /admin/api/login', () => {
  it('signs in, stores only a hash of the session token, and sets an HttpOnly SameSite=Lax cookie', async () => {
    const id = await serverWithAdmin();
    const res = await login();
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      user: { id, email: EMAIL, name: 'Ada', role: 'owner', permissions: [], createdAt: expect.any(String) },
      expiresAt: new Date(s.clock.now() + 12 * 3600_000).toISOString(),
    });
    const setCookie = res.headers.get('set-cookie');
    expect(setCookie).toMatch(/^pb_admin=pbc_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200$/);
    const token = cookieOf(setCookie).split('=')[1] as string;
    const rows = await s.app.ctx.db.all<{ token_hash: string }>(sql`SELECT token_hash FROM admin_sessions`);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.token_hash).not.toContain(token);
    expect(rows[0]?.token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(s.logs.join('')).not.toContain(token);

    const me = await s.request('GET', '/admin/api/me', { headers: { cookie: cookieOf(setCookie) } });
    expect(me.status).toBe(200);
    expect(me.body.user.email).toBe(EMAIL);
  });

  it('uses a Secure __Host- cookie when the public URL is https', async () => {
    await serverWithAdmin({ PATCHBAY_PUBLIC_URL: 'https://patchbay.vendor.example' });
    const res = await login(EMAIL, TEST_ADMIN_PASSWORD, { origin: 'https://patchbay.vendor.example' });
    expect(res.status).toBe(200);
    expect(res.headers.get('set-cookie')).toMatch(
      /^__Host-pb_admin=pbc_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure$/,
    );
  });

  it('answers a wrong password and an unknown e-mail with the same 401 login_failed envelope', async () => {
    await serverWithAdmin();
    const wrong = await login(EMAIL, 'not the password at all');
    const unknown = await login('nobody@vendor.test', TEST_ADMIN_PASSWORD);
    const strip = (b: any) => ({ error: { ...b.error, requestId: undefined } });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(strip(wrong.body)).toEqual({
      error: { code: 'login_failed', message: 'The e-mail or the password is wrong', requestId: undefined },
    });
    expect(strip(unknown.body)).toEqual(strip(wrong.body));
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(s.logs.join('')).not.toContain('not the password at all');
  });

  it('takes about as long for an unknown e-mail as for a wrong password (both run scrypt)', async () => {
    await serverWithAdmin({ PATCHBAY_LOGIN_RATE_LIMIT: '100' });
    const time = async (email: string) => {
      const started = performance.now();
      await login(email, 'wrong password here');
      return performance.now() - started;
    };
    await time(EMAIL);
    const known = (await time(EMAIL)) + (await time(EMAIL));
    const unknown = (await time('ghost@vendor.test')) + (await time('ghost2@vendor.test'));
    // scrypt at N=2^17 takes tens of milliseconds; a shortcut for unknown users would be ~1 ms.
    expect(unknown).toBeGreaterThan(known * 0.4);
  });

  it('refuses a malformed body naming the field', async () => {
    await serverWithAdmin();
    const res = await s.request('POST', '/admin/api/login', { body: { email: EMAIL }, headers: origin() });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.issues[0].path).toBe('body.password');
  });

  it('answers the 11th attempt for one e-mail with 429 rate_limited', async () => {
    await serverWithAdmin();
    for (let i = 0; i < 10; i++) {
      const res = await login(EMAIL, `wrong password ${i}`);
      expect(res.status).toBe(401);
    }
    const res = await login();
    expect(res.status).toBe(429);
    expect(res.body).toEqual({
      error: { code: 'rate_limited', message: 'Too many requests; retry after the time in Retry-After', requestId: expect.any(String) },
    });
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
  });

  it('limits one IP across e-mails: the twelfth e-mail from one IP is refused though each is under its own budget', async () => {
    await serverWithAdmin({ PATCHBAY_LOGIN_IP_RATE_LIMIT: '11' });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(`guess${i}@vendor.test`, 'wrong password')).status);
    expect(statuses).toEqual([...Array(11).fill(401), 429]);
    // The per-IP budget holds for a real account too, until the window ends.
    const res = await login();
    expect(res.status).toBe(429);
    expect(res.body).toEqual({
      error: { code: 'rate_limited', message: 'Too many requests; retry after the time in Retry-After', requestId: expect.any(String) },
    });
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  }, 60_000);

  it('refuses a login from a foreign origin with 403 (CSRF)', async () => {
    await serverWithAdmin();
    const foreign = await login(EMAIL, TEST_ADMIN_PASSWORD, { origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.code).toBe('forbidden');
    const none = await login(EMAIL, TEST_ADMIN_PASSWORD, {});
    expect(none.status).toBe(403);
    const fetchMeta = await login(EMAIL, TEST_ADMIN_PASSWORD, { 'sec-fetch-site': 'same-origin' });
    expect(fetchMeta.status).toBe(200);
  });
});

describe('console session', () => {
  it('logout deletes the server-side session; the old cookie no longer works', async () => {
    await serverWithAdmin();
    const cookie = cookieOf((await login()).headers.get('set-cookie'));
    const out = await s.request('POST', '/admin/api/logout', { headers: { ...origin(), cookie } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toBe('pb_admin=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0');
    expect((await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM admin_sessions`))?.n).toBe(0);
    const me = await s.request('GET', '/admin/api/me', { headers: { cookie } });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('unauthorized');
    const audit = await s.app.ctx.db.all<{ action: string }>(
      sql`SELECT action FROM audit_events WHERE action LIKE 'admin_session.%' ORDER BY at`,
    );
    expect(audit.map((a) => a.action).sort()).toEqual(['admin_session.created', 'admin_session.deleted']);
  });

  it('logout from a foreign origin is refused and keeps the session', async () => {
    await serverWithAdmin();
    const cookie = cookieOf((await login()).headers.get('set-cookie'));
    const out = await s.request('POST', '/admin/api/logout', { headers: { origin: 'https://evil.example', cookie } });
    expect(out.status).toBe(403);
    expect((await s.request('GET', '/admin/api/me', { headers: { cookie } })).status).toBe(200);
  });

  it('GET /admin/api/me without a cookie answers 401 unauthorized', async () => {
    await serverWithAdmin();
    const me = await s.request('GET', '/admin/api/me');
    expect(me.status).toBe(401);
    expect(me.body).toEqual({
      error: { code: 'unauthorized', message: 'Sign in to the admin console first', requestId: expect.any(String) },
    });
  });

  it('expires after 30 idle minutes, but activity keeps it alive', async () => {
    await serverWithAdmin();
    const cookie = cookieOf((await login()).headers.get('set-cookie'));
    s.clock.advance(29 * 60);
    expect((await s.request('GET', '/admin/api/me', { headers: { cookie } })).status).toBe(200);
    s.clock.advance(29 * 60);
    expect((await s.request('GET', '/admin/api/me', { headers: { cookie } })).status).toBe(200);
    s.clock.advance(31 * 60);
    const me = await s.request('GET', '/admin/api/me', { headers: { cookie } });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('session_expired');
  });

  it('expires 12 hours after sign-in even when active', async () => {
    await serverWithAdmin();
    const cookie = cookieOf((await login()).headers.get('set-cookie'));
    // 28 × 25 min = 11 h 40 min of steady use…
    for (let i = 0; i < 28; i++) {
      s.clock.advance(25 * 60);
      expect((await s.request('GET', '/admin/api/me', { headers: { cookie } })).status).toBe(200);
    }
    // …and the next request, at 12 h 5 min, is past the absolute limit.
    s.clock.advance(25 * 60);
    const me = await s.request('GET', '/admin/api/me', { headers: { cookie } });
    expect(me.status).toBe(401);
    expect(me.body.error.code).toBe('session_expired');
  });

  it('the server’s periodic purge deletes idle sessions and keeps live ones', async () => {
    await serverWithAdmin();
    await login();
    s.clock.advance(20 * 60);
    await login();
    const count = async () => (await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM admin_sessions`))?.n;
    expect(await count()).toBe(2);
    s.clock.advance(11 * 60);
    expect(await purgeExpired(s.app)).toBe(1);
    expect(await count()).toBe(1);
  });

  it('a disabled admin’s session stops working', async () => {
    const id = await serverWithAdmin();
    const cookie = cookieOf((await login()).headers.get('set-cookie'));
    await s.app.ctx.db.run(sql`UPDATE admin_users SET disabled_at = ${new Date().toISOString()} WHERE id = ${id}`);
    expect((await s.request('GET', '/admin/api/me', { headers: { cookie } })).status).toBe(401);
    expect((await login()).status).toBe(401);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../db/sql.ts';
import { purgeExpired } from '../server.ts';
import { createAdminUser } from '../services/admins/adminUsers.ts';
import { startTestServer, TEST_ADMIN_PASSWORD, type TestServer } from '../testing/harness.ts';
import { TEST_DRIVER } from '../testing/testDatabase.ts';

const EMAIL = 'limits@vendor.test';
const LIMIT = 3;

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  const env = { PATCHBAY_LOGIN_RATE_LIMIT: String(LIMIT), PATCHBAY_LOGIN_IP_RATE_LIMIT: '1000' };
  a = await startTestServer({ env });
  // A second installation process on the same database, with its own memory and clock.
  b = await startTestServer({ env, sameDatabaseAs: a });
  await createAdminUser(a.app.ctx, { kind: 'system' }, { email: EMAIL, name: 'Limits', role: 'owner', password: TEST_ADMIN_PASSWORD });
});
afterAll(async () => {
  await b.close();
  await a.close();
});

const login = (s: TestServer, password: string) =>
  s.request('POST', '/admin/api/login', { body: { email: EMAIL, password }, headers: { origin: s.app.ctx.config.publicUrl } });

describe(`rate limits live in the database (${TEST_DRIVER})`, () => {
  it('a login limit spent on one process holds on the other, says when to retry, and ends with its window', async () => {
    for (let i = 0; i < LIMIT; i += 1) expect((await login(a, 'wrong password')).status).toBe(401);
    const refused = await login(b, TEST_ADMIN_PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.body.error.code).toBe('rate_limited');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await login(a, TEST_ADMIN_PASSWORD)).status).toBe(429);
    // Both processes' clocks pass the 15-minute window: a new window starts.
    a.clock.advance(15 * 60 + 1);
    b.clock.advance(15 * 60 + 1);
    expect((await login(b, TEST_ADMIN_PASSWORD)).status).toBe(200);
  });

  it('counts concurrent hits exactly (one atomic upsert each)', async () => {
    const key = `test|concurrent-${TEST_DRIVER}`;
    const { incrementRateLimitHit } = await import('../db/repos/rateLimits.ts');
    const now = new Date(a.clock.now()).toISOString();
    const reset = new Date(a.clock.now() + 60_000).toISOString();
    const dbs = [a.app.ctx.db, b.app.ctx.db];
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => incrementRateLimitHit(dbs[i % 2] as never, key, now, reset)));
    expect(answers.map((r) => r.hits).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  it('the periodic purge removes windows that ended', async () => {
    const rows = async () => Number((await a.app.ctx.db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM rate_limit_hits`))?.n ?? 0);
    expect(await login(a, 'wrong password')).toMatchObject({ status: 401 });
    const before = await rows();
    expect(before).toBeGreaterThan(0);
    a.clock.advance(24 * 60 * 60);
    await purgeExpired(a.app);
    expect(await rows()).toBe(0);
  });
});

/**
 * `POST /embed/api/consent` (SPEC §2 End user, §3): once per user at `user` level, once per
 * account at `account` level — a second user of the account sees it given in their session.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../db/sql.ts';
import { createEmbedFixture, type EmbedFixture } from '../../testing/embedFixtures.ts';
import { startTestServer, TestClock, type TestServer } from '../../testing/harness.ts';

let s: TestServer;
const T0 = Date.parse('2026-11-23T09:30:00.000Z');

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' }, clock: new TestClock(T0) });
});
afterAll(() => s.close());

/** Exchanges a token for `user` of `account`; answers the session's token and whether consent is given. */
async function session(fx: EmbedFixture, user: string, account: string): Promise<{ token: string; given: boolean }> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: user, embed_account_id: account }) },
  });
  expect(res.status, res.text).toBe(200);
  return { token: res.body.sessionToken as string, given: res.body.config.consent.given as boolean };
}

function consentAudits(configId: string) {
  return s.app.ctx.db.all<{ actor_type: string; object_type: string; object_id: string; details: string }>(
    sql`SELECT actor_type, object_type, object_id, details FROM audit_events WHERE action = 'consent.given' AND config_id = ${configId}
      ORDER BY at, rowid`,
  );
}

describe('POST /embed/api/consent', () => {
  it('at user level records consent for the caller only, once', async () => {
    const fx = createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'] });
    const ada = await session(fx, 'ada', 'acme');
    expect(ada.given).toBe(false);
    const at = new Date(s.clock.now()).toISOString();
    const first = await s.request('POST', '/embed/api/consent', { token: ada.token });
    expect({ status: first.status, body: first.body }).toEqual({ status: 200, body: { given: true, at } });

    s.clock.advance(60);
    const again = await s.request('POST', '/embed/api/consent', { token: ada.token });
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { given: true, at } });

    expect((await session(fx, 'ada', 'acme')).given).toBe(true);
    // the colleague of the same account still has to accept for themselves
    const bob = await session(fx, 'bob', 'acme');
    expect(bob.given).toBe(false);

    const adaId = s.app.ctx.db.get<{ id: string }>(sql`SELECT id FROM end_users WHERE config_id = ${fx.configId} AND user_id = 'ada'`)?.id;
    expect(consentAudits(fx.configId)).toEqual([
      { actor_type: 'end_user', object_type: 'end_user', object_id: adaId, details: '{"sharingLevel":"user"}' },
    ]);
    expect(s.app.ctx.db.get(sql`SELECT count(*) AS n FROM account_consents WHERE config_id = ${fx.configId}`)).toEqual({ n: 0 });
  });

  it('at account level records consent once for the whole account', async () => {
    const fx = createEmbedFixture(s.app.ctx, { sharingLevel: 'account', keys: ['hs'] });
    const ada = await session(fx, 'ada', 'acme');
    const bobBefore = await session(fx, 'bob', 'acme');
    expect([ada.given, bobBefore.given]).toEqual([false, false]);

    const at = new Date(s.clock.now()).toISOString();
    const res = await s.request('POST', '/embed/api/consent', { token: ada.token });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { given: true, at } });

    // the second user of the account sees it given, and accepting again answers the first time
    const bob = await session(fx, 'bob', 'acme');
    expect(bob.given).toBe(true);
    s.clock.advance(30);
    const bobAccepts = await s.request('POST', '/embed/api/consent', { token: bob.token });
    expect(bobAccepts.body).toEqual({ given: true, at });

    // another account of the configuration has not consented
    expect((await session(fx, 'carol', 'globex')).given).toBe(false);

    expect(consentAudits(fx.configId)).toEqual([
      { actor_type: 'end_user', object_type: 'account', object_id: 'acme', details: '{"sharingLevel":"account"}' },
    ]);
  });

  it('needs a session', async () => {
    const res = await s.request('POST', '/embed/api/consent');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });
});

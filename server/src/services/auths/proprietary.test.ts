/**
 * The embed token's `client_authentication` claim (docs/embed-token.md): the proprietary
 * connector's credentials arrive in the embed token, are stored sealed in one auth per account (or
 * per user), updated on the next exchange, and never appear in an answer, a log line, an audit
 * detail or the database file in plain text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../db/sql.ts';
import { insertConnector } from '../../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture, type EmbedFixture } from '../../testing/embedFixtures.ts';
import { sqliteFileBytes, startTestServer, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';
import { TEST_DRIVER } from '../../testing/testDatabase.ts';
import { openCredentials } from '../connectors/credentials.ts';

const FIRST = 'CANARY-proprietary-first-6b1e';
const SECOND = 'CANARY-proprietary-second-90fa';
const OTHER_CONFIG = 'CANARY-proprietary-unused-31c7';

let s: TestServer;
const answers: string[] = [];
beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
  await insertConnector(s.app.ctx, { id: 'backend', name: 'Acme Backend', authType: 'api_key' });
});
afterAll(() => s.close());

const ctx = () => s.app.ctx;

async function proprietaryConfig(sharingLevel: 'user' | 'account'): Promise<EmbedFixture> {
  const fx = await createEmbedFixture(ctx(), { sharingLevel, keys: ['hs'] });
  await ctx().db.run(sql`UPDATE embed_configs SET proprietary_connector_id = 'backend' WHERE id = ${fx.configId}`);
  return fx;
}

async function exchange(fx: EmbedFixture, claims: Record<string, unknown>): Promise<string> {
  const res = await s.request('POST', '/embed/api/session', { body: { token: fx.token(claims) } });
  answers.push(res.text);
  expect(res.status, res.text).toBe(200);
  await acceptConsent(s, res.body.sessionToken, res.body);
  return res.body.sessionToken as string;
}

interface AuthRow {
  id: string;
  owner_end_user_id: string;
  account_id: string;
  sharing_level: string;
  proprietary: number;
  status: string;
  credentials_enc: string;
  credentials_version: number;
}

async function proprietaryAuths(configId: string): Promise<AuthRow[]> {
  return ctx().db.all<AuthRow>(
    sql`SELECT id, owner_end_user_id, account_id, sharing_level, proprietary, status, credentials_enc, credentials_version
      FROM connector_auths WHERE config_id = ${configId} ORDER BY created_at, id`,
  );
}

describe('client_authentication on session exchange', () => {
  it('account level: one sealed auth per account, created on first sight and updated on the next exchange', async () => {
    const fx = await proprietaryConfig('account');
    await exchange(fx, { client_authentication: { apiKey: FIRST, tenant: 42, beta: true } });
    const [first, ...more] = await proprietaryAuths(fx.configId);
    expect(more).toEqual([]);
    expect(first).toMatchObject({ account_id: 'acme', sharing_level: 'account', proprietary: 1, status: 'active', credentials_version: 1 });
    expect(first?.credentials_enc).not.toContain(FIRST);
    expect(openCredentials(ctx(), first?.id as string, first?.credentials_enc as string)).toEqual({
      type: 'proprietary',
      values: { apiKey: FIRST, tenant: 42, beta: true },
    });

    // a colleague of the same account with newer values: the same auth, new credentials
    await exchange(fx, { embed_user_id: 'user-2', client_authentication: { apiKey: SECOND, tenant: 42 } });
    const [updated, ...none] = await proprietaryAuths(fx.configId);
    expect(none).toEqual([]);
    expect(updated).toMatchObject({ id: first?.id, credentials_version: 2, status: 'active' });
    expect(openCredentials(ctx(), updated?.id as string, updated?.credentials_enc as string)).toEqual({
      type: 'proprietary',
      values: { apiKey: SECOND, tenant: 42 },
    });

    // same values again, or no claim: nothing is rewritten
    await exchange(fx, { client_authentication: { apiKey: SECOND, tenant: 42 } });
    await exchange(fx, {});
    expect((await proprietaryAuths(fx.configId)).map((a) => a.credentials_version)).toEqual([2]);

    // another account gets its own
    await exchange(fx, { embed_account_id: 'globex', client_authentication: { apiKey: FIRST } });
    expect((await proprietaryAuths(fx.configId)).map((a) => a.account_id).sort()).toEqual(['acme', 'globex']);

    const actions = (
      await ctx().db.all<{ action: string; details: string }>(
        sql`SELECT action, details FROM audit_events WHERE object_id = ${first?.id} ORDER BY at, ${insertionOrder(ctx().db)}`,
      )
    ).map((a) => a.action);
    expect(actions).toEqual(['connector_auth.created', 'connector_auth.reconnected']);
  });

  it('user level: one auth per end user; a disabled one stays disabled when values change', async () => {
    const fx = await proprietaryConfig('user');
    await exchange(fx, { client_authentication: { apiKey: FIRST } });
    s.clock.advance(1);
    await exchange(fx, { embed_user_id: 'user-2', client_authentication: { apiKey: FIRST } });
    const auths = await proprietaryAuths(fx.configId);
    expect(auths.map((a) => a.sharing_level)).toEqual(['user', 'user']);
    expect(new Set(auths.map((a) => a.owner_end_user_id)).size).toBe(2);
    await ctx().db.run(sql`UPDATE connector_auths SET status = 'disabled' WHERE id = ${auths[0]?.id}`);
    await exchange(fx, { client_authentication: { apiKey: SECOND } });
    const after = (await proprietaryAuths(fx.configId))[0];
    expect(after).toMatchObject({ id: auths[0]?.id, status: 'disabled', credentials_version: 2 });
    expect(openCredentials(ctx(), after?.id as string, after?.credentials_enc as string)).toMatchObject({ values: { apiKey: SECOND } });
  });

  it('the end user sees the auth as proprietary and read-only; its connector is not offered for connecting', async () => {
    const fx = await proprietaryConfig('account');
    const token = await exchange(fx, { client_authentication: { apiKey: FIRST } });
    const list = await s.request('GET', '/embed/api/connector-auths', { token });
    answers.push(list.text);
    expect(list.body.items).toEqual([
      expect.objectContaining({
        connectorId: 'backend',
        proprietary: true,
        name: expect.stringMatching(/^Acme Backend Login authorized on .* by AL$/),
      }),
    ]);
    const id = list.body.items[0].id as string;
    for (const [method, body] of [
      ['PATCH', { name: 'mine' }],
      ['DELETE', undefined],
    ] as const) {
      const res = await s.request(method, `/embed/api/connector-auths/${id}`, { token, ...(body ? { body } : {}) });
      answers.push(res.text);
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({
        code: 'conflict',
        message: 'This connector auth comes from the host application (embed token) and is managed there',
      });
    }
  });

  it('a configuration without a proprietary connector stores nothing from the claim', async () => {
    const fx = await createEmbedFixture(ctx(), { keys: ['hs'] });
    await exchange(fx, { client_authentication: { apiKey: OTHER_CONFIG } });
    expect(await proprietaryAuths(fx.configId)).toEqual([]);
  });

  it('the values appear in no answer, log line, audit detail or database byte', async () => {
    const canaries = [FIRST, SECOND, OTHER_CONFIG];
    for (const text of [...answers, ...s.logs]) for (const c of canaries) expect(text).not.toContain(c);
    const audit = await ctx().db.all<{ details: string }>(sql`SELECT details FROM audit_events`);
    expect(audit.length).toBeGreaterThan(0);
    for (const a of audit) for (const c of canaries) expect(a.details).not.toContain(c);
    // The file scan is SQLite's: on PostgreSQL the bytes are in the database server's own files.
    if (TEST_DRIVER === 'sqlite') {
      for (const [i, bytes] of sqliteFileBytes(s, 'TRUNCATE').entries()) {
        for (const c of canaries) expect(bytes.includes(Buffer.from(c)), `file ${i}: ${c}`).toBe(false);
      }
    }
  });
});

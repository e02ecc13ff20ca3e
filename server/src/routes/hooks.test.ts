/**
 * The webhook trigger (docs/runs.md, "Webhooks"): `POST /hooks/{token}` queues a run that a real
 * worker executes against a real loopback upstream with the templated request (body, query and
 * allowlisted headers of the hook) and the injected credential; unknown tokens answer 404, a
 * disabled integration 409, a body over 1 MB 413; rotation stops the old URL at once; the URL is
 * shown to the end user and the admin who may see the integration, never to another account,
 * and the token is neither stored in the clear nor logged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashToken } from '../crypto/tokens.ts';
import { findEndUserByIdentity } from '../db/repos/endUsers.ts';
import { sql } from '../db/sql.ts';
import { createLogger } from '../log.ts';
import { RunWorker } from '../runs/worker.ts';
import { insertConnector, insertConnectorAuth, insertFlow, insertGroup } from '../testing/domainFixtures.ts';
import { acceptConsent, createEmbedFixture, type EmbedFixture } from '../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { TEST_DRIVER } from '../testing/testDatabase.ts';
import { startUpstream, type TestUpstream } from '../testing/upstream.ts';

const CANARY = 'CANARY-hook-api-key-7731';
let s: TestServer;
let upstream: TestUpstream;
let worker: RunWorker;

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000', PATCHBAY_WEBHOOK_RATE_LIMIT: '5' } });
  upstream = await startUpstream((_r, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ ok: true }));
  });
  await insertConnector(s.app.ctx, { id: 'crm', name: 'Demo CRM', authType: 'api_key' });
  await s.app.ctx.db.run(sql`UPDATE connectors SET base_url = ${upstream.url} WHERE id = 'crm'`);
  worker = new RunWorker({ app: s.app.ctx, clock: s.app.ctx.clock, log: createLogger('silent') }, { pollMs: 50, scheduleEveryMs: null });
  worker.start();
});
afterAll(async () => {
  await worker.stop(2_000);
  await upstream.close();
  await s.close();
});

const WEBHOOK_FLOW = {
  slots: [{ key: 'main', connectorId: 'crm', label: 'CRM' }],
  inputs: [],
  trigger: { type: 'webhook' },
  steps: [
    {
      id: 'push',
      type: 'http',
      slot: 'main',
      method: 'POST',
      path: '/contacts',
      query: { source: '{{ trigger.query.source }}' },
      body: {
        name: '{{ trigger.body.name }}',
        event: '{{ trigger.headers["x-github-event"] }}',
        auth: '{{ trigger.headers.authorization }}',
        payload: '{{ trigger.payload.name }}',
      },
    },
  ],
};

async function session(fx: EmbedFixture, userId: string, accountId = 'acme'): Promise<string> {
  const res = await s.request('POST', '/embed/api/session', {
    body: { token: fx.token({ embed_user_id: userId, embed_account_id: accountId }) },
  });
  expect(res.status, res.text).toBe(200);
  await acceptConsent(s, res.body.sessionToken, res.body);
  return res.body.sessionToken as string;
}

/** An account-level configuration offering `definition`, with ada's integration of it enabled. */
async function world(definition: Record<string, unknown> = WEBHOOK_FLOW, connectorId = 'crm') {
  const fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'account', keys: ['hs'] });
  const flowId = await insertFlow(s.app.ctx, { name: 'Hooked', definition });
  const groupId = await insertGroup(s.app.ctx, fx.configId, { name: 'CRM', flowIds: [flowId] });
  const ada = await session(fx, 'ada');
  const eu = await findEndUserByIdentity(s.app.ctx.db, fx.configId, 'acme', 'ada');
  const auth = await insertConnectorAuth(s.app.ctx, {
    configId: fx.configId,
    connectorId,
    endUserId: eu?.id ?? null,
    accountId: 'acme',
    credentials: { type: 'api_key', apiKey: CANARY, fields: {} },
  });
  const created = await s.request('POST', '/embed/api/integrations', { token: ada, body: { flowId, bindings: { main: auth } } });
  expect(created.status, created.text).toBe(201);
  return { fx, flowId, groupId, ada, integrationId: created.body.id as string, webhookUrl: created.body.webhookUrl as string | null };
}

function hookPath(url: string): string {
  const u = new URL(url);
  expect(u.origin).toBe(s.app.ctx.config.publicUrl);
  return u.pathname;
}

async function until<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function finished(runId: string, token: string) {
  return until(async () => {
    const r = await s.request('GET', `/embed/api/runs/${runId}`, { token });
    expect(r.status, r.text).toBe(200);
    return r.body.status === 'success' || r.body.status === 'error' ? r : undefined;
  }, `run ${runId}`);
}

describe(`cancel through the API reaches this process's worker at once, on ${TEST_DRIVER}`, () => {
  it('a run whose call hangs is canceled well before the worker would read the request, its connection closed', async () => {
    let closed: Promise<'closed'> | undefined;
    const hanging = await startUpstream((_r, res) => {
      closed = new Promise((resolve) => res.on('close', () => resolve('closed')));
    });
    await insertConnector(s.app.ctx, { id: 'slow', name: 'Slow', authType: 'api_key' });
    await s.app.ctx.db.run(sql`UPDATE connectors SET base_url = ${hanging.url} WHERE id = 'slow'`);
    // this worker reads cancel requests only once a minute: only the direct way can stop it in time
    const own = new RunWorker(
      { app: s.app.ctx, clock: s.app.ctx.clock, log: createLogger('silent') },
      { pollMs: 50, cancelPollMs: 60_000, scheduleEveryMs: null },
    );
    await worker.stop(2_000);
    own.start();
    s.app.worker = own;
    try {
      const w = await world({ ...WEBHOOK_FLOW, slots: [{ key: 'main', connectorId: 'slow', label: 'Slow' }] }, 'slow');
      const hook = await s.request('POST', hookPath(w.webhookUrl as string), { body: { name: 'x' } });
      expect(hook.status, hook.text).toBe(202);
      await until(async () => (hanging.received.length > 0 ? true : undefined), 'the call');
      const owner = await s.adminToken();
      const asked = Date.now();
      const canceled = await s.request('POST', `/api/v1/runs/${hook.body.runId}/cancel`, { token: owner });
      expect(canceled.status, canceled.text).toBe(200);
      await until(
        async () => {
          const row = await s.app.ctx.db.get<{ status: string }>(sql`SELECT status FROM runs WHERE id = ${hook.body.runId}`);
          return row?.status === 'canceled' ? true : undefined;
        },
        'the cancel (the worker itself would read it only after a minute)',
        10_000,
      );
      expect(Date.now() - asked).toBeLessThan(10_000);
      expect(await Promise.race([closed, new Promise((r) => setTimeout(() => r('open'), 2_000))])).toBe('closed');
    } finally {
      s.app.worker = null;
      await own.stop(2_000);
      await hanging.close();
      worker = new RunWorker(
        { app: s.app.ctx, clock: s.app.ctx.clock, log: createLogger('silent') },
        { pollMs: 50, scheduleEveryMs: null },
      );
      worker.start();
    }
  });
});

describe(`POST /hooks/{token} on ${TEST_DRIVER}`, () => {
  it('queues a webhook run that calls the upstream with the templated body, query and allowlisted headers and the credential', async () => {
    const w = await world();
    expect(w.webhookUrl).toMatch(/^http:\/\/.+\/hooks\/pbh_[A-Za-z0-9_-]{43}$/);
    const path = hookPath(w.webhookUrl as string);
    const token = path.slice('/hooks/'.length);
    const before = upstream.received.length;

    const res = await s.request('POST', `${path}?source=github&x=1`, {
      body: { name: 'Grace' },
      headers: { 'x-github-event': 'push', authorization: 'Bearer not-for-runs', cookie: 'sid=secret' },
    });
    expect(res.status, res.text).toBe(202);
    expect(res.body).toEqual({ runId: expect.stringMatching(/^run_/) });
    const run = await finished(res.body.runId, w.ada);
    expect(run.body).toMatchObject({ trigger: 'webhook', status: 'success', steps: [{ id: 'push', status: 'success', httpStatus: 200 }] });

    const call = upstream.received.slice(before).find((r) => r.headers['idempotency-key'] === `${res.body.runId}.push`);
    expect(call?.url).toBe('/contacts?source=github');
    expect(JSON.parse(call?.body.toString('utf8') ?? '{}')).toEqual({ name: 'Grace', event: 'push', auth: null, payload: 'Grace' });
    expect(JSON.stringify(call?.headers)).toContain(CANARY);

    // what the run keeps of the request: body, query, the allowlisted headers only
    const stored = await s.app.ctx.db.get<{ trigger_payload: string }>(sql`SELECT trigger_payload FROM runs WHERE id = ${res.body.runId}`);
    const payload = JSON.parse(stored?.trigger_payload ?? '{}');
    expect(payload.body).toEqual({ name: 'Grace' });
    expect(payload.query).toEqual({ source: 'github', x: '1' });
    expect(Object.keys(payload.headers).sort()).toEqual(['content-type', 'user-agent', 'x-github-event']);
    expect(stored?.trigger_payload).not.toContain('not-for-runs');
    expect(stored?.trigger_payload).not.toContain('sid=secret');

    // the token: stored sealed and as its hash, never in a log line
    const row = await s.app.ctx.db.get<{ webhook_token_hash: string; webhook_token_enc: string }>(
      sql`SELECT webhook_token_hash, webhook_token_enc FROM integrations WHERE id = ${w.integrationId}`,
    );
    expect(row?.webhook_token_hash).toBe(hashToken(token));
    expect(row?.webhook_token_enc).toMatch(/^v1\./);
    expect(row?.webhook_token_enc).not.toContain(token);
    expect(s.logs.join('\n')).not.toContain(token);
    expect(s.logs.join('\n')).toContain('/hooks/{token}');
  });

  it('reads a form as an object, text as text, an empty body as null; JSON that does not parse is a 400', async () => {
    const w = await world({
      ...WEBHOOK_FLOW,
      steps: [{ id: 'push', type: 'http', slot: 'main', method: 'POST', path: '/contacts', body: { got: '{{ trigger.body | json }}' } }],
    });
    const path = hookPath(w.webhookUrl as string);
    const sent = async (rawBody: string | undefined, contentType: string | undefined) => {
      const res = await s.request('POST', path, {
        ...(rawBody === undefined ? {} : { rawBody }),
        headers: contentType ? { 'content-type': contentType } : {},
      });
      expect(res.status, res.text).toBe(202);
      const stored = await s.app.ctx.db.get<{ trigger_payload: string }>(
        sql`SELECT trigger_payload FROM runs WHERE id = ${res.body.runId}`,
      );
      return JSON.parse(stored?.trigger_payload ?? '{}').body;
    };
    expect(await sent('a=1&b=2&b=3', 'application/x-www-form-urlencoded')).toEqual({ a: '1', b: ['2', '3'] });
    expect(await sent('hello there', 'text/plain')).toBe('hello there');
    expect(await sent(undefined, undefined)).toBeNull();
    const bad = await s.request('POST', path, { rawBody: '{"broken"', headers: { 'content-type': 'application/json' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'bad_request', message: 'The request body is not valid JSON' });
    const proto = await s.request('POST', path, { rawBody: '{"__proto__":{"x":1}}', headers: { 'content-type': 'application/json' } });
    expect([proto.status, proto.body.error?.code]).toEqual([400, 'validation_failed']);
  });

  it('answers 404 for an unknown token, 409 for a disabled integration, 413 past 1 MB, 429 past the rate limit; nothing is queued', async () => {
    const w = await world();
    const path = hookPath(w.webhookUrl as string);
    const runs = async () =>
      (await s.app.ctx.db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM runs WHERE integration_id = ${w.integrationId}`))?.n;

    const unknown = await s.request('POST', `/hooks/pbh_${'A'.repeat(43)}`, { body: {} });
    expect(unknown.status).toBe(404);
    expect(unknown.body).toEqual({ error: { code: 'not_found', message: 'No webhook has this URL', requestId: expect.any(String) } });
    const malformed = await s.request('POST', '/hooks/nope', { body: {} });
    expect([malformed.status, malformed.body.error?.code]).toEqual([404, 'not_found']);
    const long = await s.request('POST', `/hooks/pbh_${'x'.repeat(500)}`, { body: {} });
    expect([long.status, long.body.error?.code]).toEqual([404, 'not_found']);

    const big = await s.request('POST', path, { rawBody: JSON.stringify({ x: 'a'.repeat(1024 * 1024) }) });
    expect([big.status, big.body.error?.code]).toEqual([413, 'body_too_large']);

    const off = await s.request('PATCH', `/embed/api/integrations/${w.integrationId}`, { token: w.ada, body: { status: 'disabled' } });
    expect(off.status, off.text).toBe(200);
    const disabled = await s.request('POST', path, { body: { n: 1 } });
    expect(disabled.status).toBe(409);
    expect(disabled.body.error).toMatchObject({ code: 'conflict', message: 'The integration of this webhook is disabled' });
    expect(await runs()).toBe(0);

    // the limit (5 a minute here) counts per URL, refused requests too; the sixth is refused with Retry-After
    for (let i = 0; i < 3; i += 1) expect((await s.request('POST', path, { body: {} })).status).toBe(409);
    const sixth = await s.request('POST', path, { body: {} });
    expect(sixth.status).toBe(429);
    expect(sixth.body.error.code).toBe('rate_limited');
    expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await runs()).toBe(0);
  });

  it('rotation (needs manage) gives a new URL at once: the old one answers 404, the new one runs', async () => {
    const w = await world();
    const oldPath = hookPath(w.webhookUrl as string);
    const owner = await s.adminToken();
    const viewer = await s.adminToken({ role: 'member', groups: [{ groupId: w.groupId, view: true, run: true }] });
    const refused = await s.request('POST', `/api/v1/integrations/${w.integrationId}/rotate-webhook`, { token: viewer });
    expect([refused.status, refused.body.error?.code]).toEqual([403, 'forbidden']);
    expect((await s.request('POST', oldPath, { body: {} })).status).toBe(202);

    const rotated = await s.request('POST', `/api/v1/integrations/${w.integrationId}/rotate-webhook`, { token: owner });
    expect(rotated.status, rotated.text).toBe(200);
    expect(rotated.body).toEqual({ webhookUrl: expect.stringMatching(/\/hooks\/pbh_/) });
    expect(rotated.body.webhookUrl).not.toBe(w.webhookUrl);
    const gone = await s.request('POST', oldPath, { body: {} });
    expect([gone.status, gone.body.error?.code]).toEqual([404, 'not_found']);
    const fresh = await s.request('POST', hookPath(rotated.body.webhookUrl), { body: { name: 'Ada' } });
    expect(fresh.status, fresh.text).toBe(202);
    expect((await finished(fresh.body.runId, w.ada)).body.status).toBe('success');

    // both answers show the new URL
    const embed = await s.request('GET', `/embed/api/integrations`, { token: w.ada });
    expect(embed.body.items.find((i: { id: string }) => i.id === w.integrationId)?.webhookUrl).toBe(rotated.body.webhookUrl);
    const admin = await s.request('GET', `/api/v1/integrations/${w.integrationId}`, { token: owner });
    expect(admin.body.webhookUrl).toBe(rotated.body.webhookUrl);
    const audit = await s.app.ctx.db.get<{ n: number }>(
      sql`SELECT COUNT(*) AS n FROM audit_events WHERE action = 'integration.webhook_rotated' AND object_id = ${w.integrationId}`,
    );
    expect(audit?.n).toBe(1);

    // an integration that is not webhook-triggered has no URL to rotate
    const manual = await world({ ...WEBHOOK_FLOW, trigger: { type: 'manual' } });
    expect(manual.webhookUrl).toBeNull();
    const conflict = await s.request('POST', `/api/v1/integrations/${manual.integrationId}/rotate-webhook`, { token: owner });
    expect([conflict.status, conflict.body.error?.code]).toEqual([409, 'conflict']);
    const missing = await s.request('POST', '/api/v1/integrations/int_doesnotexist0000000000000/rotate-webhook', { token: owner });
    expect(missing.status).toBe(404);
  });

  it('shows the URL to the end users of the account and to the admin, and to nobody of another account (404)', async () => {
    const w = await world();
    const grace = await session(w.fx, 'grace');
    const mallory = await session(w.fx, 'mallory', 'other-account');
    const owner = await s.adminToken();

    const mine = await s.request('GET', `/embed/api/integrations`, { token: w.ada });
    expect(mine.body.items.map((i: { id: string; webhookUrl: string }) => [i.id, i.webhookUrl])).toEqual([[w.integrationId, w.webhookUrl]]);
    const colleague = await s.request('GET', `/embed/api/integrations`, { token: grace });
    expect(colleague.body.items.map((i: { webhookUrl: string }) => i.webhookUrl)).toEqual([w.webhookUrl]);
    const admin = await s.request('GET', `/api/v1/integrations/${w.integrationId}`, { token: owner });
    expect(admin.body.webhookUrl).toBe(w.webhookUrl);
    const listed = await s.request('GET', `/api/v1/integrations?configId=${w.fx.configId}`, { token: owner });
    expect(listed.body.items.map((i: { webhookUrl: string }) => i.webhookUrl)).toEqual([w.webhookUrl]);

    const stranger = await s.request('GET', `/embed/api/integrations`, { token: mallory });
    expect(stranger.body.items).toEqual([]);
    const strangerPatch = await s.request('PATCH', `/embed/api/integrations/${w.integrationId}`, { token: mallory, body: {} });
    expect([strangerPatch.status, strangerPatch.body.error?.code]).toEqual([404, 'not_found']);
    expect(JSON.stringify(strangerPatch.body)).not.toContain('/hooks/');
    const outsider = await s.adminToken({ role: 'member', groups: [] });
    const hidden = await s.request('GET', `/api/v1/integrations/${w.integrationId}`, { token: outsider });
    expect([hidden.status, hidden.body.error?.code]).toEqual([404, 'not_found']);
  });
});

/**
 * Flow input patterns: an end user's value is checked against the vendor's pattern in linear time
 * (RE2 semantics), so a backtracking-prone pattern cannot freeze the server, and a pattern the
 * engine cannot run (backreferences, lookaround) is refused when the flow is saved.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../db/sql.ts';
import { insertConnector, insertFlow, insertGroup } from '../../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from '../../testing/embedFixtures.ts';
import { type ApiResponse, startTestServer, type TestServer } from '../../testing/harness.ts';

/** Nested quantifiers: a backtracking engine takes 2^n steps on `aaa…a!` (a second at ~27 characters). */
const HOSTILE = '([a-zA-Z0-9]+\\s?)*';

let s: TestServer;
let fx: EmbedFixture;
let flowId: string;
let owner: string;

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
  owner = await s.adminToken();
  await insertConnector(s.app.ctx, { id: 'crm', name: 'Demo CRM' });
  fx = await createEmbedFixture(s.app.ctx, { sharingLevel: 'user', keys: ['hs'], consent: { enabled: false } });
  flowId = await insertFlow(s.app.ctx, {
    name: 'Words',
    definition: {
      slots: [],
      inputs: [{ key: 'words', type: 'text', label: 'Words', required: true, pattern: HOSTILE }],
      trigger: { type: 'manual' },
      steps: [],
    },
  });
  await insertGroup(s.app.ctx, fx.configId, { name: 'Words', flowIds: [flowId] });
});
afterAll(() => s.close());

async function session(userId: string): Promise<string> {
  const res = await s.request('POST', '/embed/api/session', { body: { token: fx.token({ embed_user_id: userId }) } });
  expect(res.status, res.text).toBe(200);
  return res.body.sessionToken as string;
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await fn();
  return { value, ms: performance.now() - started };
}

describe('input patterns: evaluated in linear time', () => {
  it('answers a 10,000-character hostile value within bounds, and /healthz answers meanwhile', async () => {
    const token = await session('u-hostile');
    const value = `${'a'.repeat(9_999)}!`;
    const [enable, health] = await Promise.all([
      timed(() => s.request('POST', '/embed/api/integrations', { token, body: { flowId, inputs: { words: value } } })),
      timed(async () => {
        await new Promise((r) => setImmediate(r));
        return s.request('GET', '/healthz');
      }),
    ]);
    const res = enable.value as ApiResponse;
    expect(res.body).toEqual({
      error: {
        code: 'validation_failed',
        message: 'Invalid request: body.inputs.words',
        requestId: expect.any(String),
        details: { issues: [{ path: 'body.inputs.words', message: `must match the pattern ${HOSTILE}` }] },
      },
    });
    expect(res.status).toBe(400);
    // Generous for a loaded machine; a backtracking engine would not finish at all.
    expect(enable.ms).toBeLessThan(500);
    expect(health.value.status).toBe(200);
    expect(health.ms).toBeLessThan(500);
  });

  it('accepts a long value the pattern matches', async () => {
    const token = await session('u-matching');
    const value = 'ab1 '.repeat(2_500).trim();
    const res = await s.request('POST', '/embed/api/integrations', { token, body: { flowId, inputs: { words: value } } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.inputs).toEqual({ words: value });
  });
});

function invalid(issues: { path: string; message: string }[]) {
  return {
    error: {
      code: 'validation_failed',
      message: `Invalid request: ${[...new Set(issues.map((i) => i.path))].join(', ')}`,
      requestId: expect.any(String),
      details: { issues },
    },
  };
}

const flowCount = async () => (await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM flows`))?.n;

describe('input patterns: checked when the flow is saved', () => {
  const definition = (pattern: string) => ({
    slots: [{ key: 'crm', connectorId: 'crm', label: 'CRM' }],
    inputs: [{ key: 'code', type: 'text', label: 'Code', pattern }],
    trigger: { type: 'manual' },
    steps: [],
  });

  it('refuses a pattern with a backreference or lookaround at its path, and stores nothing', async () => {
    const before = await flowCount();
    const backref = await s.request('POST', '/api/v1/flows', { token: owner, body: { name: 'Codes', ...definition('(a+)\\1') } });
    expect({ status: backref.status, body: backref.body }).toEqual({
      status: 400,
      body: invalid([
        {
          path: 'body.inputs.0.pattern',
          message: 'is not a supported pattern (RE2 syntax, no backreferences or lookaround): invalid escape sequence: `\\1`',
        },
      ]),
    });
    expect(await flowCount()).toBe(before);

    const created = await s.request('POST', '/api/v1/flows', { token: owner, body: { name: 'Codes', ...definition('[A-Z]{3}-[0-9]{4}') } });
    expect(created.status, created.text).toBe(201);
    const lookahead = await s.request('POST', `/api/v1/flows/${created.body.id}/versions`, {
      token: owner,
      body: { definition: definition('(?=.*[0-9])[a-z0-9]+') },
    });
    expect({ status: lookahead.status, body: lookahead.body }).toEqual({
      status: 400,
      body: invalid([
        {
          path: 'body.definition.inputs.0.pattern',
          message: 'is not a supported pattern (RE2 syntax, no backreferences or lookaround): invalid or unsupported Perl syntax: `(?=`',
        },
      ]),
    });
    const versions = await s.request('GET', `/api/v1/flows/${created.body.id}/versions`, { token: owner });
    expect(versions.body.items.map((v: { version: number }) => v.version)).toEqual([1]);
  });

  it('refuses a pattern too large to check a long value quickly', async () => {
    const res = await s.request('POST', '/api/v1/flows', {
      token: owner,
      body: { name: 'Huge', ...definition('[a-z]{0,1000}[a-z]{0,1000}') },
    });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: invalid([
        {
          path: 'body.inputs.0.pattern',
          message: 'is too complex: it compiles to 4002 RE2 instructions, more than 1000 (use smaller repetition counts)',
        },
      ]),
    });
  });

  it('a pattern stored before RE2 (lookahead) refuses every value with a clear message instead of running it', async () => {
    const legacy = await insertFlow(s.app.ctx, {
      name: 'Legacy',
      definition: {
        slots: [],
        inputs: [{ key: 'code', type: 'text', label: 'Code', pattern: '(?=a)a+' }],
        trigger: { type: 'manual' },
        steps: [],
      },
    });
    await insertGroup(s.app.ctx, fx.configId, { name: 'Legacy', flowIds: [legacy] });
    const token = await session('u-legacy');
    const res = await s.request('POST', '/embed/api/integrations', { token, body: { flowId: legacy, inputs: { code: 'aaa' } } });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: invalid([
        {
          path: 'body.inputs.code',
          message: 'cannot be checked: the flow’s pattern is not supported any more (the vendor must update the flow)',
        },
      ]),
    });
  });
});

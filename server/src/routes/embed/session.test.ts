import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticateEmbedSession } from '../../auth/embedSessionAuth.ts';
import { hashToken } from '../../crypto/tokens.ts';
import { sql } from '../../db/sql.ts';
import { addSigningSecret, b64url, createEmbedFixture, type EmbedFixture, forgeToken, signToken } from '../../testing/embedFixtures.ts';
import { type ApiResponse, startTestServer, type TestServer } from '../../testing/harness.ts';

const M = {
  malformed: 'The embed token is not a signed JWT (header.payload.signature)',
  signature: 'The embed token signature or encoding is not valid',
  algNotAccepted: 'The token algorithm is not accepted; sign with the algorithm of the configuration key',
  algMismatch: 'The token algorithm does not match the key; the configuration decides the algorithm',
  kidInvalid: 'The token `kid` is not a valid key id',
  kidUnknown: 'No active key of this configuration has this `kid`',
  kidRequired: 'Name the signing key in the token `kid` header; this configuration has several',
  expired: 'The embed token has expired; mint a fresh one',
  notBefore: 'The embed token is not valid yet (nbf)',
  iatFuture: 'The token was issued in the future (iat); check the signing clock',
  lifetime: 'The token lifetime (exp − iat) must be at most 3600 seconds',
  audMissing: 'The token must name its embed configuration in `aud`',
  audUnknown: 'The token `aud` names no known embed configuration',
  audOther: 'The token is for another embed configuration',
  disabled: 'This embed configuration is disabled',
  replayed: 'This embed token was already exchanged; mint a fresh one',
  perAccount: 'This per-account key signs tokens for its own account only',
  headerUrls: (names: string) => `The token header must not carry ${names}; keys are registered, never fetched`,
} as const;

let s: TestServer;
let fx: EmbedFixture;
/** Every token sent, to check none reached a log line. */
const sent: string[] = [];

beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
  fx = await createEmbedFixture(s.app.ctx);
});
afterAll(() => s.close());

function nowS(): number {
  return Math.floor(s.clock.now() / 1000);
}

async function exchange(token: string, configId?: string): Promise<ApiResponse> {
  sent.push(token);
  return s.request('POST', '/embed/api/session', { body: { token, ...(configId === undefined ? {} : { configId }) } });
}

/** Asserts the whole error envelope. */
function expectError(res: ApiResponse, status: number, code: string, message: string, details?: unknown): void {
  expect({ status: res.status, body: res.body }).toEqual({
    status,
    body: { error: { code, message, requestId: res.headers.get('x-request-id'), ...(details === undefined ? {} : { details }) } },
  });
}

function expect401(res: ApiResponse, code: string, message: string, details?: unknown): void {
  expectError(res, 401, code, message, details);
}

describe('POST /embed/api/session: a good token', () => {
  it('answers a session whose token authenticates embed routes', async () => {
    const res = await exchange(fx.token({ embed_user_email: 'ada@acme.example', embed_account_name: 'Acme', embed_user_language: 'de' }));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      sessionToken: expect.stringMatching(/^pbs_[A-Za-z0-9_-]{43}$/),
      expiresAt: new Date((nowS() + 600) * 1000).toISOString(),
      user: { id: 'user-1', name: 'Ada Lovelace', email: 'ada@acme.example', language: 'de' },
      account: { id: 'acme', name: 'Acme' },
      config: {
        id: fx.configId,
        name: 'Settings › Integrations',
        sharingLevel: 'user',
        defaultLanguage: 'en',
        consent: { enabled: true, text: 'Allow Acme to connect your tools?', given: false },
        branding: { title: 'Acme integrations', mode: 'light' },
      },
    });
    const principal = await authenticateEmbedSession(s.app.ctx, `Bearer ${res.body.sessionToken}`);
    expect(principal).toEqual({
      kind: 'end_user',
      endUserId: expect.stringMatching(/^eu_/),
      configId: fx.configId,
      embedUserId: 'user-1',
      embedAccountId: 'acme',
      sharingLevel: 'user',
      sessionExpiresAt: res.body.expiresAt,
    });
    const stored = await s.app.ctx.db.all<{ token_hash: string }>(sql`SELECT token_hash FROM embed_sessions`);
    expect(stored.map((r) => r.token_hash)).not.toContain(res.body.sessionToken);
    expect(JSON.stringify(stored)).not.toContain(res.body.sessionToken.slice(4));
  });

  it.each(['rs', 'es'] as const)('accepts a token signed with the registered %s public key', async (key) => {
    const res = await exchange(fx.token({}, { key }));
    expect(res.status).toBe(200);
    expect(res.body.user.id).toBe('user-1');
  });

  it('accepts a token without kid when the configuration has a single shared key, and typ in any casing', async () => {
    const single = await createEmbedFixture(s.app.ctx, { keys: ['hs', 'account'] });
    expect((await exchange(single.token({}, { kid: null, header: { typ: 'jwt' } }))).status).toBe(200);
  });

  it('ends the session with the embed token', async () => {
    const res = await exchange(fx.token({ exp: nowS() + 120 }));
    expect(res.body.expiresAt).toBe(new Date((nowS() + 120) * 1000).toISOString());
    const auth = `Bearer ${res.body.sessionToken}`;
    expect((await authenticateEmbedSession(s.app.ctx, auth)).embedUserId).toBe('user-1');
    s.clock.advance(121);
    await expect(authenticateEmbedSession(s.app.ctx, auth)).rejects.toThrow(
      expect.objectContaining({ code: 'session_expired', status: 401 }) as unknown as Error,
    );
  });

  it('caps the session at one hour even when the token lives longer', async () => {
    const now = nowS();
    const res = await exchange(fx.token({ iat: now + 20, exp: now + 20 + 3600 }));
    expect(res.status).toBe(200);
    expect(res.body.expiresAt).toBe(new Date(s.clock.now() + 3600_000).toISOString());
  });

  it('keeps one end user, refreshed from the latest token', async () => {
    const first = await exchange(fx.token({ embed_user_id: 'upsert-1', embed_user_name: 'Old Name', embed_user_email: 'o@x.example' }));
    const firstSeen = new Date(s.clock.now()).toISOString();
    s.clock.advance(60);
    const second = await exchange(fx.token({ embed_user_id: 'upsert-1', embed_user_name: 'New Name' }));
    expect(first.body.user.name).toBe('Old Name');
    expect(second.body.user).toEqual({ id: 'upsert-1', name: 'New Name', email: null, language: null });
    const rows = await s.app.ctx.db.all(sql`SELECT name, email, first_seen_at, last_seen_at FROM end_users
      WHERE config_id = ${fx.configId} AND user_id = 'upsert-1'`);
    expect(rows).toEqual([
      { name: 'New Name', email: null, first_seen_at: firstSeen, last_seen_at: new Date(s.clock.now()).toISOString() },
    ]);
    const audits = await s.app.ctx.db.all(sql`SELECT action, actor_type FROM audit_events WHERE object_id = (
      SELECT id FROM end_users WHERE config_id = ${fx.configId} AND user_id = 'upsert-1')`);
    expect(audits).toEqual([{ action: 'end_user.created', actor_type: 'end_user' }]);
  });

  it('reports consent per user at user level and per account at account level', async () => {
    const userRes = await exchange(fx.token({ embed_user_id: 'consenter' }));
    await s.app.ctx.db.run(
      sql`UPDATE end_users SET consent_at = '2026-01-01T00:00:00.000Z' WHERE config_id = ${fx.configId} AND user_id = 'consenter'`,
    );
    expect(userRes.body.config.consent.given).toBe(false);
    expect((await exchange(fx.token({ embed_user_id: 'consenter' }))).body.config.consent.given).toBe(true);
    expect((await exchange(fx.token({ embed_user_id: 'someone-else' }))).body.config.consent.given).toBe(false);

    const acct = await createEmbedFixture(s.app.ctx, { sharingLevel: 'account', keys: ['hs'], consent: { enabled: false } });
    expect((await exchange(acct.token())).body.config).toMatchObject({
      sharingLevel: 'account',
      consent: { enabled: false, text: null, given: false },
    });
    await s.app.ctx.db.run(
      sql`INSERT INTO account_consents (config_id, account_id, consent_at) VALUES (${acct.configId}, 'acme', '2026-01-01T00:00:00.000Z')`,
    );
    expect((await exchange(acct.token({ embed_user_id: 'colleague' }))).body.config.consent.given).toBe(true);
  });

  it('accepts client_authentication without storing or logging it', async () => {
    const canary = 'canary-proprietary-credential-5f1e';
    const res = await exchange(fx.token({ embed_user_id: 'proprietary', client_authentication: { api_key: canary } }));
    expect(res.status).toBe(200);
    expect(res.text).not.toContain(canary);
    expect(s.logs.join('\n')).not.toContain(canary);
    const dump = (await s.app.ctx.db.all(sql`SELECT * FROM end_users`)).concat(await s.app.ctx.db.all(sql`SELECT * FROM audit_events`));
    expect(JSON.stringify(dump)).not.toContain(canary);
  });

  it('answers 401 config_disabled for a disabled configuration', async () => {
    const off = await createEmbedFixture(s.app.ctx, { enabled: false, keys: ['hs'] });
    expect401(await exchange(off.token()), 'config_disabled', M.disabled);
  });

  it('answers 400 for a body without a token or with unknown fields, 413 for a huge body', async () => {
    const missing = await s.request('POST', '/embed/api/session', { body: {} });
    expectError(missing, 400, 'validation_failed', 'Invalid request: body.token', {
      issues: [{ path: 'body.token', message: 'Invalid input: expected string, received undefined' }],
    });
    const extra = await s.request('POST', '/embed/api/session', { body: { token: fx.token(), userId: 'x' } });
    expectError(extra, 400, 'validation_failed', 'Invalid request: body', {
      issues: [{ path: 'body', message: 'unknown field(s): userId' }],
    });
    const huge = await s.request('POST', '/embed/api/session', { body: { token: 'x'.repeat(40_000) } });
    expectError(huge, 413, 'body_too_large', 'The request body is too large');
  });
});

describe('POST /embed/api/session: hostile tokens (SECURITY.md, J-01…J-14)', () => {
  it.each(['none', 'NONE', 'nOnE'])('J-01 rejects alg %s with an empty signature', async (alg) => {
    expect401(await exchange(forgeToken({ alg, typ: 'JWT' }, fx.claims())), 'token_algorithm', M.algNotAccepted);
    expect401(await exchange(forgeToken({ alg, kid: 'hs1' }, fx.claims())), 'token_algorithm', M.algNotAccepted);
  });

  it('J-01 rejects a header without alg and tokens that are not JWS at all', async () => {
    expect401(await exchange(forgeToken({ kid: 'hs1' }, fx.claims(), { hmacSecret: fx.hs.secret })), 'token_algorithm', M.algNotAccepted);
    expect401(await exchange('not-a-jwt'), 'token_invalid', M.malformed);
    expect401(await exchange(`${fx.token()}.extra`), 'token_invalid', M.malformed);
    expect401(await exchange('e30.e30.%%%'), 'token_invalid', M.malformed);
  });

  it('J-02 rejects an HS256 token keyed with the configuration RSA public PEM', async () => {
    const rsOnly = await createEmbedFixture(s.app.ctx, { keys: ['rs'] });
    for (const kid of ['rs1', undefined]) {
      const header = { alg: 'HS256', typ: 'JWT', ...(kid ? { kid } : {}) };
      const token = forgeToken(header, rsOnly.claims(), { hmacSecret: rsOnly.rs.publicPem });
      expect401(await exchange(token), 'token_algorithm', M.algMismatch);
    }
  });

  it('J-02 rejects an RS256 token sent to an HS256-only configuration', async () => {
    const hsOnly = await createEmbedFixture(s.app.ctx, { keys: ['hs'] });
    expect401(await exchange(hsOnly.token({}, { key: 'rs', kid: 'hs1' })), 'token_algorithm', M.algMismatch);
    expect401(await exchange(hsOnly.token({}, { key: 'rs', kid: null })), 'token_algorithm', M.algMismatch);
  });

  it.each([
    [
      'HS384',
      (c: Record<string, unknown>) => forgeToken({ alg: 'HS384', kid: 'rs1' }, c, { hmacSecret: fx.rs.publicPem, hmacAlg: 'sha384' }),
    ],
    [
      'HS512',
      (c: Record<string, unknown>) => forgeToken({ alg: 'HS512', kid: 'rs1' }, c, { hmacSecret: fx.rs.publicPem, hmacAlg: 'sha512' }),
    ],
    ['PS256', (c: Record<string, unknown>) => signToken(c, { alg: 'PS256', key: fx.rs.privateKey, kid: 'rs1' })],
    ['RS512', (c: Record<string, unknown>) => signToken(c, { alg: 'RS512', key: fx.rs.privateKey, kid: 'rs1' })],
  ])('J-02 rejects header alg %s against an RS256 key', async (_alg, make) => {
    expect401(await exchange(make(fx.claims())), 'token_algorithm', M.algNotAccepted);
  });

  it('J-02 rejects header alg ES256 against the RS256 key, and RS256 against the ES256 key', async () => {
    expect401(await exchange(fx.token({}, { key: 'es', kid: 'rs1' })), 'token_algorithm', M.algMismatch);
    expect401(await exchange(fx.token({}, { key: 'rs', kid: 'es1' })), 'token_algorithm', M.algMismatch);
  });

  it('J-03 pins the algorithm per configuration: a token valid for B’s key type is refused by A', async () => {
    const a = await createEmbedFixture(s.app.ctx, { keys: ['hs'] });
    const b = await createEmbedFixture(s.app.ctx, { keys: ['rs'] });
    expect((await exchange(b.token({}, { key: 'rs' }))).status).toBe(200);
    expect401(await exchange(b.token({ aud: a.configId }, { key: 'rs', kid: null })), 'token_algorithm', M.algMismatch);
    expect401(await exchange(b.token({ aud: a.configId }, { key: 'rs' })), 'token_kid', M.kidUnknown);
  });

  it('J-05 rejects a token without exp or iat', async () => {
    expect401(await exchange(fx.token({ exp: undefined })), 'token_claims', 'The token must carry exp', {
      issues: [{ path: 'claims.exp', message: 'required' }],
    });
    expect401(await exchange(fx.token({ iat: undefined })), 'token_claims', 'The token must carry iat', {
      issues: [{ path: 'claims.iat', message: 'required' }],
    });
  });

  it('J-06 honours exp and nbf with a 30 s leeway', async () => {
    const now = nowS();
    expect((await exchange(fx.token({ iat: now - 600, exp: now - 20 }))).status).toBe(200);
    expect401(await exchange(fx.token({ iat: now - 600, exp: now - 40 })), 'token_expired', M.expired);
    expect401(await exchange(fx.token({ nbf: now + 120 })), 'token_not_yet_valid', M.notBefore);
    expect((await exchange(fx.token({ nbf: now + 20 }))).status).toBe(200);
    const later = fx.token({ exp: now + 60 });
    s.clock.advance(95);
    expect401(await exchange(later), 'token_expired', M.expired);
  });

  it('J-07 rejects a lifetime over one hour and an iat in the future', async () => {
    const now = nowS();
    expect401(await exchange(fx.token({ iat: now - 3600, exp: now + 3600 })), 'token_lifetime', M.lifetime);
    expect401(await exchange(fx.token({ iat: now, exp: now + 3601 })), 'token_lifetime', M.lifetime);
    expect((await exchange(fx.token({ iat: now, exp: now + 3600 }))).status).toBe(200);
    expect401(await exchange(fx.token({ iat: now + 60, exp: now + 600 })), 'token_not_yet_valid', M.iatFuture);
  });

  it('J-08 requires aud to be exactly the configuration id', async () => {
    expect401(await exchange(fx.token({ aud: undefined })), 'token_audience', M.audMissing);
    expect401(await exchange(fx.token({ aud: 42 })), 'token_audience', M.audMissing);
    expect401(await exchange(fx.token({ aud: 'other-service' })), 'token_audience', M.audUnknown);
    expect401(await exchange(fx.token({ aud: `${fx.configId}.evil` })), 'token_audience', M.audUnknown);
    expect401(await exchange(fx.token({ aud: fx.configId.slice(0, -1) })), 'token_audience', M.audUnknown);
    expect401(await exchange(fx.token({ aud: fx.configId.toUpperCase() })), 'token_audience', M.audUnknown);
    expect401(await exchange(fx.token({ aud: ['other', 'portal.evil'] })), 'token_audience', M.audUnknown);
    expect401(await exchange(fx.token({ aud: ['other'] }), fx.configId), 'token_audience', M.audOther);
    expect((await exchange(fx.token({ aud: ['other', fx.configId] }))).status).toBe(200);
    expect((await exchange(fx.token({ aud: ['other', fx.configId] }), fx.configId)).status).toBe(200);
  });

  it('J-09 binds a token to its configuration', async () => {
    const b = await createEmbedFixture(s.app.ctx, { keys: ['hs'] });
    expect401(await exchange(fx.token(), b.configId), 'token_audience', M.audOther);
    expect401(await exchange(fx.token({ aud: b.configId })), 'token_invalid', M.signature);
    expect401(
      await exchange(fx.token({ aud: [fx.configId, b.configId] })),
      'token_audience',
      'The token `aud` must name exactly one embed configuration',
    );
    expect((await exchange(fx.token(), fx.configId)).status).toBe(200);
  });

  it.each([
    ['embed_user_id as a number', { embed_user_id: 42 }, 'claims.embed_user_id'],
    ['embed_user_id as an object', { embed_user_id: { $ne: null } }, 'claims.embed_user_id'],
    ['embed_user_id as an array', { embed_user_id: ['a', 'b'] }, 'claims.embed_user_id'],
    ['embed_user_id of 256 characters', { embed_user_id: 'u'.repeat(256) }, 'claims.embed_user_id'],
    ['embed_account_id empty', { embed_account_id: '' }, 'claims.embed_account_id'],
    ['embed_state over 4 KB', { embed_state: { blob: 's'.repeat(4100) } }, 'claims.embed_state'],
    ['embed_user_email too long', { embed_user_email: `${'e'.repeat(320)}@x.example` }, 'claims.embed_user_email'],
    ['exp as a string', { exp: 'tomorrow' }, 'claims.exp'],
    ['nbf as a string', { nbf: 'now' }, 'claims.nbf'],
    ['iat negative', { iat: -5 }, 'claims.iat'],
    ['embed_user_language not a language tag', { embed_user_language: 'en"><script>' }, 'claims.embed_user_language'],
  ])('J-10 rejects %s, naming the claim but not its value', async (_name, overrides, path) => {
    const claims = fx.claims(overrides);
    const res = await exchange(forgeToken({ alg: 'HS256', kid: 'hs1' }, claims, { hmacSecret: fx.hs.secret }));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({
      error: {
        code: 'token_claims',
        message: `The token claims are not valid: ${path}`,
        requestId: res.headers.get('x-request-id'),
        details: { issues: [{ path, message: expect.any(String) }] },
      },
    });
    const value = JSON.stringify(Object.values(overrides)[0]);
    if (value.length > 20) expect(res.text).not.toContain(value.slice(1, 40));
  });

  it('J-10 rejects duplicate member names in header or payload', async () => {
    const raw = (headerJson: string, payloadJson: string) => {
      const input = `${b64url(headerJson)}.${b64url(payloadJson)}`;
      return `${input}.${crypto.createHmac('sha256', fx.hs.secret).update(input).digest('base64url')}`;
    };
    const payload = JSON.stringify(fx.claims());
    expect401(
      await exchange(raw('{"alg":"HS256","kid":"hs1","alg":"none"}', payload)),
      'token_invalid',
      'The embed token repeats a JSON member name',
    );
    const dupPayload = `${payload.slice(0, -1)},"embed_user_id":"admin"}`;
    expect401(
      await exchange(raw('{"alg":"HS256","kid":"hs1"}', dupPayload)),
      'token_invalid',
      'The embed token repeats a JSON member name',
    );
    expect((await exchange(raw('{"alg":"HS256","kid":"hs1"}', payload))).status).toBe(200);
  });

  it.each([
    ['a path', '../../../../dev/null'],
    ['SQL', "' OR 1=1--"],
    ['10 kB', 'k'.repeat(10_000)],
    ['a number', 7],
    ['empty', ''],
  ])('J-11 rejects a hostile kid (%s) with 401, never 500', async (_name, kid) => {
    const token = forgeToken({ alg: 'HS256', kid }, fx.claims(), { hmacSecret: fx.hs.secret });
    expect401(await exchange(token), 'token_kid', M.kidInvalid);
  });

  it('J-11 rejects an unknown kid', async () => {
    expect401(await exchange(fx.token({}, { kid: 'nope' })), 'token_kid', M.kidUnknown);
  });

  it('J-11 rejects jku/x5u/jwk/x5c/crit headers and never fetches them', async () => {
    let hits = 0;
    const trap = http.createServer((_req, res) => {
      hits += 1;
      res.end('{}');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(trap.address() as AddressInfo).port}/jwks.json`;
    try {
      const jwk = { kty: 'oct', k: Buffer.from(fx.hs.secret).toString('base64url') };
      const cases: [Record<string, unknown>, string][] = [
        [{ jku: url }, 'jku'],
        [{ x5u: url }, 'x5u'],
        [{ jwk }, 'jwk'],
        [{ x5c: ['MIIB'] }, 'x5c'],
        [{ crit: ['exp'] }, 'crit'],
        [{ jku: url, jwk }, 'jku, jwk'],
      ];
      for (const [header, names] of cases) {
        expect401(await exchange(fx.token({}, { header })), 'token_invalid', M.headerUrls(names));
      }
      expect(hits).toBe(0);
    } finally {
      await new Promise<void>((resolve) => trap.close(() => resolve()));
    }
  });

  it('J-11 rejects a typ other than JWT', async () => {
    expect401(
      await exchange(fx.token({}, { header: { typ: 'portal-session+jwt' } })),
      'token_invalid',
      'The token header `typ` must be JWT',
    );
  });

  it('J-12 accepts the new key after rotation and refuses revoked or expired keys', async () => {
    const cfg = await createEmbedFixture(s.app.ctx, { keys: ['hs'] });
    const ctx = s.app.ctx;
    const k2 = await addSigningSecret(ctx, cfg.configId, { kid: 'k2' });
    const byK2 = signToken(cfg.claims(), { alg: 'HS256', key: k2.secret, kid: 'k2' });
    expect((await exchange(byK2)).status).toBe(200);
    expect((await exchange(cfg.token())).status).toBe(200);
    expect401(await exchange(cfg.token({}, { kid: null })), 'token_kid', M.kidRequired);

    const revoked = await addSigningSecret(ctx, cfg.configId, { kid: 'k0', status: 'revoked' });
    expect401(await exchange(signToken(cfg.claims(), { alg: 'HS256', key: revoked.secret, kid: 'k0' })), 'token_kid', M.kidUnknown);

    const grace = await addSigningSecret(ctx, cfg.configId, { kid: 'k1', expiresAt: new Date(s.clock.now() + 60_000).toISOString() });
    expect((await exchange(signToken(cfg.claims(), { alg: 'HS256', key: grace.secret, kid: 'k1' }))).status).toBe(200);
    s.clock.advance(61);
    expect401(await exchange(signToken(cfg.claims(), { alg: 'HS256', key: grace.secret, kid: 'k1' })), 'token_kid', M.kidUnknown);

    const wrongSecret = signToken(cfg.claims(), { alg: 'HS256', key: k2.secret, kid: 'hs1' });
    expect401(await exchange(wrongSecret), 'token_invalid', M.signature);
  });

  it('J-13 refuses a session token as an embed token, and an embed token as a session bearer', async () => {
    const res = await exchange(fx.token());
    expect401(await exchange(res.body.sessionToken), 'token_invalid', M.malformed);
    const token = fx.token();
    await expect(authenticateEmbedSession(s.app.ctx, `Bearer ${token}`)).rejects.toThrow(
      expect.objectContaining({ code: 'unauthorized', status: 401 }) as unknown as Error,
    );
  });

  it('J-14 refuses a second exchange of the same jti', async () => {
    const token = fx.token({ jti: 'jti-once' });
    expect((await exchange(token)).status).toBe(200);
    const sessionsBefore = (await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM embed_sessions`))?.n;
    expect401(await exchange(token), 'token_replayed', M.replayed);
    expect401(await exchange(fx.token({ jti: 'jti-once', embed_user_id: 'other' })), 'token_replayed', M.replayed);
    expect((await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM embed_sessions`))?.n).toBe(sessionsBefore);
    const other = await createEmbedFixture(s.app.ctx, { keys: ['hs'] });
    expect((await exchange(other.token({ jti: 'jti-once' }))).status).toBe(200);
  });

  it('lets a per-account secret sign for its own account only', async () => {
    expect((await exchange(fx.token({}, { key: 'account' }))).body.account).toEqual({ id: 'onprem-1', name: null });
    expect401(await exchange(fx.token({ embed_account_id: 'acme' }, { key: 'account' })), 'token_invalid', M.perAccount);
    const onprem = await createEmbedFixture(s.app.ctx, { keys: ['account'] });
    expect((await exchange(onprem.token({}, { key: 'account', kid: null }))).status).toBe(200);
    expect401(await exchange(onprem.token({ embed_account_id: 'acme' }, { key: 'account', kid: null })), 'token_kid', M.kidRequired);
  });

  it('never writes a token to the logs', () => {
    expect(sent.length).toBeGreaterThan(50);
    const logs = s.logs.join('\n');
    expect(logs).toContain('"msg":"embed token rejected"');
    for (const token of sent) {
      const signature = token.split('.')[2];
      expect(logs).not.toContain(token);
      if (signature && signature.length > 20) expect(logs).not.toContain(signature);
    }
    expect(logs).not.toContain(fx.hs.secret);
  });
});

describe('J-12 revoking a signing key ends the sessions it minted', () => {
  const KEY_GONE = 'The signing key behind this session is no longer active; exchange a fresh embed token';
  let owner: string;
  beforeAll(async () => {
    owner = await s.adminToken();
  });

  async function sessionOf(token: string): Promise<string> {
    const res = await exchange(token);
    expect(res.status, res.text).toBe(200);
    return res.body.sessionToken as string;
  }
  /** The next embed API call of a session (a read: every route authenticates the same way). */
  const call = (session: string) => s.request('GET', '/embed/api/flows', { token: session });
  const revoke = (cfg: EmbedFixture, kid: string) =>
    s.request('DELETE', `/api/v1/embed-configs/${cfg.configId}/keys/${kid}`, { token: owner });
  const keyOf = async (session: string) =>
    (await s.app.ctx.db.get<{ key_kid: string | null }>(sql`SELECT key_kid FROM embed_sessions WHERE token_hash = ${hashToken(session)}`))
      ?.key_kid;

  it('refuses the next call of a session whose HS256 secret was revoked; a session of the other secret keeps working', async () => {
    const cfg = await createEmbedFixture(s.app.ctx, { keys: ['hs'] });
    const k2 = await addSigningSecret(s.app.ctx, cfg.configId, { kid: 'k2' });
    const byK1 = await sessionOf(cfg.token());
    const byK2 = await sessionOf(signToken(cfg.claims({ embed_user_id: 'user-2' }), { alg: 'HS256', key: k2.secret, kid: 'k2' }));
    expect([await keyOf(byK1), await keyOf(byK2)]).toEqual(['hs1', 'k2']);
    expect((await call(byK1)).status).toBe(200);

    expect((await revoke(cfg, 'hs1')).status).toBe(200);
    expect401(await call(byK1), 'session_expired', KEY_GONE);
    expect401(await s.request('POST', '/embed/api/consent', { token: byK1 }), 'session_expired', KEY_GONE);
    expect({ status: (await call(byK2)).status }).toEqual({ status: 200 });
    // the iframe renews with a token of the remaining key and carries on
    expect((await call(await sessionOf(signToken(cfg.claims(), { alg: 'HS256', key: k2.secret, kid: 'k2' })))).status).toBe(200);
  });

  it('ends the sessions of a revoked per-account secret only', async () => {
    const cfg = await createEmbedFixture(s.app.ctx, { keys: ['hs', 'account'] });
    const onprem = await sessionOf(cfg.token({}, { key: 'account' }));
    const shared = await sessionOf(cfg.token());
    expect([await keyOf(onprem), await keyOf(shared)]).toEqual(['acct1', 'hs1']);
    expect((await revoke(cfg, 'acct1')).status).toBe(200);
    expect401(await call(onprem), 'session_expired', KEY_GONE);
    expect((await call(shared)).status).toBe(200);
  });

  it('ends the sessions of a revoked public key only', async () => {
    const cfg = await createEmbedFixture(s.app.ctx, { keys: ['rs', 'es'] });
    const byRs = await sessionOf(cfg.token({}, { key: 'rs' }));
    const byEs = await sessionOf(cfg.token({}, { key: 'es' }));
    expect([await keyOf(byRs), await keyOf(byEs)]).toEqual(['rs1', 'es1']);
    expect((await revoke(cfg, 'rs1')).status).toBe(200);
    expect401(await call(byRs), 'session_expired', KEY_GONE);
    expect((await call(byEs)).status).toBe(200);
  });

  it('ends the sessions of rotated secrets when their grace period ends, or at once without one', async () => {
    const cfg = await createEmbedFixture(s.app.ctx, { keys: ['hs'] });
    const old = await sessionOf(cfg.token());
    const graced = await s.request('POST', `/api/v1/embed-configs/${cfg.configId}/rotate-secret`, {
      token: owner,
      body: { graceSeconds: 60 },
    });
    expect(graced.status, graced.text).toBe(201);
    const second = await sessionOf(signToken(cfg.claims(), { alg: 'HS256', key: graced.body.value, kid: graced.body.kid }));
    expect((await call(old)).status).toBe(200);
    s.clock.advance(61);
    expect401(await call(old), 'session_expired', KEY_GONE);
    expect((await call(second)).status).toBe(200);

    const now = await s.request('POST', `/api/v1/embed-configs/${cfg.configId}/rotate-secret`, { token: owner, body: { graceSeconds: 0 } });
    expect(now.status, now.text).toBe(201);
    expect401(await call(second), 'session_expired', KEY_GONE);
  });

  it('lets a session from before the key was recorded (key_kid NULL) live to its own expiry', async () => {
    const cfg = await createEmbedFixture(s.app.ctx, { keys: ['hs'] });
    const legacy = await sessionOf(cfg.token({ exp: nowS() + 300 }));
    await s.app.ctx.db.run(sql`UPDATE embed_sessions SET key_kid = NULL WHERE token_hash = ${hashToken(legacy)}`);
    expect((await revoke(cfg, 'hs1')).status).toBe(200);
    expect((await call(legacy)).status).toBe(200);
    s.clock.advance(301);
    expect401(await call(legacy), 'session_expired', 'The session has expired; exchange a fresh embed token');
  });
});

describe('POST /embed/api/session rate limit', () => {
  it('answers 429 rate_limited in the envelope after the configured number of exchanges', async () => {
    const limited = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '3' } });
    try {
      const cfg = await createEmbedFixture(limited.app.ctx, { keys: ['hs'] });
      for (let i = 0; i < 3; i++) {
        expect((await limited.request('POST', '/embed/api/session', { body: { token: cfg.token() } })).status).toBe(200);
      }
      const res = await limited.request('POST', '/embed/api/session', { body: { token: cfg.token() } });
      expectError(res, 429, 'rate_limited', 'Too many requests; retry after the time in Retry-After');
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await limited.close();
    }
  });
});

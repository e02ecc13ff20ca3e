import { KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from '../db/sql.ts';
import { AppError } from '../errors.ts';
import { createEmbedFixture, type EmbedFixture, forgeToken } from '../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { hasDuplicateKeys, inspectEmbedToken, verifyEmbedToken } from './embedToken.ts';

let s: TestServer;
let fx: EmbedFixture;

beforeAll(async () => {
  s = await startTestServer();
  fx = await createEmbedFixture(s.app.ctx);
});
afterAll(() => s.close());
afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs `fn` and answers the AppError it throws (or rejects with). */
async function rejection(fn: () => unknown): Promise<AppError> {
  try {
    await fn();
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

describe('verifyEmbedToken', () => {
  it('answers the configuration, the key and the parsed claims of a good token', async () => {
    const verified = await verifyEmbedToken(s.app.ctx, fx.token({ embed_state: { plan: 'pro' }, sub: 'ignored-but-kept' }, { key: 'es' }));
    expect(verified.config.id).toBe(fx.configId);
    expect(verified.key).toEqual({ kid: 'es1', alg: 'ES256', account_id: null });
    expect(verified.claims).toMatchObject({ aud: fx.configId, embed_user_id: 'user-1', embed_state: { plan: 'pro' } });
  });

  it('J-01/J-15 always verifies with one explicit algorithm from the key row and a KeyObject from storage', async () => {
    const verify = vi.spyOn(jwt, 'verify');
    for (const key of ['hs', 'rs', 'es', 'account'] as const) await inspectEmbedToken(s.app.ctx, fx.token({}, { key }));
    expect(verify).toHaveBeenCalledTimes(4);
    const algs = verify.mock.calls.map(([, keyArg, options]) => {
      expect(keyArg).toBeInstanceOf(KeyObject);
      return (options as jwt.VerifyOptions).algorithms;
    });
    expect(algs).toEqual([['HS256'], ['RS256'], ['ES256'], ['HS256']]);
  });

  it('J-01 never reaches signature verification for alg none', async () => {
    const verify = vi.spyOn(jwt, 'verify');
    expect((await rejection(() => inspectEmbedToken(s.app.ctx, forgeToken({ alg: 'none', kid: 'hs1' }, fx.claims())))).code).toBe(
      'token_algorithm',
    );
    expect(verify).not.toHaveBeenCalled();
  });

  it('J-09 checks the expected configuration before anything else', async () => {
    const other = await createEmbedFixture(s.app.ctx, { keys: ['hs'] });
    const err = await rejection(() => inspectEmbedToken(s.app.ctx, fx.token(), other.configId));
    expect({ code: err.code, status: err.status }).toEqual({ code: 'token_audience', status: 401 });
  });

  it('J-11 looks a hostile kid up nowhere: no query carries it', async () => {
    const ctx = s.app.ctx;
    const all = vi.spyOn(ctx.db, 'all');
    const get = vi.spyOn(ctx.db, 'get');
    for (const kid of ['../../../../dev/null', "' OR 1=1--", 'k'.repeat(10_000)]) {
      const token = forgeToken({ alg: 'HS256', kid }, fx.claims(), { hmacSecret: fx.hs.secret });
      expect((await rejection(() => inspectEmbedToken(ctx, token))).code).toBe('token_kid');
    }
    const values = [...all.mock.calls, ...get.mock.calls].flatMap(([q]) => q.values);
    expect(values.some((v) => typeof v === 'string' && (v.includes('..') || v.includes("'") || v.length > 100))).toBe(false);
  });

  it('J-14 records a jti once; a stale record of a dead token is taken over', async () => {
    const ctx = s.app.ctx;
    const token = fx.token({ jti: 'unit-jti' });
    await verifyEmbedToken(ctx, token);
    const err = await rejection(() => verifyEmbedToken(ctx, token));
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'token_replayed',
      message: 'This embed token was already exchanged; mint a fresh one',
    });
    const row = await ctx.db.get<{ expires_at: string }>(sql`SELECT expires_at FROM used_token_ids WHERE jti = 'unit-jti'`);
    expect(row?.expires_at).toBe(new Date(((fx.claims().exp as number) + 30) * 1000).toISOString());

    await ctx.db.run(sql`UPDATE used_token_ids SET expires_at = '2000-01-01T00:00:00.000Z' WHERE jti = 'unit-jti'`);
    expect((await verifyEmbedToken(ctx, fx.token({ jti: 'unit-jti' }))).claims.jti).toBe('unit-jti');
  });

  it('inspectEmbedToken records nothing, so the caller can record inside its own transaction', async () => {
    const token = fx.token({ jti: 'inspect-only' });
    await inspectEmbedToken(s.app.ctx, token);
    await inspectEmbedToken(s.app.ctx, token);
    expect(await s.app.ctx.db.get(sql`SELECT jti FROM used_token_ids WHERE jti = 'inspect-only'`)).toBeUndefined();
  });

  it('logs a rejection with its code, configuration and kid, never the token', async () => {
    const token = fx.token({ exp: Math.floor(s.clock.now() / 1000) - 100, iat: Math.floor(s.clock.now() / 1000) - 200 });
    expect((await rejection(() => inspectEmbedToken(s.app.ctx, token))).code).toBe('token_expired');
    const line = JSON.parse(s.logs.at(-1) ?? '{}');
    expect(line).toMatchObject({
      level: 'info',
      msg: 'embed token rejected',
      errorCode: 'token_expired',
      configId: fx.configId,
      kid: 'hs1',
    });
    expect(s.logs.join('\n')).not.toContain(token.split('.')[2]);
  });

  it('rejects a token longer than the cap before decoding it', async () => {
    const err = await rejection(() => inspectEmbedToken(s.app.ctx, `${fx.token()}${'A'.repeat(20_000)}`));
    expect({ code: err.code, message: err.message }).toEqual({
      code: 'token_invalid',
      message: 'The embed token must be a JWT of at most 16384 characters',
    });
  });
});

describe('hasDuplicateKeys', () => {
  it.each([
    ['{"a":1,"a":2}', true],
    ['{"a":1,"\\u0061":2}', true],
    ['{"a":{"b":1,"b":2}}', true],
    ['{"a":[{"b":1},{"b":2}],"c":"a"}', false],
    ['{"a":"\\"a\\"","b":{"a":1}}', false],
    ['{"x":[1,{"y":2,"z":[{"y":3}]}],"y":4}', false],
    ['{"x":[1,{"y":2,"z":[{"y":3}]}],"x":4}', true],
  ])('%s → %s', (json, expected) => {
    JSON.parse(json);
    expect(hasDuplicateKeys(json)).toBe(expected);
  });
});

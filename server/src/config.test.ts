import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

const goodKey = () => crypto.randomBytes(32).toString('base64');

function configError(env: Record<string, string | undefined>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('loadConfig accepted the environment');
}

describe('loadConfig', () => {
  it('refuses a missing PATCHBAY_ENCRYPTION_KEY, naming it and saying how to make one', () => {
    const err = configError({});
    expect(err.message).toContain('PATCHBAY_ENCRYPTION_KEY is missing');
    expect(err.message).toContain('32 random bytes, base64');
    expect(err.message).toContain('patchbay keys generate');
  });

  it.each([
    ['31 bytes', crypto.randomBytes(31).toString('base64')],
    ['33 bytes', crypto.randomBytes(33).toString('base64')],
    ['not base64', `${'!'.repeat(43)}=`],
    ['hex instead of base64', crypto.randomBytes(32).toString('hex')],
    ['empty', ''],
  ])('refuses a malformed key (%s)', (_what, key) => {
    const err = configError({ PATCHBAY_ENCRYPTION_KEY: key });
    expect(err.message).toMatch(/PATCHBAY_ENCRYPTION_KEY is (malformed|missing)/);
    expect(err.message).toContain('patchbay keys generate');
  });

  it('accepts a 32-byte base64 key (standard or url-safe alphabet) and freezes the result', () => {
    const raw = crypto.randomBytes(32);
    for (const text of [raw.toString('base64'), raw.toString('base64url')]) {
      const config = loadConfig({ PATCHBAY_ENCRYPTION_KEY: text });
      expect(config.encryptionKey.equals(raw)).toBe(true);
      expect(Object.isFrozen(config)).toBe(true);
    }
  });

  it('has the documented defaults', () => {
    const config = loadConfig({ PATCHBAY_ENCRYPTION_KEY: goodKey() });
    expect(config).toMatchObject({
      port: 3000,
      publicUrl: 'http://localhost:3000',
      dbFile: './data/patchbay.db',
      databaseUrl: null,
      databasePoolSize: 10,
      previousEncryptionKeys: [],
      allowInsecureLoopback: false,
      trustProxyHops: 0,
      loginRateLimit: 10,
      loginIpRateLimit: 30,
      passwordHashConcurrency: 2,
      passwordHashMaxWaitMs: 1000,
      credentialUserRateLimit: 10,
      credentialConfigRateLimit: 300,
      worker: true,
      runRetentionDays: 30,
    });
  });

  it('refuses a malformed previous key and names the variable', () => {
    const err = configError({ PATCHBAY_ENCRYPTION_KEY: goodKey(), PATCHBAY_PREVIOUS_ENCRYPTION_KEYS: `${goodKey()},short` });
    expect(err.message).toContain('PATCHBAY_PREVIOUS_ENCRYPTION_KEYS');
  });

  it('lists every bad variable at once, one per line', () => {
    const err = configError({ PORT: 'eighty', PATCHBAY_PUBLIC_URL: 'ftp://x', PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'yes' });
    const lines = err.message.split('\n').slice(1);
    expect(lines.map((l) => l.match(/^- ([A-Z_]+)/)?.[1]).sort()).toEqual(
      ['PATCHBAY_ALLOW_INSECURE_LOOPBACK', 'PATCHBAY_ENCRYPTION_KEY', 'PATCHBAY_PUBLIC_URL', 'PORT'].sort(),
    );
  });

  it('never echoes a key value in its message', () => {
    const almost = crypto.randomBytes(31).toString('base64');
    expect(configError({ PATCHBAY_ENCRYPTION_KEY: almost }).message).not.toContain(almost);
  });

  it('selects PostgreSQL with a postgres:// or postgresql:// PATCHBAY_DATABASE_URL, and sizes its pool', () => {
    for (const url of ['postgres://pb:secret@db.internal:5432/patchbay', 'postgresql://db.internal/patchbay?sslmode=require']) {
      const config = loadConfig({ PATCHBAY_ENCRYPTION_KEY: goodKey(), PATCHBAY_DATABASE_URL: url, PATCHBAY_DATABASE_POOL_SIZE: '25' });
      expect(config).toMatchObject({ databaseUrl: url, databasePoolSize: 25 });
    }
    expect(loadConfig({ PATCHBAY_ENCRYPTION_KEY: goodKey(), PATCHBAY_DATABASE_URL: '' }).databaseUrl).toBeNull();
  });

  it.each([
    ['another scheme', 'mysql://db.internal/patchbay'],
    ['a file path', './data/patchbay.db'],
    ['no host', 'postgres:///patchbay'],
  ])('refuses a PATCHBAY_DATABASE_URL that is %s, without echoing it', (_what, url) => {
    const err = configError({ PATCHBAY_ENCRYPTION_KEY: goodKey(), PATCHBAY_DATABASE_URL: url });
    expect(err.message).toContain('PATCHBAY_DATABASE_URL must be a postgres:// or postgresql:// URL');
    expect(err.message).not.toContain(url);
  });

  it('refuses a pool size below 1', () => {
    expect(configError({ PATCHBAY_ENCRYPTION_KEY: goodKey(), PATCHBAY_DATABASE_POOL_SIZE: '0' }).message).toContain(
      'PATCHBAY_DATABASE_POOL_SIZE',
    );
  });

  it('strips a trailing slash from the public URL', () => {
    expect(loadConfig({ PATCHBAY_ENCRYPTION_KEY: goodKey(), PATCHBAY_PUBLIC_URL: 'https://pb.example.com/' }).publicUrl).toBe(
      'https://pb.example.com',
    );
  });
});

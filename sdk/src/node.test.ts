import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signEmbedToken } from './node.ts';

const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('signEmbedToken', () => {
  it('signs HS256 with the secret string and the claims of docs/embed-token.md', () => {
    const secret = crypto.randomBytes(32).toString('base64url');
    const token = signEmbedToken({
      configId: 'cfg_a',
      secret,
      kid: 'key_1',
      user: { id: 'u1', name: 'Ada' },
      account: { id: 'acme' },
      expiresIn: 60,
    });
    const [h, p, sig] = token.split('.') as [string, string, string];
    expect(decode(h)).toEqual({ alg: 'HS256', typ: 'JWT', kid: 'key_1' });
    const claims = decode(p);
    expect(claims).toMatchObject({ aud: 'cfg_a', embed_user_id: 'u1', embed_account_id: 'acme', embed_user_name: 'Ada' });
    expect(claims.exp - claims.iat).toBe(60);
    expect(typeof claims.jti).toBe('string');
    expect(crypto.createHmac('sha256', secret).update(`${h}.${p}`).digest('base64url')).toBe(sig);
  });

  it('signs RS256 and ES256 with private keys, verifiable by their public keys', () => {
    for (const [type, opts] of [
      ['rsa', { modulusLength: 2048 }],
      ['ec', { namedCurve: 'prime256v1' }],
    ] as const) {
      const { privateKey, publicKey } = crypto.generateKeyPairSync(type as 'rsa', opts as never);
      const token = signEmbedToken({ configId: 'cfg_a', secret: privateKey, user: { id: 'u' }, account: { id: 'a' } });
      const [h, p, s] = token.split('.') as [string, string, string];
      const ok = crypto.verify(
        'sha256',
        Buffer.from(`${h}.${p}`),
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(s, 'base64url'),
      );
      expect(ok).toBe(true);
      expect(decode(h).alg).toBe(type === 'rsa' ? 'RS256' : 'ES256');
    }
  });

  it('refuses lifetimes over one hour and public keys', () => {
    expect(() => signEmbedToken({ configId: 'c', secret: 's', user: { id: 'u' }, account: { id: 'a' }, expiresIn: 3601 })).toThrow(
      RangeError,
    );
    const { publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    expect(() => signEmbedToken({ configId: 'c', secret: publicKey, user: { id: 'u' }, account: { id: 'a' } })).toThrow(TypeError);
  });
});

import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createKeyring } from './keyring.ts';
import { ciphertextKid, DecryptError, open, openJson, seal, sealJson } from './secretBox.ts';

const keyring = createKeyring(crypto.randomBytes(32));
const at = { table: 'connectors', row: 'crm', field: 'client_secret_enc' };
const SECRET = 'canary-client-secret-7f3a';

/** Flips one bit of one byte of part `index` (1 kid, 2 iv, 3 ciphertext, 4 tag) of a sealed value. */
function flip(sealed: string, index: number, byte = 0): string {
  const parts = sealed.split('.');
  const buf = Buffer.from(parts[index] as string, 'base64url');
  buf[byte] = (buf[byte] as number) ^ 0x01;
  parts[index] = buf.toString('base64url');
  return parts.join('.');
}

describe('secretBox', () => {
  it('round-trips text and JSON, and the ciphertext does not contain the plaintext', () => {
    const sealed = seal(keyring, at, SECRET);
    expect(sealed).toMatch(/^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(SECRET);
    expect(open(keyring, at, sealed)).toBe(SECRET);
    expect(openJson(keyring, at, sealJson(keyring, at, { a: [1, 'x'] }))).toEqual({ a: [1, 'x'] });
    expect(ciphertextKid(sealed)).toBe(keyring.current.kid);
  });

  it.each([
    ['IV', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ])('refuses a flipped byte in the %s', (_what, index) => {
    const sealed = seal(keyring, at, SECRET);
    expect(() => open(keyring, at, flip(sealed, index))).toThrow(DecryptError);
    expect(() => open(keyring, at, flip(sealed, index, 5))).toThrow(DecryptError);
  });

  it('refuses a changed key id (it is bound into the associated data, too)', () => {
    const other = createKeyring(crypto.randomBytes(32), [keyring.current.key]);
    const sealed = seal(other, at, SECRET);
    const relabelled = sealed.replace(other.current.kid, keyring.current.kid);
    expect(() => open(other, at, relabelled)).toThrow(DecryptError);
  });

  it('refuses ciphertext copied to another row, field or table', () => {
    const sealed = seal(keyring, at, SECRET);
    expect(() => open(keyring, { ...at, row: 'other' }, sealed)).toThrow(DecryptError);
    expect(() => open(keyring, { ...at, field: 'credentials_enc' }, sealed)).toThrow(DecryptError);
    expect(() => open(keyring, { ...at, table: 'connector_auths' }, sealed)).toThrow(DecryptError);
  });

  it('refuses a value under an unknown key, and junk, without echoing the value', () => {
    const foreign = seal(createKeyring(crypto.randomBytes(32)), at, SECRET);
    expect(() => open(keyring, at, foreign)).toThrow(/is not in the keyring/);
    for (const junk of ['', 'v1.a.b.c', SECRET, 'v2.x.y.z.w']) {
      let err: unknown;
      try {
        open(keyring, at, junk);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(DecryptError);
      expect((err as Error).message).not.toContain(SECRET);
    }
  });

  it('uses a distinct IV for each of 10,000 seals of the same plaintext', () => {
    const ivs = new Set<string>();
    for (let i = 0; i < 10_000; i++) ivs.add(seal(keyring, at, SECRET).split('.')[2] as string);
    expect(ivs.size).toBe(10_000);
  });

  it('opens values of a previous key when that key is in the keyring', () => {
    const oldKey = crypto.randomBytes(32);
    const sealedOld = seal(createKeyring(oldKey), at, SECRET);
    const rotated = createKeyring(crypto.randomBytes(32), [oldKey]);
    expect(open(rotated, at, sealedOld)).toBe(SECRET);
    expect(ciphertextKid(seal(rotated, at, SECRET))).toBe(rotated.current.kid);
  });
});

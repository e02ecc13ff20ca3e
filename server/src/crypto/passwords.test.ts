import { describe, expect, it } from 'vitest';
import { DUMMY_PASSWORD_HASH, hashPassword, verifyPassword } from './passwords.ts';

describe('passwords', () => {
  it('hashes with scrypt N=2^17, r=8, p=1 and a random salt', async () => {
    const a = await hashPassword('correct horse battery staple');
    const b = await hashPassword('correct horse battery staple');
    expect(a).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain('correct horse');
  });

  it('verifies the right password and refuses a wrong one', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapl', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('normalises Unicode so the same password typed differently matches', async () => {
    const hash = await hashPassword('caf\u00e9 au lait 42!');
    expect(await verifyPassword('cafe\u0301 au lait 42!', hash)).toBe(true);
  });

  it('never matches a malformed hash, nor one with cost parameters beyond the cap', async () => {
    for (const bad of ['', 'plain', 'bcrypt$x', 'scrypt$abc$8$1$c2FsdA$aGFzaA', `scrypt$${2 ** 24}$8$1$c2FsdA$aGFzaA`]) {
      expect(await verifyPassword('anything', bad)).toBe(false);
    }
  });

  it('the dummy hash is well-formed (so it costs a real scrypt) and matches nothing', async () => {
    expect(DUMMY_PASSWORD_HASH).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(await verifyPassword('', DUMMY_PASSWORD_HASH)).toBe(false);
  });
});

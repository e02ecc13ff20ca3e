import { describe, expect, it } from 'vitest';
import { REDACTED, secretRedactor } from './secretRedaction.ts';

describe('secretRedactor (S-07)', () => {
  it('replaces a secret as is and in every encoded form, in either hex case', () => {
    const secret = 'k+y/=&? é*';
    const r = secretRedactor([secret]);
    const once = encodeURIComponent(secret);
    for (const form of [
      secret,
      once,
      once.toLowerCase(),
      once.replace('*', '%2A'),
      new URLSearchParams({ v: secret }).toString().slice(2),
      encodeURIComponent(once),
      Buffer.from(secret, 'utf8').toString('latin1'),
    ]) {
      expect(r.redact(`before ${form} after`), form).toBe(`before ${REDACTED} after`);
      expect(r.found(form)).toBe(true);
    }
  });

  it('treats regular-expression characters literally and prefers the longest of overlapping secrets', () => {
    const r = secretRedactor(['a.c', 'a.c-and-more', '']);
    expect(r.redact('abc a.c a.c-and-more')).toBe(`abc ${REDACTED} ${REDACTED}`);
    expect(r.found('abc')).toBe(false);
  });

  it('with no secrets, changes nothing', () => {
    const r = secretRedactor(['']);
    expect(r.redact('https://x.test/?a=1')).toBe('https://x.test/?a=1');
    expect(r.found('anything')).toBe(false);
  });
});

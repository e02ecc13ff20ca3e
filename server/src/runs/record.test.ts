import { describe, expect, it } from 'vitest';
import { cutUtf8, isCredentialKey, PREVIEW_BYTES, redactedPath, redaction } from './record.ts';

describe('redactedPath', () => {
  it('keeps the path and the query names, never the values', () => {
    expect(redactedPath('/contacts/42?list=leads&api_key=K&flag&page=2')).toBe(
      '/contacts/42?list=[redacted]&api_key=[redacted]&flag&page=[redacted]',
    );
    expect(redactedPath('/contacts')).toBe('/contacts');
  });
});

describe('previews', () => {
  const r = redaction(['sk_live_CANARY-KEY', 'pw "quoted" CANARY', 'abc']);

  it('redacts every injected secret and password input, in any encoding', () => {
    const body = Buffer.from(
      `echo: sk_live_CANARY-KEY, ${encodeURIComponent('sk_live_CANARY-KEY')}; ${JSON.stringify({ note: 'pw "quoted" CANARY' })} abc`,
    );
    const out = r.preview(body, 'text/plain') ?? '';
    expect(out).not.toContain('CANARY');
    expect(out).toContain('[redacted]');
    // secrets too short to be told from text are not hunted (they would redact every "abc" of an answer)
    expect(out).toContain('abc');
  });

  it('redacts JSON values under credential keys at any depth, and tokens by their shape', () => {
    const body = {
      id: 7,
      access_token: 'at-CANARY',
      nested: [{ refreshToken: 'rt-CANARY', name: 'Ada' }],
      config: { clientSecret: 'cs-CANARY', password: 'pw-CANARY', 'X-Api-Key': 'xk-CANARY' },
      log: 'sent Authorization: Bearer abcdefgh-CANARY and eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl',
    };
    const out = r.preview(Buffer.from(JSON.stringify(body)), 'application/json') ?? '';
    expect(out).not.toMatch(/CANARY|eyJ/);
    expect(JSON.parse(out)).toMatchObject({ id: 7, access_token: '[redacted]', nested: [{ refreshToken: '[redacted]', name: 'Ada' }] });
  });

  it('redacts key=value credentials in text and form bodies', () => {
    const out = r.preview(Buffer.from('token=tk-CANARY&user=ada\npassword: "pw-CANARY2"'), 'text/plain') ?? '';
    expect(out).toBe('token=[redacted]&user=ada\npassword: [redacted]');
  });

  it('keeps at most 1 KB, cut on a character boundary, and says what binary data was', () => {
    const out = r.preview(Buffer.from('ä'.repeat(2000)), 'text/plain') ?? '';
    expect(Buffer.byteLength(out)).toBeLessThanOrEqual(PREVIEW_BYTES);
    expect(out).toBe('ä'.repeat(512));
    expect(r.preview(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 1]), 'image/png')).toBe('[7 bytes of image/png]');
    expect(r.preview(Buffer.alloc(0), 'text/plain')).toBeNull();
    expect(cutUtf8('aä', 2)).toBe('a');
  });

  it('knows credential keys', () => {
    expect(
      ['password', 'api_key', 'apiKey', 'X-Api-Key', 'client_secret', 'refresh_token', 'Authorization', 'sessionId'].every(isCredentialKey),
    ).toBe(true);
    expect(['name', 'email', 'list', 'id', 'status'].some(isCredentialKey)).toBe(false);
  });
});

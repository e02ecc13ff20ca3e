import { describe, expect, it } from 'vitest';
import { originPatternSchema } from '../schemas/embedConfigs.ts';
import { isOriginPattern, originAllowed, originMatches, originPatternRegExp } from './origins.ts';

describe('isOriginPattern (P-12)', () => {
  it.each([
    'https://app.acme.example',
    'https://app.acme.example:8443',
    'https://*.acme.example',
    'https://*.eu.acme.example',
    'https://localhost',
    'https://localhost:8443',
    'http://localhost:5173',
    'http://localhost',
    'http://127.0.0.1:8080',
    'http://[::1]:3000',
    'https://xn--bcher-kva.example',
    'https://192.0.2.10',
  ])('accepts %s', (value) => {
    expect(isOriginPattern(value)).toBe(true);
    expect(originPatternSchema.safeParse(value).success).toBe(true);
  });

  it.each([
    ['*', 'a lone wildcard'],
    ['https://*', 'a wildcard host'],
    ['https://*.com', 'a wildcard over a single label'],
    ['https://*.*.acme.example', 'two wildcards'],
    ['https://a.*.acme.example', 'a wildcard in the middle'],
    ['https://*acme.example', 'a wildcard glued to a label'],
    ['http://example.com', 'plain http on a public host'],
    ['http://*.example.com', 'plain http wildcard'],
    ['http://127.0.0.2', 'plain http on another loopback address'],
    ['https://a.com/path', 'a path'],
    ['https://a.com/', 'a trailing slash'],
    ['https://a.com?x=1', 'a query'],
    ['https://a.com#x', 'a fragment'],
    ['https://a.com; script-src *', 'a CSP injection'],
    ["https://a.com 'unsafe-inline'", 'a CSP keyword'],
    ['https://a.com\nscript-src *', 'a newline'],
    ['null', 'the opaque origin'],
    ['', 'nothing'],
    ['HTTPS://APP.ACME.EXAMPLE', 'upper-case scheme and host'],
    ['https://App.acme.example', 'an upper-case letter in the host'],
    ['https://app.acme.example.', 'a trailing dot'],
    ['https://user@app.acme.example', 'credentials'],
    ['https://app.acme.example:443', 'the default port'],
    ['http://localhost:80', 'the default http port'],
    ['https://app.acme.example:0', 'port zero'],
    ['https://app.acme.example:65536', 'a port out of range'],
    ['https://app.acme.example:0443', 'a port with a leading zero'],
    ['https://app.acme.example:', 'an empty port'],
    ['https://-app.acme.example', 'a label starting with a hyphen'],
    ['https://app_x.acme.example', 'an underscore'],
    ['https://*.1.2.3', 'a wildcard over an IP-like suffix'],
    ['https://app.123', 'a numeric top-level label'],
    ['https://999.1.1.1', 'an impossible IPv4 address'],
    ['javascript:alert(1)', 'a javascript URL'],
    ['ftp://files.acme.example', 'another scheme'],
    [`https://${'a'.repeat(63)}.${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.${'e'.repeat(50)}.example`, 'over 300 characters'],
  ])('rejects %j (%s)', (value) => {
    expect(isOriginPattern(value)).toBe(false);
    expect(originPatternSchema.safeParse(value).success).toBe(false);
  });
});

describe('originMatches', () => {
  const wildcard = 'https://*.acme.example';

  it.each(['https://a.acme.example', 'https://a.b.acme.example', 'https://x-1.acme.example'])('wildcard matches %s', (origin) => {
    expect(originMatches(wildcard, origin)).toBe(true);
  });

  it.each([
    'https://acme.example',
    'https://evilacme.example',
    'https://acme.example.evil.com',
    'https://a.acme.example.evil.com',
    'http://a.acme.example',
    'https://.acme.example',
    'https://a..acme.example',
    'https://a.acme.example:8443',
    'https://A.acme.example',
    'https://x/y.acme.example',
    'https://evil.com#.acme.example',
    'null',
  ])('wildcard does not match %s', (origin) => {
    expect(originMatches(wildcard, origin)).toBe(false);
  });

  it('a wildcard with a port needs that port', () => {
    expect(originMatches('https://*.acme.example:8443', 'https://a.acme.example:8443')).toBe(true);
    expect(originMatches('https://*.acme.example:8443', 'https://a.acme.example')).toBe(false);
  });

  it('an exact pattern matches only itself', () => {
    expect(originMatches('https://app.acme.example', 'https://app.acme.example')).toBe(true);
    expect(originMatches('https://app.acme.example', 'https://app.acme.example:443')).toBe(false);
    expect(originMatches('https://app.acme.example', 'https://x.app.acme.example')).toBe(false);
    expect(originMatches('http://localhost:5173', 'http://localhost:5174')).toBe(false);
  });

  it('originAllowed tries every pattern and refuses the opaque origin', () => {
    const patterns = ['http://localhost:5173', 'https://*.acme.example'];
    expect(originAllowed(patterns, 'http://localhost:5173')).toBe(true);
    expect(originAllowed(patterns, 'https://eu.acme.example')).toBe(true);
    expect(originAllowed(patterns, 'https://acme.example')).toBe(false);
    expect(originAllowed(patterns, 'null')).toBe(false);
    expect(originAllowed([], 'https://eu.acme.example')).toBe(false);
  });
});

describe('originPatternRegExp', () => {
  const patterns = [
    'https://*.acme.example',
    'https://*.acme.example:8443',
    'https://app.acme.example',
    'http://localhost:5173',
    'http://[::1]:3000',
  ];
  const origins = [
    'https://a.acme.example',
    'https://a.b.acme.example',
    'https://x-1.acme.example',
    'https://acme.example',
    'https://evilacme.example',
    'https://aXacme.example',
    'https://acme.example.evil.com',
    'https://a.acme.example.evil.com',
    'http://a.acme.example',
    'https://.acme.example',
    'https://a..acme.example',
    'https://a.acme.example:8443',
    'https://A.acme.example',
    'https://x/y.acme.example',
    'https://evil.com#.acme.example',
    'https://app.acme.example',
    'https://app.acme.example:443',
    'https://appxacme.example',
    'https://x.app.acme.example',
    'http://localhost:5173',
    'http://localhost:51730',
    'http://localhost:5174',
    'http://[::1]:3000',
    `https://${'a'.repeat(290)}.acme.example`,
    'null',
  ];

  it.each(patterns.flatMap((p) => origins.map((o) => [p, o] as const)))('%s against %s agrees with originMatches', (pattern, origin) => {
    expect(originPatternRegExp(pattern).test(origin)).toBe(originMatches(pattern, origin));
  });

  it('escapes dots so an exact pattern cannot match a look-alike', () => {
    expect(originPatternRegExp('https://app.acme.example').test('https://appxacme.example')).toBe(false);
    expect(originPatternRegExp('https://*.acme.example').test('https://a.acmeXexample')).toBe(false);
    expect(originPatternRegExp('https://*.acme.example').test('https://a.acme.example')).toBe(true);
  });
});

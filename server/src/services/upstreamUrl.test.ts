import { describe, expect, it } from 'vitest';
import { buildUpstreamUrl, UnsafePathError } from './upstreamUrl.ts';

const BASE = 'https://api.example.test/v2';

describe('buildUpstreamUrl (S-01)', () => {
  it.each([
    ['users/42', '', 'https://api.example.test/v2/users/42'],
    ['users/42/', '', 'https://api.example.test/v2/users/42/'],
    ['a%20b/file.json', 'x=1&y=%2F', 'https://api.example.test/v2/a%20b/file.json?x=1&y=%2F'],
    ['a/b:c', '?q=1', 'https://api.example.test/v2/a/b:c?q=1'],
    ['%252e%252ehidden', '', 'https://api.example.test/v2/%252e%252ehidden'],
    ['', '', 'https://api.example.test/v2/'],
  ])('%s ? %s → %s', (path, search, expected) => {
    expect(buildUpstreamUrl(BASE, path, search).toString()).toBe(expected);
  });

  it('treats the base URL as a directory whether or not it ends with a slash', () => {
    expect(buildUpstreamUrl('https://api.example.test/v2/', 'x').toString()).toBe('https://api.example.test/v2/x');
    expect(buildUpstreamUrl('https://api.example.test', 'x').toString()).toBe('https://api.example.test/x');
  });

  it.each([
    'https://evil.test/x',
    'http:/evil.test',
    'HTTP:evil.test',
    'javascript:alert(1)',
    'urn:thing',
    '/evil.test/x',
    '//evil.test/x',
    '\\\\evil.test\\x',
    'a\\b',
    '@evil.test',
    'user@evil.test/x',
    '..',
    '../x',
    'a/../../x',
    './x',
    'a/./b',
    '%2e%2e/x',
    '%2E%2E/x',
    '.%2e/x',
    '%2e/x',
    '%252e%252e/x',
    '%25252e%25252e/x',
    'a%2fb',
    'a%2F..%2F..%2Fx',
    '..%2f..%2fx',
    'a%5cb',
    '%40evil.test',
    'a%0d%0aX-Injected:%201',
    'a%00b',
    'a\u0000b',
    'a\r\nb',
    'a b',
    'a//b',
    '%c0%ae%c0%ae/x',
    '%zz',
    'a?b',
    'a#b',
  ])('refuses %j', (path) => {
    expect(() => buildUpstreamUrl(BASE, path)).toThrow(UnsafePathError);
  });

  it('refuses control characters and fragments in the query string', () => {
    expect(() => buildUpstreamUrl(BASE, 'x', 'a=1\r\nb')).toThrow(UnsafePathError);
    expect(() => buildUpstreamUrl(BASE, 'x', 'a=1#frag')).toThrow(UnsafePathError);
  });
});

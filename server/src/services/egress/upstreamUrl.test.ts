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
    ['v1;format=json/items', '', 'https://api.example.test/v2/v1;format=json/items'],
    ['...', '', 'https://api.example.test/v2/...'],
    ['%EF%BC%8Ex', '', 'https://api.example.test/v2/%EF%BC%8Ex'],
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
    // `;` parameters (Tomcat, Jetty, Spring strip them before resolving dot segments)
    '..;',
    '..;/x',
    'a/..;/..;/x',
    '..;jsessionid=1/x',
    '.;x/y',
    '.;/x',
    '..%3b/x',
    '..%3B/x',
    '%2e%2e;/x',
    '.%2e;x/y',
    '..%253b/x',
    // Unicode forms that NFKC turns into dots, separators or `@`
    '%EF%BC%8E%EF%BC%8E/x',
    '%ef%bc%8e%ef%bc%8e/x',
    '%EF%BC%8E/x',
    '.%EF%BC%8E/x',
    '%2e%EF%BC%8E/x',
    '%EF%BC%8E%2E/x',
    '%25EF%25BC%258E%25EF%25BC%258E/x',
    '\uFF0E\uFF0E/x',
    '%E2%80%A5/x',
    '%EF%B9%92%EF%B9%92/x',
    '%EF%BC%8E%EF%BC%8E%EF%BC%9Bx/y',
    '%EF%BC%8E%EF%BC%8E;x/y',
    'a%EF%BC%8Fb',
    'a%EF%BC%BCb',
    '%EF%BC%A0evil.test',
    'javascript%EF%BC%9Aalert(1)',
  ])('refuses %j', (path) => {
    expect(() => buildUpstreamUrl(BASE, path)).toThrow(UnsafePathError);
  });

  it('refuses control characters and fragments in the query string', () => {
    expect(() => buildUpstreamUrl(BASE, 'x', 'a=1\r\nb')).toThrow(UnsafePathError);
    expect(() => buildUpstreamUrl(BASE, 'x', 'a=1#frag')).toThrow(UnsafePathError);
  });
});

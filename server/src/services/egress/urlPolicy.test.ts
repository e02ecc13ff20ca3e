import { describe, expect, it } from 'vitest';
import { isInternalAddress, isLoopbackHost, urlProblem } from './urlPolicy.ts';

const strict = { allowInsecureLoopback: false };
const dev = { allowInsecureLoopback: true };

describe('urlProblem', () => {
  it.each(['https://api.example.com', 'https://api.example.com:8443/v1?x=1', 'https://[2001:db8::1]/'])('accepts %s', (url) => {
    expect(urlProblem(url, strict)).toBeNull();
    expect(urlProblem(url, dev)).toBeNull();
  });

  it.each([
    ['http://api.example.com', 'must be an https:// URL'],
    ['ftp://api.example.com', 'must be an https:// URL'],
    ['not a url', 'must be an absolute URL'],
    ['https://user@api.example.com', 'must not contain credentials (user:pass@)'],
    ['https://:pw@api.example.com', 'must not contain credentials (user:pass@)'],
    ['https://10.0.0.2', 'must not point at a private, link-local or reserved address'],
    ['https://172.16.5.4', 'must not point at a private, link-local or reserved address'],
    ['https://100.64.0.1', 'must not point at a private, link-local or reserved address'],
    ['https://0.0.0.0', 'must not point at a private, link-local or reserved address'],
    ['https://[fe80::1]', 'must not point at a private, link-local or reserved address'],
    ['https://[::ffff:10.0.0.1]', 'must not point at a private, link-local or reserved address'],
    ['https://localhost', 'must not point at a loopback host (PATCHBAY_ALLOW_INSECURE_LOOPBACK is off)'],
    ['http://127.0.0.1:6379', 'must not point at a loopback host (PATCHBAY_ALLOW_INSECURE_LOOPBACK is off)'],
    ['https://0x7f.1', 'must not point at a loopback host (PATCHBAY_ALLOW_INSECURE_LOOPBACK is off)'],
    ['https://2130706433', 'must not point at a loopback host (PATCHBAY_ALLOW_INSECURE_LOOPBACK is off)'],
    ['https://[::ffff:127.0.0.1]', 'must not point at a loopback host (PATCHBAY_ALLOW_INSECURE_LOOPBACK is off)'],
    ['http://api.localhost', 'must not point at a loopback host (PATCHBAY_ALLOW_INSECURE_LOOPBACK is off)'],
  ])('refuses %s when strict', (url, message) => {
    expect(urlProblem(url, strict)).toBe(message);
  });

  it('allows loopback (plain HTTP too) only in insecure-loopback mode; never other plain HTTP', () => {
    for (const url of ['http://127.0.0.1:6379', 'http://localhost:4000/x', 'http://[::1]:80', 'https://localhost']) {
      expect(urlProblem(url, dev)).toBeNull();
    }
    expect(urlProblem('http://api.example.com', dev)).toBe('must be an https:// URL (plain http:// only for loopback hosts)');
    expect(urlProblem('http://10.0.0.1', dev)).toBe('must be an https:// URL (plain http:// only for loopback hosts)');
    expect(urlProblem('https://u:p@localhost', dev)).toBe('must not contain credentials (user:pass@)');
  });
});

describe('address helpers (for the proxy at request time)', () => {
  it('knows loopback hosts', () => {
    expect(isLoopbackHost('127.8.9.10')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('LOCALHOST.')).toBe(true);
    expect(isLoopbackHost('localhost.example.com')).toBe(false);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
  });

  it('knows internal addresses, IPv4-mapped ones included', () => {
    for (const a of ['10.1.1.1', '192.168.0.1', '169.254.169.254', '127.0.0.1', '::1', 'fc00::1', '::ffff:192.168.0.1', '224.0.0.1']) {
      expect(isInternalAddress(a)).toBe(true);
    }
    for (const a of ['8.8.8.8', '2001:4860:4860::8888', '172.32.0.1', 'example.com']) {
      expect(isInternalAddress(a)).toBe(false);
    }
  });
});

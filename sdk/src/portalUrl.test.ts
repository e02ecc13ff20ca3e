import { describe, expect, it } from 'vitest';
import { portalUrl } from './portalUrl.ts';

const base = { url: 'https://patchbay.example.com', configId: 'cfg_abc123' };

describe('portalUrl', () => {
  it('puts only non-secret options in the query', () => {
    expect(portalUrl({ ...base, language: 'de', theme: { mode: 'dark' }, flowId: 'flow_0123456789ab' })).toBe(
      'https://patchbay.example.com/embed/cfg_abc123?lang=de&theme=dark&flowId=flow_0123456789ab',
    );
    expect(portalUrl(base)).toBe('https://patchbay.example.com/embed/cfg_abc123');
  });

  it('never carries the token, whatever else the options hold', () => {
    const token = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl';
    const options = { ...base, token, language: 'en' as const };
    const url = portalUrl(options);
    expect(url).toBe('https://patchbay.example.com/embed/cfg_abc123?lang=en');
    expect(url).not.toContain('eyJ');
  });

  it('keeps a path prefix and drops trailing slashes', () => {
    expect(portalUrl({ ...base, url: 'http://127.0.0.1:3000/patchbay/' })).toBe('http://127.0.0.1:3000/patchbay/embed/cfg_abc123');
  });

  it.each([
    [{ url: 'patchbay.example.com' }, '`url` must be an absolute URL such as https://patchbay.example.com'],
    [{ url: 'javascript:alert(1)' }, '`url` must be an http(s) URL without credentials, query or fragment'],
    [{ url: 'https://u:p@patchbay.example.com' }, '`url` must be an http(s) URL without credentials, query or fragment'],
    [{ url: 'https://patchbay.example.com/?token=x' }, '`url` must be an http(s) URL without credentials, query or fragment'],
    [{ configId: '../admin' }, '`configId` must look like cfg_…'],
    [{ language: 'fr' }, '`language` must be one of en, de'],
    [{ theme: { mode: 'neon' } }, '`theme.mode` must be one of light, dark, auto'],
    [{ flowId: 'flow_x&token=1' }, '`flowId` must look like flow_…'],
  ])('refuses %j', (override, message) => {
    expect(() => portalUrl({ ...base, ...(override as object) })).toThrow(`Patchbay: ${message}`);
  });
});

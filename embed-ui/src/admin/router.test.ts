import { describe, expect, it } from 'vitest';
import { matchRoute, readFilters, sectionOf, sectionPath, withFilters } from './router.ts';

describe('matchRoute', () => {
  it.each([
    ['/admin', { name: 'overview' }],
    ['/admin/', { name: 'overview' }],
    ['/admin/integrations', { name: 'integrations' }],
    ['/admin/integrations/int_0123456789ab', { name: 'integration', id: 'int_0123456789ab' }],
    ['/admin/connector-auths', { name: 'connectorAuths' }],
    ['/admin/runs', { name: 'runs' }],
    ['/admin/runs/run_0123456789ab', { name: 'run', id: 'run_0123456789ab' }],
    ['/admin/callbacks/msg_0123456789ab', { name: 'callbackDelivery', id: 'msg_0123456789ab' }],
    ['/admin/connectors/new', { name: 'connectorNew' }],
    ['/admin/connectors/crm', { name: 'connector', id: 'crm' }],
    ['/admin/embed-configs/new', { name: 'embedConfigNew' }],
    ['/admin/embed-configs/cfg_abcdefghij', { name: 'embedConfig', id: 'cfg_abcdefghij' }],
    ['/admin/flows/new', { name: 'flowNew' }],
    ['/admin/flows/flow_abcdefghij', { name: 'flow', id: 'flow_abcdefghij' }],
    ['/admin/callbacks', { name: 'callbacks' }],
    ['/admin/audit-log', { name: 'audit' }],
    ['/admin/admin-users', { name: 'adminUsers' }],
    ['/admin/api-tokens', { name: 'apiTokens' }],
  ])('%s is %o', (path, page) => {
    expect(matchRoute(path)).toEqual(page);
  });

  it.each([
    '/admin/nope',
    '/admin/runs/new',
    '/admin/runs/run_1/steps',
    '/admin/integrations/new',
    '/admin/integrations/a/b',
    '/admin/flows/%E0%A4%A',
    '/admin/flows/has%20space',
    '/administrator',
    '/embed/cfg_x',
  ])('%s names no page', (path) => {
    expect(matchRoute(path)).toEqual({ name: 'notFound' });
  });

  it('knows the section of detail and "new" pages, and builds their paths back', () => {
    expect(sectionOf(matchRoute('/admin/flows/flow_abcdefghij'))).toBe('flows');
    expect(sectionOf(matchRoute('/admin/connectors/new'))).toBe('connectors');
    expect(sectionOf(matchRoute('/admin/audit-log'))).toBe('audit');
    expect(sectionOf(matchRoute('/admin'))).toBeUndefined();
    expect(sectionPath('embedConfigs', 'cfg_abc')).toBe('/admin/embed-configs/cfg_abc');
    expect(sectionPath('connectorAuths')).toBe('/admin/connector-auths');
    expect(matchRoute(sectionPath('connectors', 'crm'))).toEqual({ name: 'connector', id: 'crm' });
  });
});

describe('filters in the URL', () => {
  const spec = { configId: 'text', status: ['enabled', 'disabled'], userId: 'text' } as const;

  it('reads set values, trims them, and drops unknown keys, values outside a closed set and overlong text', () => {
    expect(readFilters('?configId=cfg_1&status=disabled&userId=%20u1%20&extra=x', spec)).toEqual({
      configId: 'cfg_1',
      status: 'disabled',
      userId: 'u1',
    });
    expect(readFilters('?status=bogus&userId=', spec)).toEqual({});
    expect(readFilters(`?userId=${'x'.repeat(256)}`, spec)).toEqual({});
    expect(readFilters('', spec)).toEqual({});
  });

  it('writes a shareable URL without the empty ones, and reading it back gives the same filters', () => {
    const url = withFilters('/admin/integrations', { configId: 'cfg_1', status: '', userId: 'a b&c', accountId: undefined });
    expect(url).toBe('/admin/integrations?configId=cfg_1&userId=a+b%26c');
    expect(readFilters(url.slice(url.indexOf('?')), spec)).toEqual({ configId: 'cfg_1', userId: 'a b&c' });
    expect(withFilters('/admin/integrations', { status: '  ' })).toBe('/admin/integrations');
  });
});

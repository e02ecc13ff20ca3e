import { describe, expect, it } from 'vitest';
import { ApiError } from '../lib/api.ts';
import { callUrl, createConsoleApi } from './api.ts';

describe('callUrl', () => {
  it('fills path parameters (encoded) and the query values that are set', () => {
    expect(callUrl('GET /integrations', { query: { status: 'enabled', userId: undefined, accountId: '', limit: 50 } })).toBe(
      '/admin/api/integrations?status=enabled&limit=50',
    );
    expect(callUrl('DELETE /embed-configs/{id}/keys/{kid}', { params: { id: 'cfg_1', kid: 'a/b' } })).toBe(
      '/admin/api/embed-configs/cfg_1/keys/a%2Fb',
    );
    expect(() => callUrl('GET /flows/{id}', {})).toThrow('missing path parameter id');
  });
});

describe('the console client', () => {
  const answer = (status: number, body?: unknown) => async () =>
    new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

  it('sends JSON with the cookie (same origin), and answers the parsed body', async () => {
    const calls: [string, RequestInit][] = [];
    const api = createConsoleApi(
      () => {},
      async (url, init) => {
        calls.push([url, init]);
        return new Response(JSON.stringify({ id: 'int_1' }), { status: 200 });
      },
    );
    expect(await api.call('POST /integrations/{id}/disable', { params: { id: 'int_1' } })).toEqual({ id: 'int_1' });
    await api.call('PUT /admin-users/{id}/permissions', { params: { id: 'adm_1' }, body: { permissions: [] } });
    expect(calls.map(([u, i]) => [u, i.method, i.credentials, i.body])).toEqual([
      ['/admin/api/integrations/int_1/disable', 'POST', 'same-origin', undefined],
      ['/admin/api/admin-users/adm_1/permissions', 'PUT', 'same-origin', '{"permissions":[]}'],
    ]);
    expect(calls[1]?.[1].headers).toMatchObject({ 'content-type': 'application/json' });
  });

  it('rejects with the error envelope, tells of a 401 (but not of a failed sign-in), and maps network failures', async () => {
    const heard: string[] = [];
    const envelope = { error: { code: 'session_expired', message: 'The console session has expired; sign in again' } };
    const expired = createConsoleApi((e) => heard.push(e.code), answer(401, envelope));
    await expect(expired.call('GET /me')).rejects.toMatchObject({ status: 401, code: 'session_expired', message: envelope.error.message });
    await expect(expired.call('POST /login', { body: { email: 'a', password: 'b' } })).rejects.toBeInstanceOf(ApiError);
    expect(heard).toEqual(['session_expired']);

    const refused = createConsoleApi(
      () => heard.push('x'),
      answer(409, { error: { code: 'in_use', message: 'in use', details: { references: [] } } }),
    );
    await expect(refused.call('DELETE /connector-auths/{id}', { params: { id: 'ca_1' } })).rejects.toMatchObject({
      code: 'in_use',
      details: { references: [] },
    });
    expect(heard).toEqual(['session_expired']);

    const offline = createConsoleApi(
      () => {},
      async () => {
        throw new TypeError('fetch failed');
      },
    );
    await expect(offline.call('GET /flows')).rejects.toMatchObject({ code: 'network_error' });
    expect(await createConsoleApi(() => {}, answer(204)).call('POST /logout')).toBeUndefined();
  });
});

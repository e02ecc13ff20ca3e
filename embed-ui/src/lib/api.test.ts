import { describe, expect, it } from 'vitest';
import { ApiError, createApi, fieldErrors, toApiError } from './api.ts';

const json = (status: number, body: unknown) =>
  new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

describe('toApiError', () => {
  it('maps the error envelope', () => {
    const e = toApiError(409, {
      error: {
        code: 'in_use',
        message: 'The auth is used',
        requestId: 'req_1',
        details: { references: [{ integrationId: 'int_1', flowId: 'flow_1' }] },
      },
    });
    expect(e).toBeInstanceOf(ApiError);
    expect({ status: e.status, code: e.code, message: e.message, requestId: e.requestId, details: e.details }).toEqual({
      status: 409,
      code: 'in_use',
      message: 'The auth is used',
      requestId: 'req_1',
      details: { references: [{ integrationId: 'int_1', flowId: 'flow_1' }] },
    });
  });

  it('turns anything else into bad_response', () => {
    for (const body of [null, 'oops', { error: 'x' }, { error: { code: 1, message: 'm' } }]) {
      const e = toApiError(502, body);
      expect([e.code, e.message]).toEqual(['bad_response', 'Unexpected answer (HTTP 502)']);
    }
  });

  it('maps validation issues to fields by key', () => {
    const e = toApiError(400, {
      error: {
        code: 'validation_failed',
        message: 'Invalid',
        details: {
          issues: [
            { path: 'body.inputs.email', message: 'must be an e-mail' },
            { path: 'body.inputs.email', message: 'second message ignored' },
            { path: 'body.inputs.nested.deep', message: 'nested' },
            { path: 'body.bindings.crm', message: 'not usable' },
            { path: 42, message: 'junk' },
          ],
        },
      },
    });
    expect(fieldErrors(e, 'body.inputs.')).toEqual({ email: 'must be an e-mail', nested: 'nested' });
    expect(fieldErrors(e, 'body.bindings.')).toEqual({ crm: 'not usable' });
  });
});

describe('createApi', () => {
  it('sends the session as Bearer, renews once on session_expired and retries', async () => {
    let token = 'old';
    let renewals = 0;
    const calls: { url: string; auth: string | undefined; body: unknown }[] = [];
    const api = createApi(
      {
        token: () => token,
        renew: async () => {
          renewals++;
          token = 'new';
        },
      },
      '/embed/api',
      async (url, init) => {
        const auth = (init.headers as Record<string, string>).authorization;
        calls.push({ url, auth, body: init.body });
        if (auth === 'Bearer old') return json(401, { error: { code: 'session_expired', message: 'Session expired' } });
        return json(201, { id: 'int_1' });
      },
    );
    await expect(api.post('/integrations', { flowId: 'flow_1' })).resolves.toEqual({ id: 'int_1' });
    expect(renewals).toBe(1);
    expect(calls).toEqual([
      { url: '/embed/api/integrations', auth: 'Bearer old', body: '{"flowId":"flow_1"}' },
      { url: '/embed/api/integrations', auth: 'Bearer new', body: '{"flowId":"flow_1"}' },
    ]);
  });

  it('does not renew for other 401s, and stops after one retry', async () => {
    let renewals = 0;
    const session = { token: () => 't', renew: async () => void renewals++ };
    const denied = createApi(session, '/embed/api', async () => json(401, { error: { code: 'token_invalid', message: 'Bad token' } }));
    await expect(denied.get('/flows')).rejects.toMatchObject({ code: 'token_invalid', status: 401 });
    expect(renewals).toBe(0);
    const always = createApi(session, '/embed/api', async () =>
      json(401, { error: { code: 'session_expired', message: 'Session expired' } }),
    );
    await expect(always.get('/flows')).rejects.toMatchObject({ code: 'session_expired' });
    expect(renewals).toBe(1);
  });

  it('reports 403 consent_required to the session (the app shows the consent screen again) and still rejects', async () => {
    let demanded = 0;
    const session = { token: () => 't', renew: async () => {}, onConsentRequired: () => void demanded++ };
    const refused = createApi(session, '/embed/api', async () =>
      json(403, { error: { code: 'consent_required', message: 'Accept the consent text first' } }),
    );
    await expect(refused.post('/integrations', { flowId: 'flow_1' })).rejects.toMatchObject({ code: 'consent_required', status: 403 });
    expect(demanded).toBe(1);
    const forbidden = createApi(session, '/embed/api', async () => json(403, { error: { code: 'forbidden', message: 'No' } }));
    await expect(forbidden.del('/connector-auths/ca_1')).rejects.toMatchObject({ code: 'forbidden' });
    expect(demanded).toBe(1);
  });

  it('answers nothing for 204 and network_error when fetch fails', async () => {
    const session = { token: () => 't', renew: async () => {} };
    await expect(createApi(session, '/x', async () => json(204, null)).del('/integrations/int_1')).resolves.toBeUndefined();
    await expect(
      createApi(session, '/x', async () => {
        throw new TypeError('Failed to fetch');
      }).get('/flows'),
    ).rejects.toMatchObject({ code: 'network_error', status: 0 });
  });
});

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConnectorRow, insertConnector } from '../../db/repos/connectors.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { startUpstream, type TestUpstream } from '../../testing/upstream.ts';
import type { ConnectorDefinition } from '../connectors/definition.ts';
import { setEgressResolver } from '../egress/egress.ts';
import { validateCredentials } from './validation.ts';

let s: TestServer;
let upstream: TestUpstream;
beforeAll(async () => {
  s = await startTestServer();
  upstream = await startUpstream((req, res) => {
    if (req.url.startsWith('/v1/boom')) res.statusCode = 500;
    else if (req.url.startsWith('/v1/created')) res.statusCode = req.headers['x-api-key'] === 'good' ? 201 : 401;
    else if (req.headers['x-api-key'] === 'forbidden') res.statusCode = 403;
    else if (req.headers['x-api-key'] === 'teapot') res.statusCode = 418;
    else res.statusCode = req.headers['x-api-key'] === 'good' ? 200 : 401;
    res.end('{}');
  });
});
afterAll(async () => {
  await upstream.close();
  await s.close();
});
let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

let n = 0;
async function connector(validation: ConnectorDefinition['validation'], baseUrl = `${upstream.url}/v1`): Promise<ConnectorRow> {
  n += 1;
  const definition: ConnectorDefinition = {
    oauth2: null,
    oauth1: null,
    apiKey: { in: 'header', name: 'X-Api-Key', prefix: null },
    fields: [],
    validation,
  };
  const now = new Date(s.clock.now()).toISOString();
  const row: ConnectorRow = {
    id: `val-${n}`,
    name: `Validated ${n}`,
    auth_type: 'api_key',
    catalog_key: null,
    base_url: baseUrl,
    icon_url: null,
    definition: JSON.stringify(definition),
    client_secret_enc: null,
    created_at: now,
    updated_at: now,
  };
  await insertConnector(s.app.ctx.db, row);
  return row;
}

const key = (apiKey: string) => ({ type: 'api_key' as const, apiKey, fields: {} });

describe('validateCredentials', () => {
  it('ok when the validation request answers the expected status, with the credentials injected under the base path', async () => {
    const row = await connector({ method: 'GET', path: '/me?fields=id', expectStatus: 200 });
    const before = upstream.received.length;
    expect(await validateCredentials(s.app.ctx, row, key('good'))).toEqual({ ok: true });
    const seen = upstream.received.slice(before);
    expect(seen.map((r) => [r.method, r.url, r.headers['x-api-key']])).toEqual([['GET', '/v1/me?fields=id', 'good']]);
  });

  it('answers a readable refusal for 401 and 403', async () => {
    const row = await connector({ method: 'GET', path: '/me', expectStatus: 200 });
    expect(await validateCredentials(s.app.ctx, row, key('bad'))).toEqual({
      ok: false,
      status: 401,
      message: 'The service refused these credentials (HTTP 401).',
    });
    expect(await validateCredentials(s.app.ctx, row, key('forbidden'))).toEqual({
      ok: false,
      status: 403,
      message: 'The service refused these credentials (HTTP 403).',
    });
  });

  it('compares with the configured status and method', async () => {
    const row = await connector({ method: 'POST', path: '/created', expectStatus: 201 });
    expect(await validateCredentials(s.app.ctx, row, key('good'))).toEqual({ ok: true });
    expect(upstream.received.at(-1)?.method).toBe('POST');
    expect(await validateCredentials(s.app.ctx, await connector({ method: 'GET', path: '/me', expectStatus: 204 }), key('good'))).toEqual({
      ok: false,
      status: 200,
      message: 'The service did not accept these credentials (HTTP 200, expected 204).',
    });
    expect(await validateCredentials(s.app.ctx, await connector({ method: 'GET', path: '/me', expectStatus: 200 }), key('teapot'))).toEqual(
      {
        ok: false,
        status: 418,
        message: 'The service did not accept these credentials (HTTP 418, expected 200).',
      },
    );
  });

  it('says the service had a problem on a 5xx', async () => {
    const row = await connector({ method: 'GET', path: '/boom', expectStatus: 200 });
    expect(await validateCredentials(s.app.ctx, row, key('good'))).toEqual({
      ok: false,
      status: 500,
      message: 'The service had a problem while checking these credentials (HTTP 500). Try again later.',
    });
  });

  it('is ok without a validation request, and sends nothing', async () => {
    const before = upstream.received.length;
    expect(await validateCredentials(s.app.ctx, await connector(null), key('anything'))).toEqual({ ok: true });
    expect(upstream.received.length).toBe(before);
  });

  it('answers status null when the service cannot be reached, or its host is internal, and never logs the key', async () => {
    const closed = await startUpstream();
    const deadUrl = `${closed.url}/v1`;
    await closed.close();
    const unreachable = await validateCredentials(
      s.app.ctx,
      await connector({ method: 'GET', path: '/me', expectStatus: 200 }, deadUrl),
      key('CANARY-KEY-1'),
    );
    expect(unreachable).toEqual({
      ok: false,
      status: null,
      message: 'Could not reach the service to check these credentials. Try again later.',
    });
    restore = setEgressResolver(async () => [{ address: '169.254.169.254', family: 4 }]);
    const internal = await validateCredentials(
      s.app.ctx,
      await connector({ method: 'GET', path: '/me', expectStatus: 200 }, 'https://metadata.example.test/v1'),
      key('CANARY-KEY-2'),
    );
    expect(internal).toEqual({
      ok: false,
      status: null,
      message: 'Could not reach the service to check these credentials. Try again later.',
    });
    expect(s.logs.join('\n')).not.toMatch(/CANARY-KEY/);
  });
});

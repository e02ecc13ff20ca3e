import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './testing/harness.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
});
afterAll(() => s.close());

describe('app basics', () => {
  it('answers health and readiness', async () => {
    expect((await s.request('GET', '/healthz')).body).toEqual({ status: 'ok' });
    expect((await s.request('GET', '/readyz')).body).toEqual({ status: 'ready', worker: null });
  });

  it('answers unknown routes with the error envelope and a request id', async () => {
    const res = await s.request('GET', '/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({
      error: { code: 'not_found', message: 'No route for GET /api/v1/nope', requestId: res.headers.get('x-request-id') },
    });
  });

  it('sends API security headers', async () => {
    const res = await s.request('GET', '/healthz');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers.get('x-powered-by')).toBeNull();
  });
});

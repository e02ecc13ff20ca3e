import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { insertConnectorAuth } from '../../src/services/auths/store.ts';
import { insertConfig, insertEndUser } from '../../src/testing/domainFixtures.ts';
import { expectStatus, type Scenario, ScenarioSetupError, type Targets } from './scenario.ts';

/*
 * The proxy against a direct call to the same local upstream, in one run: `proxy-direct` loads the
 * upstream itself, `proxy` the same request through `GET /api/v1/proxy/{connectorAuthId}/items`
 * (API token check, auth lookup and permission, credential decryption and injection, DNS-free
 * loopback egress with its checks, header filtering, streaming back). The proxy's added latency
 * is `proxy` p50/p99 minus `proxy-direct` p50/p99; its throughput ratio is their req/s ratio.
 */

const BODY = JSON.stringify({
  items: [
    { id: 1, name: 'Ada' },
    { id: 2, name: 'Grace' },
  ],
  nextCursor: null,
});

let shared: { url: string; users: number; server: http.Server } | undefined;

/** The local "third-party API", started once and shared by both scenarios; it checks the injected key. */
async function upstream(): Promise<{ url: string; release(): Promise<void> }> {
  if (!shared) {
    const server = http.createServer((req, res) => {
      if (req.headers['x-api-key'] !== 'bench-key') {
        res.statusCode = 401;
        res.end();
        return;
      }
      res.setHeader('content-type', 'application/json');
      res.end(BODY);
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    shared = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, users: 0, server };
  }
  shared.users += 1;
  const s = shared;
  return {
    url: s.url,
    async release() {
      s.users -= 1;
      if (s.users > 0) return;
      s.server.closeAllConnections();
      await new Promise<void>((resolve) => s.server.close(() => resolve()));
      if (shared === s) shared = undefined;
    },
  };
}

/** The upstream called directly, with the key the proxy would inject: the floor for `proxy`. */
export const proxyDirect: Scenario = {
  name: 'proxy-direct',
  description: 'GET /items on the local upstream directly (the floor the proxy is compared with)',
  async prepare() {
    const u = await upstream();
    const res = await fetch(`${u.url}/items`, { headers: { 'x-api-key': 'bench-key' } });
    if (res.status !== 200) throw new ScenarioSetupError(`the upstream answered ${res.status}`);
    await res.text();
    return { request: { url: `${u.url}/items`, headers: { 'x-api-key': 'bench-key' } }, close: () => u.release() };
  },
};

async function seedAuth({ patchbay }: Targets, upstreamUrl: string): Promise<string> {
  const connector = await patchbay.request('POST', '/api/v1/connectors', {
    token: patchbay.apiToken,
    body: {
      id: 'bench-proxy',
      name: 'Bench upstream',
      authType: 'api_key',
      baseUrl: upstreamUrl,
      apiKey: { in: 'header', name: 'X-Api-Key' },
    },
  });
  expectStatus('POST /api/v1/connectors', connector, 201, patchbay);
  const ctx = patchbay.app.ctx;
  const configId = await insertConfig(ctx);
  const endUserId = await insertEndUser(ctx, configId, { userId: 'bench-user', accountId: 'bench-account' });
  return insertConnectorAuth(
    ctx,
    { kind: 'system' },
    {
      owner: { configId, sharingLevel: 'user', ownerEndUserId: endUserId, accountId: 'bench-account' },
      connectorId: 'bench-proxy',
      name: 'Bench login',
      credentials: { type: 'api_key', apiKey: 'bench-key', fields: {} },
    },
  );
}

/** The same call through the proxy. */
export const proxyThrough: Scenario = {
  name: 'proxy',
  description: 'GET /api/v1/proxy/{connectorAuthId}/items → the same upstream (compare with proxy-direct)',
  compareWith: proxyDirect.name,
  async prepare(targets) {
    const u = await upstream();
    const authId = await seedAuth(targets, u.url);
    const path = `/api/v1/proxy/${authId}/items`;
    const check = await targets.patchbay.request('GET', path, { token: targets.patchbay.apiToken });
    expectStatus(`GET ${path}`, check, 200, targets.patchbay);
    if (JSON.stringify(check.body) !== BODY)
      throw new ScenarioSetupError(`GET ${path} answered ${JSON.stringify(check.body).slice(0, 200)}`);
    return {
      request: { url: targets.patchbay.url + path, headers: { authorization: `Bearer ${targets.patchbay.apiToken}` } },
      close: () => u.release(),
    };
  },
};

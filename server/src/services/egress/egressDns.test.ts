/**
 * Egress resolves names with c-ares (`dns.Resolver`), not `dns.lookup`, so a login flood's scrypt
 * work cannot stall outbound calls (SECURITY.md, V-04): a DNS server on loopback answers,
 * `localhost` is loopback without asking anyone, and resolution does not wait for libuv's thread
 * pool while scrypt keeps it busy.
 */
import crypto from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { startDnsServer, type TestDnsServer } from '../../testing/dnsServer.ts';
import { startUpstream, type TestUpstream } from '../../testing/upstream.ts';
import { dnsResolver, EgressError, egressFetch, resolveAllowed, setEgressResolver } from './egress.ts';

const ctx = {
  config: loadConfig({ PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'), PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true' }),
};

let dns: TestDnsServer;
let upstream: TestUpstream;
let restore: (() => void) | undefined;
beforeAll(async () => {
  dns = await startDnsServer({
    'api.partner.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'],
    'v6only.partner.test': ['2606:2800:220:1:248:1893:25c8:1946'],
    'metadata.partner.test': ['169.254.169.254'],
  });
  upstream = await startUpstream();
});
afterAll(async () => {
  await dns.close();
  await upstream.close();
});
afterEach(() => {
  restore?.();
  restore = undefined;
  dns.queries.length = 0;
});

async function failure(p: Promise<unknown>): Promise<EgressError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof EgressError) return err;
    throw err;
  }
  throw new Error('expected an EgressError');
}

describe('dnsResolver', () => {
  it('asks the DNS server for A and AAAA and answers IPv4 first', async () => {
    const resolve = dnsResolver([dns.address]);
    expect(await resolve('api.partner.test')).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ]);
    expect(await resolve('v6only.partner.test')).toEqual([{ address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 }]);
    expect(dns.queries.map((q) => `${q.type} ${q.name}`).sort()).toEqual([
      'A api.partner.test',
      'A v6only.partner.test',
      'AAAA api.partner.test',
      'AAAA v6only.partner.test',
    ]);
  });

  it('answers localhost and *.localhost as loopback without a query (c-ares does not read /etc/hosts)', async () => {
    const resolve = dnsResolver([dns.address]);
    const loopback = [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
    expect(await resolve('localhost')).toEqual(loopback);
    expect(await resolve('LocalHost.')).toEqual(loopback);
    expect(await resolve('app.localhost')).toEqual(loopback);
    expect(dns.queries).toEqual([]);
  });

  it('egress refuses a name the server does not know, and one that resolves to an internal address', async () => {
    restore = setEgressResolver(dnsResolver([dns.address]));
    const unknown = await failure(resolveAllowed(ctx, new URL('https://nowhere.partner.test/')));
    expect({ code: unknown.code, message: unknown.message }).toEqual({
      code: 'network',
      message: 'Could not resolve the host nowhere.partner.test',
    });
    const internal = await failure(resolveAllowed(ctx, new URL('https://metadata.partner.test/')));
    expect(internal.code).toBe('blocked_address');
    expect(await resolveAllowed(ctx, new URL('https://api.partner.test/'))).toEqual({ address: '93.184.216.34', family: 4 });
  });

  it('resolves and calls while scrypt holds every thread of the pool', async () => {
    restore = setEgressResolver(dnsResolver([dns.address]));
    const N = 2 ** 16;
    let hashed = 0;
    // Six jobs for libuv's four threads: the pool stays busy for two rounds.
    const jobs = Array.from(
      { length: 6 },
      () =>
        new Promise<void>((resolve, reject) =>
          crypto.scrypt('pw', 'salt', 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 }, (err) => {
            hashed += 1;
            if (err) reject(err);
            else resolve();
          }),
        ),
    );
    expect(await resolveAllowed(ctx, new URL('https://api.partner.test/'))).toEqual({ address: '93.184.216.34', family: 4 });
    const res = await egressFetch(ctx, { url: new URL(`http://localhost:${upstream.port}/during`), method: 'GET' });
    expect(res.status).toBe(200);
    // Counted, not timed: both answered before the pool had worked through its queue.
    expect(hashed).toBeLessThan(6);
    await Promise.all(jobs);
  });
});

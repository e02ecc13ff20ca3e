import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.ts';
import { NetworkInTransactionError } from '../../db/driver.ts';
import { createTestDatabase } from '../../testing/testDatabase.ts';
import { startUpstream, type TestUpstream } from '../../testing/upstream.ts';
import { EgressError, egressFetch, egressStream, type ResolvedAddress, setEgressResolver } from './egress.ts';

function ctxWith(allowInsecureLoopback: boolean) {
  return {
    config: loadConfig({
      PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
      PATCHBAY_ALLOW_INSECURE_LOOPBACK: allowInsecureLoopback ? 'true' : 'false',
    }),
  };
}
const loopbackOk = ctxWith(true);
const strict = ctxWith(false);

let restore: (() => void) | undefined;
/** Maps made-up host names to addresses; each lookup is counted. */
function fakeDns(answers: Record<string, string[] | (() => string[])>) {
  const calls: string[] = [];
  restore = setEgressResolver(async (hostname) => {
    calls.push(hostname);
    const a = answers[hostname];
    if (!a) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return (typeof a === 'function' ? a() : a).map((address): ResolvedAddress => ({ address, family: net.isIPv6(address) ? 6 : 4 }));
  });
  return calls;
}
afterEach(() => {
  restore?.();
  restore = undefined;
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

let echo: TestUpstream;
beforeAll(async () => {
  echo = await startUpstream();
});
afterAll(() => echo.close());

describe('egress address policy (S-02)', () => {
  it.each([
    '10.0.0.5',
    '127.0.0.1',
    '169.254.169.254',
    '::1',
    '::ffff:127.0.0.1',
    '0.0.0.0',
    '100.64.1.1',
    'fd00::1',
    '192.168.1.10',
    '172.16.0.1',
    'fe80::1',
  ])('refuses a host name resolving to %s, before connecting', async (address) => {
    const calls = fakeDns({ 'api.evil.test': [address] });
    const err = await failure(egressFetch(loopbackOk, { url: new URL('https://api.evil.test/x'), method: 'GET' }));
    expect(err.code).toBe('blocked_address');
    expect(err.message).toBe('The host api.evil.test resolves to a private, loopback, link-local or reserved address');
    expect(calls).toEqual(['api.evil.test']);
  });

  it('refuses when any one of several addresses is internal', async () => {
    fakeDns({ 'mixed.test': ['93.184.216.34', '10.0.0.5'] });
    const err = await failure(egressFetch(loopbackOk, { url: new URL('https://mixed.test/'), method: 'GET' }));
    expect(err.code).toBe('blocked_address');
  });

  it.each([
    'https://127.0.0.1/x',
    'https://[::1]/x',
    'https://169.254.169.254/latest/meta-data',
    'https://[::ffff:127.0.0.1]/',
    'https://0.0.0.0/',
  ])('refuses the IP literal %s when loopback is not allowed', async (url) => {
    const err = await failure(egressFetch(strict, { url: new URL(url), method: 'GET' }));
    expect(err.code).toBe('blocked_address');
  });

  it('refuses plain http to a loopback host when loopback is not allowed, and to any other host always', async () => {
    expect((await failure(egressFetch(strict, { url: new URL(`${echo.url}/x`), method: 'GET' }))).code).toBe('bad_url');
    fakeDns({ 'public.test': ['93.184.216.34'] });
    const err = await failure(egressFetch(loopbackOk, { url: new URL('http://public.test/'), method: 'GET' }));
    expect(err.code).toBe('bad_url');
    expect(echo.received).toHaveLength(0);
  });

  it('allows a loopback host when the configuration allows it', async () => {
    const res = await egressFetch(loopbackOk, { url: new URL(`${echo.url}/hello?a=1`), method: 'GET' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString()).url).toBe('/hello?a=1');
  });

  it('does not extend the loopback allowance to other names resolving to loopback', async () => {
    fakeDns({ 'sneaky.test': ['127.0.0.1'] });
    const err = await failure(egressFetch(loopbackOk, { url: new URL(`https://sneaky.test:${echo.port}/`), method: 'GET' }));
    expect(err.code).toBe('blocked_address');
  });

  it('refuses a loopback name whose addresses are not loopback', async () => {
    fakeDns({ localhost: ['10.0.0.5'] });
    const err = await failure(egressFetch(loopbackOk, { url: new URL(`http://localhost:${echo.port}/`), method: 'GET' }));
    expect(err.code).toBe('blocked_address');
  });

  it.each(['ftp://example.com/x', 'file:///etc/passwd', 'gopher://example.com/', 'ws://example.com/', 'https://user:pw@example.com/'])(
    'refuses %s as a bad URL',
    async (url) => {
      const err = await failure(egressFetch(loopbackOk, { url: new URL(url), method: 'GET' }));
      expect(err.code).toBe('bad_url');
    },
  );

  it('answers network when the name does not resolve', async () => {
    fakeDns({});
    const err = await failure(egressFetch(loopbackOk, { url: new URL('https://nowhere.test/'), method: 'GET' }));
    expect(err).toMatchObject({ code: 'network', message: 'Could not resolve the host nowhere.test' });
  });
});

describe('DNS rebinding (S-03)', () => {
  it('connects to the address that was checked, even when a second lookup would answer something else', async () => {
    // Listens on 127.0.0.2 only: the system resolver's answer for localhost (127.0.0.1 / ::1) cannot reach it,
    // and a second lookup through the resolver answers the metadata address. Only a pinned socket gets through.
    const pinned = await startUpstream(undefined, { host: '127.0.0.2' });
    try {
      let n = 0;
      const calls = fakeDns({ localhost: () => (n++ === 0 ? ['127.0.0.2'] : ['169.254.169.254']) });
      const res = await egressFetch(loopbackOk, { url: new URL(`http://localhost:${pinned.port}/pinned`), method: 'GET' });
      expect(res.status).toBe(200);
      expect(pinned.received.map((r) => r.url)).toEqual(['/pinned']);
      expect(calls).toEqual(['localhost']);
    } finally {
      await pinned.close();
    }
  });

  it('never reaches the private address when the first answer was public and the next is private', async () => {
    let n = 0;
    const calls = fakeDns({ 'rebind.test': () => (n++ === 0 ? ['127.0.0.2'] : ['127.0.0.1']) });
    // First answer 127.0.0.2 is itself refused for a non-loopback name; the point is that the private
    // listener sees nothing and no second lookup happens.
    const err = await failure(egressFetch(loopbackOk, { url: new URL(`https://rebind.test:${echo.port}/`), method: 'GET' }));
    expect(err.code).toBe('blocked_address');
    expect(calls).toEqual(['rebind.test']);
    expect(echo.received.filter((r) => r.url === '/')).toHaveLength(0);
  });
});

describe('redirects, timeouts and size caps', () => {
  let internal: TestUpstream;
  let redirector: TestUpstream;
  beforeAll(async () => {
    internal = await startUpstream();
    redirector = await startUpstream((req, res) => {
      res.statusCode = 302;
      res.setHeader('location', req.url === '/meta' ? 'http://169.254.169.254/latest/meta-data' : `${internal.url}/secret`);
      res.end();
    });
  });
  afterAll(async () => {
    await internal.close();
    await redirector.close();
  });

  it.each(['/local', '/meta'])('answers a 302 (%s) as it is and does not follow it', async (path) => {
    const res = await egressFetch(loopbackOk, { url: new URL(`${redirector.url}${path}`), method: 'GET' });
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe(path === '/meta' ? 'http://169.254.169.254/latest/meta-data' : `${internal.url}/secret`);
    expect(internal.received).toHaveLength(0);
  });

  it('times out a silent upstream', async () => {
    const silent = await startUpstream(() => {});
    try {
      const started = Date.now();
      const err = await failure(egressFetch(loopbackOk, { url: new URL(`${silent.url}/slow`), method: 'GET', timeoutMs: 200 }));
      expect(err.code).toBe('timeout');
      expect(Date.now() - started).toBeLessThan(2000);
    } finally {
      await silent.close();
    }
  });

  it('cuts a response larger than maxBytes, declared or chunked', async () => {
    const big = await startUpstream((req, res) => {
      if (req.url === '/declared') {
        res.setHeader('content-length', '4096');
        res.end(Buffer.alloc(4096, 97));
        return;
      }
      res.write(Buffer.alloc(1024, 97));
      res.write(Buffer.alloc(1024, 97));
      res.end(Buffer.alloc(1024, 97));
    });
    try {
      for (const path of ['/declared', '/chunked']) {
        const err = await failure(egressFetch(loopbackOk, { url: new URL(`${big.url}${path}`), method: 'GET', maxBytes: 2000 }));
        expect(err.code).toBe('too_large');
      }
      const ok = await egressFetch(loopbackOk, { url: new URL(`${big.url}/chunked`), method: 'GET', maxBytes: 3072 });
      expect(ok.body.length).toBe(3072);
    } finally {
      await big.close();
    }
  });

  it('sends the body with its length and answers the status and headers', async () => {
    const res = await egressFetch(loopbackOk, {
      url: new URL(`${echo.url}/post`),
      method: 'post',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1&b=2',
    });
    const seen = JSON.parse(res.body.toString());
    expect(seen).toMatchObject({ method: 'POST', url: '/post', body: 'a=1&b=2' });
    expect(seen.headers['content-length']).toBe('7');
    expect(res.headers['content-type']).toBe('application/json');
  });
});

describe('egressStream', () => {
  it('hands over the first bytes before the upstream has finished', async () => {
    let finish: (() => void) | undefined;
    const slow = await startUpstream((_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.write('first;');
      finish = () => res.end('last');
    });
    try {
      const res = await egressStream(loopbackOk, { url: new URL(`${slow.url}/s`), method: 'GET' });
      expect(res.status).toBe(200);
      const first = await new Promise<string>((resolve) => res.body.once('data', (c: Buffer) => resolve(c.toString())));
      expect(first).toBe('first;');
      const rest: Buffer[] = [];
      res.body.on('data', (c: Buffer) => rest.push(c));
      const ended = new Promise((r) => res.body.on('end', r));
      finish?.();
      await ended;
      expect(Buffer.concat(rest).toString()).toBe('last');
    } finally {
      await slow.close();
    }
  });

  it('errors the body with too_large past the cap and closes the upstream socket', async () => {
    let closed = false;
    const endless = await startUpstream((_req, res) => {
      res.on('close', () => {
        closed = true;
      });
      const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024, 98)), 1);
      res.on('close', () => clearInterval(timer));
    });
    try {
      const res = await egressStream(loopbackOk, { url: new URL(`${endless.url}/big`), method: 'GET', maxBytes: 100_000 });
      let received = 0;
      const err = await new Promise<unknown>((resolve) => {
        res.body.on('data', (c: Buffer) => {
          received += c.length;
        });
        res.body.on('error', resolve);
      });
      expect(err).toBeInstanceOf(EgressError);
      expect((err as EgressError).code).toBe('too_large');
      expect(received).toBeLessThanOrEqual(100_000);
      await expect.poll(() => closed).toBe(true);
    } finally {
      await endless.close();
    }
  });

  it('errors the body when the upstream goes quiet past the idle timeout', async () => {
    const stall = await startUpstream((_req, res) => {
      res.write('x');
    });
    try {
      const res = await egressStream(loopbackOk, { url: new URL(`${stall.url}/stall`), method: 'GET', idleTimeoutMs: 150 });
      const err = await new Promise<unknown>((resolve) => {
        res.body.resume();
        res.body.on('error', resolve);
      });
      expect((err as EgressError).code).toBe('timeout');
    } finally {
      await stall.close();
    }
  });
});

describe('no outbound call inside a database transaction', () => {
  it('egressFetch and egressStream refuse to start while the caller holds a transaction, and reach nothing', async () => {
    const tdb = await createTestDatabase();
    const db = tdb.open();
    try {
      const before = echo.received.length;
      const url = new URL(`${echo.url}/inside`);
      for (const call of [() => egressFetch(loopbackOk, { url, method: 'GET' }), () => egressStream(loopbackOk, { url, method: 'GET' })]) {
        await expect(
          db.tx(async () => {
            await call();
          }),
        ).rejects.toBeInstanceOf(NetworkInTransactionError);
      }
      expect(echo.received.length).toBe(before);
      // After the transaction the same call goes out.
      expect((await egressFetch(loopbackOk, { url, method: 'GET' })).status).toBe(200);
    } finally {
      await db.close();
      await tdb.drop();
    }
  });
});

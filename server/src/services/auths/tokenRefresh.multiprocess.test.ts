import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { AppContext } from '../../context.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../../testing/oidcProvider.ts';
import {
  insertAuthWith,
  insertOAuth2Connector,
  introspect,
  mintTokenSet,
  oauth2Credentials,
  storedAuth,
} from '../../testing/refreshFixtures.ts';
import { getFreshCredentials, REFRESH_LEASE_MS } from './tokenRefresh.ts';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let s: TestServer;
let p: TestOAuthProvider;
let ctx: AppContext;
let connectorId: string;

beforeAll(async () => {
  p = await startOAuthProvider({ redirectUris: ['http://127.0.0.1:1/cb'], rotateRefreshTokens: true });
  s = await startTestServer();
  ctx = s.app.ctx;
  connectorId = await insertOAuth2Connector(ctx, { tokenUrl: p.tokenUrl, clientId: p.clientId, clientSecret: p.clientSecret });
});
afterAll(async () => {
  await s.close();
  await p.close();
});
beforeEach(() => {
  for (const k of Object.keys(p.tokenCalls)) delete p.tokenCalls[k];
  p.failTokenEndpoint = null;
  p.tokenDelayMs = 0;
});

/** A second OS process on the same database file, started and waiting for the go signal. */
interface Worker {
  readonly child: ChildProcessWithoutNullStreams;
  go(): void;
  /** Reads the worker's JSON result line. */
  result(): Promise<{ ok: number; accessTokens: string[]; errors: string[] }>;
}

async function startWorker(authId: string, n: number): Promise<Worker> {
  // `node --import tsx` (what `npx tsx` runs) so the child is the worker itself and SIGKILL reaches it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/testing/refreshWorker.ts', authId, String(n)], {
    cwd: serverDir,
    env: { ...process.env, ...s.database.env, PATCHBAY_ENCRYPTION_KEY: s.encryptionKey },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = readline.createInterface({ input: child.stdout });
  const iterator = lines[Symbol.asyncIterator]();
  const next = async (): Promise<string> => {
    const r = await iterator.next();
    if (r.done) throw new Error(`worker ended early: ${stderr}`);
    return r.value;
  };
  expect(await next()).toBe('ready');
  return {
    child,
    go: () => child.stdin.write('go\n'),
    result: async () => JSON.parse(await next()),
  };
}

it('two processes on one database, 50 concurrent calls each on an expired token → exactly one refresh, all succeed', async () => {
  const minted = await mintTokenSet(p);
  const authId = await insertAuthWith(ctx, connectorId, oauth2Credentials(ctx, minted, -60));
  const worker = await startWorker(authId, 50);
  // Widen the race: whoever takes the lease holds it while the provider thinks.
  p.tokenDelayMs = 400;
  worker.go();
  const mine = await Promise.all(Array.from({ length: 50 }, () => getFreshCredentials(ctx, authId)));
  const theirs = await worker.result();

  expect(p.tokenCalls).toEqual({ refresh_token: 1 });
  const myTokens = new Set(mine.map((c) => (c.type === 'oauth2' ? c.accessToken : '')));
  expect(myTokens.size).toBe(1);
  expect(theirs).toEqual({ ok: 50, accessTokens: [...myTokens], errors: [] });
  const stored = await storedAuth(ctx, authId);
  expect(stored).toMatchObject({ status: 'active', credentials_version: 2, refresh_lease_until: null, refresh_lease_owner: null });
  if (stored.credentials.type !== 'oauth2') throw new Error('oauth2 expected');
  expect(stored.credentials.accessToken).toBe([...myTokens][0]);
  expect(stored.credentials.accessToken).not.toBe(minted.accessToken);
  expect(await introspect(p, stored.credentials.refreshToken as string)).toBe(true);
});

it('a process killed (SIGKILL) while holding the lease: the lease runs out and the next caller refreshes', async () => {
  const minted = await mintTokenSet(p);
  const authId = await insertAuthWith(ctx, connectorId, oauth2Credentials(ctx, minted, -60));
  const worker = await startWorker(authId, 1);
  p.tokenDelayMs = 2_000;
  worker.go();
  // Wait until the worker holds the lease and its token request reached the provider, then kill it.
  for (let i = 0; i < 200 && p.tokenCalls.refresh_token !== 1; i++) await new Promise((r) => setTimeout(r, 25));
  expect(p.tokenCalls).toEqual({ refresh_token: 1 });
  expect((await storedAuth(ctx, authId)).refresh_lease_owner).toMatch(/^\d+:[0-9a-f]{16}$/);
  const exited = new Promise((r) => worker.child.once('exit', r));
  worker.child.kill('SIGKILL');
  await exited;
  // The dead process's request is still parked at the provider: make it fail there so it does not use the
  // refresh token (a real crash might burn it; that path is covered by the needs_reauth test).
  p.failTokenEndpoint = 500;
  await new Promise((r) => setTimeout(r, 2_200));
  p.failTokenEndpoint = null;
  p.tokenDelayMs = 0;

  const pending = getFreshCredentials(ctx, authId);
  await new Promise((r) => setTimeout(r, 150));
  expect(p.tokenCalls).toEqual({ refresh_token: 1 });
  // The worker stamped its lease with the system clock: move the test clock past it.
  s.clock.set(Date.now() + REFRESH_LEASE_MS + 1_000);
  const creds = await pending;
  expect(creds.type === 'oauth2' && creds.accessToken).not.toBe(minted.accessToken);
  expect(p.tokenCalls).toEqual({ refresh_token: 2 });
  expect(await storedAuth(ctx, authId)).toMatchObject({ status: 'active', refresh_lease_until: null, refresh_failures: 0 });
});

import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type PatchbayApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { kidsInUse } from '../crypto/rotateKeys.ts';
import { LATEST_SCHEMA_VERSION } from '../db/migrate.ts';
import { redactDatabaseUrl } from '../db/postgresDriver.ts';
import { sql } from '../db/sql.ts';
import { DEMO, seedDemo } from '../demo/demoSeed.ts';
import { createLogger } from '../log.ts';
import { openCliContext } from '../openContext.ts';
import { createTestDatabase, type TestDatabase } from '../testing/testDatabase.ts';
import { runCli } from './main.ts';

const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));
const TSX = path.join(SERVER_DIR, 'node_modules', '.bin', 'tsx');
const dirs: string[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-cli-'));
  dirs.push(dir);
  return dir;
}
/** An empty database of the test driver; its `env` points a command (or a child process) at it. */
async function testDatabase(): Promise<TestDatabase> {
  const db = await createTestDatabase(tempDir());
  databases.push(db);
  return db;
}
/** How the commands name a database in their output. */
const described = (db: TestDatabase) => db.file ?? redactDatabaseUrl(db.url as string);
const newKey = () => crypto.randomBytes(32).toString('base64');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A clean environment: nothing of the developer's PATCHBAY_* leaks in. */
function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, PATCHBAY_LOG_LEVEL: 'warn', ...extra };
}

function start(cmd: string, args: string[], env: Record<string, string>, cwd = SERVER_DIR): ChildProcess {
  return spawn(cmd, args, { cwd, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
}

function finish(child: ChildProcess): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d) => {
    stdout += d;
  });
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** Runs `tsx src/cli.ts …`. */
function cli(args: string[], env: Record<string, string>): Promise<Ran> {
  return finish(start(TSX, ['src/cli.ts', ...args], env));
}

async function withApp<T>(env: Record<string, string>, fn: (url: string, app: PatchbayApp) => Promise<T>): Promise<T> {
  const app = await createApp({ config: loadConfig(env), log: createLogger('silent') });
  const server = await new Promise<Server>((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    return await fn(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, app);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await app.close();
  }
}

describe('patchbay serve refuses a bad configuration', () => {
  it('exits 1 naming PATCHBAY_ENCRYPTION_KEY and how to make one when it is missing', async () => {
    const dir = tempDir();
    const ran = await finish(
      spawn('npx', ['tsx', 'src/cli.ts', 'serve'], { cwd: SERVER_DIR, env: baseEnv({ PATCHBAY_DB: `${dir}/x.db` }) }),
    );
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('Patchbay cannot start:');
    expect(ran.stderr).toContain('PATCHBAY_ENCRYPTION_KEY is missing');
    expect(ran.stderr).toContain('patchbay keys generate');
    expect(ran.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
    expect(fs.existsSync(`${dir}/x.db`)).toBe(false);
  });

  it('exits 1 on a 31-byte key', async () => {
    const ran = await cli(['serve'], {
      PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(31).toString('base64'),
      PATCHBAY_DB: `${tempDir()}/x.db`,
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('PATCHBAY_ENCRYPTION_KEY is malformed: it must be 32 random bytes, base64');
  });
});

describe('patchbay CLI against a temp database', () => {
  const key = newKey();
  let database: TestDatabase;
  let env: Record<string, string>;
  beforeAll(async () => {
    database = await testDatabase();
    env = { ...database.env, PATCHBAY_ENCRYPTION_KEY: key };
  });

  it('migrate applies the migrations, then reports the schema up to date', async () => {
    const first = await cli(['migrate'], env);
    expect(first).toMatchObject({ code: 0 });
    const all = Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1).join(', ');
    expect(first.stdout).toContain(
      `Applied migration(s) ${all} to ${described(database)}; schema version is now ${LATEST_SCHEMA_VERSION} of ${LATEST_SCHEMA_VERSION}.`,
    );
    const again = await cli(['migrate'], env);
    expect(again.stdout).toContain(`is up to date at schema version ${LATEST_SCHEMA_VERSION}`);
  });

  it('admin create refuses a first admin that is not an owner', async () => {
    const ran = await cli(['admin', 'create', '--email', 'm@vendor.test', '--name', 'M', '--role', 'member'], env);
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('The first admin must be an owner');
  });

  let password = '';
  it('admin create makes the first owner and prints a generated password once', async () => {
    const ran = await cli(['admin', 'create', '--email', 'ada@vendor.test', '--name', 'Ada'], env);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^Created owner ada@vendor\.test \(adm_[a-z0-9]+\)\.\nPassword \(shown only this once; store it now\):\n/);
    password = ran.stdout.trim().split('\n').at(-1) ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });

  it('admin create takes PATCHBAY_ADMIN_PASSWORD and checks it', async () => {
    const weak = await cli(['admin', 'create', '--email', 'bob@vendor.test', '--name', 'Bob', '--role', 'member'], {
      ...env,
      PATCHBAY_ADMIN_PASSWORD: 'short',
    });
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('PATCHBAY_ADMIN_PASSWORD');
    const ok = await cli(['admin', 'create', '--email', 'bob@vendor.test', '--name', 'Bob', '--role', 'member'], {
      ...env,
      PATCHBAY_ADMIN_PASSWORD: 'a long enough password',
    });
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Password: the one in PATCHBAY_ADMIN_PASSWORD.');
    expect(ok.stdout).not.toContain('a long enough password');
    const dup = await cli(['admin', 'create', '--email', 'BOB@vendor.test', '--name', 'Bob', '--role', 'admin'], env);
    expect(dup.code).toBe(1);
    expect(dup.stderr).toContain('exists already');
  });

  it('token create prints a pb_ token once, and that token and the password work against a real server', async () => {
    const ran = await cli(
      ['token', 'create', '--email', 'ada@vendor.test', '--name', 'ci', '--scopes', 'read', '--expires-in-days', '7'],
      env,
    );
    expect(ran.code).toBe(0);
    const token = ran.stdout.trim().split('\n').at(-1) ?? '';
    expect(token).toMatch(/^pb_[A-Za-z0-9_-]{43}$/);
    expect(ran.stdout).toContain('(scopes: read; expires ');

    await withApp(env, async (url, app) => {
      const row = await app.ctx.db.get<{ token_hash: string; expires_at: string }>(
        sql`SELECT token_hash, expires_at FROM api_tokens WHERE name = 'ci'`,
      );
      expect(row?.token_hash).not.toContain(token.slice(3));
      expect(Date.parse(row?.expires_at ?? '') - Date.now()).toBeGreaterThan(6.9 * 86_400_000);

      const list = await fetch(`${url}/api/v1/admin-users`, { headers: { authorization: `Bearer ${token}` } });
      expect(list.status).toBe(200);
      const body = (await list.json()) as { items: { email: string }[] };
      expect(body.items.map((u) => u.email).sort()).toEqual(['ada@vendor.test', 'bob@vendor.test']);
      const write = await fetch(`${url}/api/v1/api-tokens`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'x' }),
      });
      expect(write.status).toBe(403);

      const login = await fetch(`${url}/admin/api/login`, {
        method: 'POST',
        headers: { origin: app.ctx.config.publicUrl, 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'ada@vendor.test', password }),
      });
      expect(login.status).toBe(200);
    });
  });

  it('token create refuses an unknown admin and bad options', async () => {
    const unknown = await cli(['token', 'create', '--email', 'nobody@vendor.test', '--name', 'x'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No admin user has the e-mail nobody@vendor.test');
    const scope = await cli(['token', 'create', '--email', 'ada@vendor.test', '--name', 'x', '--scopes', 'read,admin'], env);
    expect(scope.code).toBe(2);
    expect(scope.stderr).toContain('--scopes: unknown scope "admin"');
    const missing = await cli(['token', 'create', '--name', 'x'], env);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--email is required');
  });
});

describe('patchbay keys', () => {
  it('keys generate prints a fresh 32-byte base64 key on stdout', async () => {
    const a = await cli(['keys', 'generate'], {});
    const b = await cli(['keys', 'generate'], {});
    expect(a.code).toBe(0);
    expect(Buffer.from(a.stdout.trim(), 'base64')).toHaveLength(32);
    expect(a.stdout.trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(a.stdout).not.toBe(b.stdout);
    expect(a.stderr).toContain('PATCHBAY_ENCRYPTION_KEY');
  });

  it('keys rotate re-encrypts everything under the new key; then only the new key is needed', async () => {
    const db = (await testDatabase()).env;
    const keyA = newKey();
    const keyB = newKey();
    const cliCtx = await openCliContext(loadConfig({ ...db, PATCHBAY_ENCRYPTION_KEY: keyA }));
    const seeded = await seedDemo(cliCtx.ctx);
    const kidA = cliCtx.ctx.keyring.current.kid;
    await cliCtx.close();

    const noOld = await cli(['keys', 'rotate'], { ...db, PATCHBAY_ENCRYPTION_KEY: keyB });
    expect(noOld.code).toBe(1);
    expect(noOld.stderr).toContain(`encrypted under key ${kidA}`);
    expect(noOld.stderr).toContain('PATCHBAY_PREVIOUS_ENCRYPTION_KEYS');

    const ran = await cli(['keys', 'rotate', '--batch-size', '1'], {
      ...db,
      PATCHBAY_ENCRYPTION_KEY: keyB,
      PATCHBAY_PREVIOUS_ENCRYPTION_KEYS: keyA,
    });
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('Done: 1 secret(s) re-encrypted');
    expect(ran.stdout).toContain(`Retired key id(s): ${kidA}.`);
    expect(ran.stdout).toContain('You can now remove the old key(s) from PATCHBAY_PREVIOUS_ENCRYPTION_KEYS');

    await withApp({ ...db, PATCHBAY_ENCRYPTION_KEY: keyB }, async (_url, app) => {
      expect([...(await kidsInUse(app.ctx.db)).keys()]).toEqual([app.ctx.keyring.current.kid]);
      const again = await seedDemo(app.ctx);
      expect(again.signingSecret).toEqual(seeded.signingSecret);
    });
    const oldOnly = await cli(['migrate'], { ...db, PATCHBAY_ENCRYPTION_KEY: keyA });
    expect(oldOnly.code).toBe(1);
  });
});

describe('patchbay serve', () => {
  it('listens, answers, and stops cleanly on SIGTERM', async () => {
    const child = start(TSX, ['src/cli.ts', 'serve'], {
      ...(await testDatabase()).env,
      PATCHBAY_ENCRYPTION_KEY: newKey(),
      PORT: '0',
      PATCHBAY_HOST: '127.0.0.1',
      PATCHBAY_LOG_LEVEL: 'info',
    });
    const done = finish(child);
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr?.on('data', (d) => {
        err += d;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m?.[1]) resolve(m[1]);
      });
      child.on('close', () => reject(new Error(`serve exited: ${err}`)));
    });
    const health = await fetch(`${url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    // the run worker runs in-process by default and /readyz reports it
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', worker: { state: 'running', running: 0 } });
    child.kill('SIGTERM');
    const ran = await done;
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('"msg":"shutting down"');
    expect(ran.stdout).toContain('"msg":"stopped"');
  });
});

describe('patchbay serve with PATCHBAY_WORKER=false and patchbay worker', () => {
  it('serve runs no worker; worker runs one without HTTP and stops cleanly on SIGTERM', async () => {
    const env = { ...(await testDatabase()).env, PATCHBAY_ENCRYPTION_KEY: newKey(), PATCHBAY_LOG_LEVEL: 'info' };
    const serve = start(TSX, ['src/cli.ts', 'serve'], { ...env, PORT: '0', PATCHBAY_HOST: '127.0.0.1', PATCHBAY_WORKER: 'false' });
    const served = finish(serve);
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      serve.stderr?.on('data', (d) => {
        err += d;
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
        if (m?.[1]) resolve(m[1]);
      });
      serve.on('close', () => reject(new Error(`serve exited: ${err}`)));
    });
    expect(await (await fetch(`${url}/readyz`)).json()).toEqual({ status: 'ready', worker: null });
    serve.kill('SIGTERM');
    expect((await served).code).toBe(0);

    const worker = start(TSX, ['src/cli.ts', 'worker'], env);
    const worked = finish(worker);
    await new Promise<void>((resolve, reject) => {
      let err = '';
      worker.stderr?.on('data', (d) => {
        err += d;
        if (/run worker \S+ is running/.test(err)) resolve();
      });
      worker.on('close', () => reject(new Error(`worker exited: ${err}`)));
    });
    worker.kill('SIGTERM');
    const ran = await worked;
    expect(ran.code).toBe(0);
    expect(ran.stdout).toContain('"msg":"run worker started"');
    expect(ran.stdout).toContain('"msg":"stopped"');
  });
});

describe('patchbay demo seeding', () => {
  it('is idempotent: a second run creates nothing and answers the same working credentials', async () => {
    const db = (await testDatabase()).env;
    const config = loadConfig({ ...db, PATCHBAY_ENCRYPTION_KEY: newKey() });
    const a = await openCliContext(config);
    const first = await seedDemo(a.ctx);
    await a.close();
    const b = await openCliContext(config);
    const second = await seedDemo(b.ctx);
    const counts = await b.ctx.db.get<{ admins: number; tokens: number; configs: number; keys: number }>(sql`SELECT
      (SELECT count(*) FROM admin_users) AS admins, (SELECT count(*) FROM api_tokens) AS tokens,
      (SELECT count(*) FROM embed_configs) AS configs, (SELECT count(*) FROM embed_config_keys) AS keys`);
    await b.close();
    expect(first.created).toEqual(['admin', 'api token', 'embed configuration']);
    expect(second.created).toEqual([]);
    expect(second).toEqual({ ...first, created: [] });
    expect(counts).toEqual({ admins: 1, tokens: 1, configs: 1, keys: 1 });
    expect(first.allowedOrigin).toBe('http://localhost:5174');
    expect(first.configId).toBe(DEMO.configId);

    await withApp({ ...db, PATCHBAY_ENCRYPTION_KEY: config.encryptionKey.toString('base64') }, async (url, app) => {
      const me = await fetch(`${url}/api/v1/admin-users`, { headers: { authorization: `Bearer ${first.apiToken}` } });
      expect(me.status).toBe(200);
      const login = await fetch(`${url}/admin/api/login`, {
        method: 'POST',
        headers: { origin: app.ctx.config.publicUrl, 'content-type': 'application/json' },
        body: JSON.stringify({ email: first.adminEmail, password: first.adminPassword }),
      });
      expect(login.status).toBe(200);
    });
  });
});

describe('help', () => {
  it('patchbay --help prints the overview (spawned)', async () => {
    const ran = await cli(['--help'], {});
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^Usage: patchbay <command>/);
  });

  it.each([
    ['serve'],
    ['worker'],
    ['migrate'],
    ['admin', 'create'],
    ['token', 'create'],
    ['keys', 'rotate'],
    ['keys', 'generate'],
    ['demo'],
  ])('patchbay %s %s --help prints the usage and exits 0 without touching anything', async (...words) => {
    const lines: string[] = [];
    const code = await runCli([...words, '--help'], {}, { out: (t) => lines.push(t), err: (t) => lines.push(t) });
    expect(code).toBe(0);
    expect(lines.join('\n')).toMatch(new RegExp(`^Usage: patchbay ${words.join(' ')}`));
  });

  it('an unknown command exits 2 with the overview', async () => {
    const ran = await cli(['frobnicate'], {});
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain('unknown command "frobnicate"');
    expect(ran.stderr).toContain('keys rotate');
  });

  it('the built bundle runs (node bin/patchbay.js)', async () => {
    const built = await finish(start(process.execPath, ['scripts/build.mjs'], {}));
    expect(built.code).toBe(0);
    const help = await finish(start(process.execPath, ['bin/patchbay.js', '--help'], {}));
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('token create');
    const migrate = await finish(
      start(process.execPath, ['bin/patchbay.js', 'migrate'], {
        ...(await testDatabase()).env,
        PATCHBAY_ENCRYPTION_KEY: newKey(),
      }),
    );
    expect(migrate.code).toBe(0);
  });
});

import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { AdminRole, ApiTokenScope } from '@patchbay/shared';
import { createApp, type PatchbayApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import type { Clock } from '../context.ts';
import { hashPassword } from '../crypto/passwords.ts';
import { replaceGroupPermissions } from '../db/repos/adminUsers.ts';
import { sqliteConnection } from '../db/sqliteDriver.ts';
import { createLogger } from '../log.ts';
import { createAdminUser } from '../services/admins/adminUsers.ts';
import { createApiToken } from '../services/admins/apiTokens.ts';
import { createTestDatabase, type TestDatabase } from './testDatabase.ts';

/** A clock tests can move: frozen at a time, or following real time with an offset. */
export class TestClock implements Clock {
  private offset = 0;
  /** `ms` freezes the clock there; `null` follows real time (browsers and token minting live in it). */
  constructor(private frozen: number | null = Date.now()) {}
  /** A clock that follows real time (and can still be moved forward). */
  static realTime(): TestClock {
    return new TestClock(null);
  }
  now(): number {
    return this.frozen ?? Date.now() + this.offset;
  }
  /** Moves time forward by `seconds`. */
  advance(seconds: number): void {
    if (this.frozen === null) this.offset += seconds * 1000;
    else this.frozen += seconds * 1000;
  }
  /** Sets the time. */
  set(ms: number): void {
    if (this.frozen === null) this.offset = ms - Date.now();
    else this.frozen = ms;
  }
}

/** A JSON answer as seen by a client. */
export interface ApiResponse<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** A real Patchbay on port 0 over a database of its own (the test driver's: SQLite by default, or PostgreSQL). */
export interface TestServer {
  readonly url: string;
  readonly app: PatchbayApp;
  readonly server: Server;
  /** A temp directory of its own (the SQLite file lives here). */
  readonly dir: string;
  /** The SQLite file, or null on PostgreSQL. */
  readonly dbFile: string | null;
  /** Its database: another handle on it (`open()`), or the environment a second process points at it with (`env`). */
  readonly database: TestDatabase;
  readonly encryptionKey: string;
  readonly clock: TestClock;
  /** Every log line written so far. */
  readonly logs: string[];
  /** An API token of a fresh admin with `role` (and, for members, group permissions). */
  adminToken(opts?: {
    role?: AdminRole;
    scopes?: ApiTokenScope[];
    groups?: { groupId: string; view?: boolean; run?: boolean; manage?: boolean }[];
  }): Promise<string>;
  /** Calls the server with JSON; `token` becomes a bearer header. */
  request<T = any>(
    method: string,
    urlPath: string,
    opts?: { token?: string; body?: unknown; headers?: Record<string, string>; rawBody?: string },
  ): Promise<ApiResponse<T>>;
  close(): Promise<void>;
}

let sharedHash: Promise<string> | undefined;
/** The password every test admin gets. */
export const TEST_ADMIN_PASSWORD = 'correct horse battery staple';

/**
 * Starts a server over a fresh database made by `createTestDatabase()`; `env` overrides
 * configuration, `port` picks the port (default: any free one), `sameDatabaseAs` opens another
 * server's database with its key (a second server process of one installation, e.g. started with
 * other settings); closing it leaves that database alone. Closing drops the database it made.
 */
export async function startTestServer(
  opts: { env?: Record<string, string>; clock?: TestClock; port?: number; sameDatabaseAs?: TestServer } = {},
): Promise<TestServer> {
  const shared = opts.sameDatabaseAs;
  const dir = shared ? shared.dir : fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-test-'));
  const database = shared ? shared.database : await createTestDatabase(dir);
  const encryptionKey = shared ? shared.encryptionKey : crypto.randomBytes(32).toString('base64');
  const config = loadConfig({
    ...database.env,
    PATCHBAY_DATABASE_POOL_SIZE: '4',
    PATCHBAY_ENCRYPTION_KEY: encryptionKey,
    PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true',
    PATCHBAY_LOG_LEVEL: 'debug',
    PORT: '0',
    ...opts.env,
  });
  const logs: string[] = [];
  const clock = opts.clock ?? new TestClock();
  let app: PatchbayApp;
  try {
    app = await createApp({ config, clock, log: createLogger('debug', (line) => logs.push(line)) });
  } catch (err) {
    if (!shared) {
      await database.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
    throw err;
  }
  const server = await new Promise<Server>((resolve) => {
    const s = app.app.listen(opts.port ?? 0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sharedHash ??= hashPassword(TEST_ADMIN_PASSWORD);
  let n = 0;
  const request: TestServer['request'] = async (method, urlPath, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(url + urlPath, { method: method.toUpperCase(), headers, ...(body === undefined ? {} : { body }) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as never, headers: res.headers, text };
  };
  return {
    url,
    app,
    server,
    dir,
    dbFile: database.file,
    database,
    encryptionKey,
    clock,
    logs,
    request,
    async adminToken({ role = 'owner', scopes, groups } = {}) {
      n += 1;
      const { id } = await createAdminUser(
        app.ctx,
        { kind: 'system' },
        {
          email: `${role}${n}-${crypto.randomBytes(3).toString('hex')}@vendor.test`,
          name: `Test ${role} ${n}`,
          role,
          password: TEST_ADMIN_PASSWORD,
          passwordHash: await (sharedHash as Promise<string>),
        },
      );
      if (groups) {
        await replaceGroupPermissions(
          app.ctx.db,
          id,
          groups.map((g) => ({ groupId: g.groupId, view: g.view ?? false, run: g.run ?? false, manage: g.manage ?? false })),
        );
      }
      return (await createApiToken(app.ctx, { kind: 'system' }, { adminUserId: id, name: 'test', ...(scopes ? { scopes } : {}) })).token;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      if (!shared) {
        await database.drop();
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The bytes of a test server's SQLite file and its WAL (after a checkpoint when asked), for the
 * scans for plaintext secrets. SQLite only: on PostgreSQL the data lives in the database server's
 * own files, which a test cannot read.
 */
export function sqliteFileBytes(s: TestServer, checkpoint?: 'PASSIVE' | 'TRUNCATE'): Buffer[] {
  const raw = sqliteConnection(s.app.database);
  if (!raw || s.dbFile === null) throw new Error('sqliteFileBytes: the test server is not on SQLite');
  if (checkpoint) raw.pragma(`wal_checkpoint(${checkpoint})`);
  return [s.dbFile, `${s.dbFile}-wal`].filter((f) => fs.existsSync(f)).map((f) => fs.readFileSync(f));
}

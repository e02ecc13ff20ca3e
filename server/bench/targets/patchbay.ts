import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createApp, type PatchbayApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { LogLevel } from '../../src/log.ts';
import { createLogger } from '../../src/log.ts';
import { createAdminUser } from '../../src/services/admins/adminUsers.ts';
import { createApiToken } from '../../src/services/admins/apiTokens.ts';

/**
 * A real Patchbay (same `createApp` as production) on a loopback port with a fresh SQLite file,
 * or on the empty PostgreSQL database `databaseUrl` names.
 */
export interface PatchbayTarget {
  readonly url: string;
  readonly app: PatchbayApp;
  /** An owner's API token with every scope, created once. */
  readonly apiToken: string;
  /** Calls the server with JSON and answers status and parsed body. */
  /** The last error-level log lines, to explain a 500 during setup. */
  recentErrors(): string[];
  request(method: string, urlPath: string, opts?: { token?: string; body?: unknown }): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * Starts Patchbay for load. The token-exchange rate limit is lifted (one client IP sends
 * everything). Log lines are built at `logLevel` (production's `info` by default, so the
 * per-request access line is paid for) but written nowhere, so terminal I/O does not dominate.
 */
export async function startPatchbay(opts: { logLevel: LogLevel | 'silent'; databaseUrl?: string | undefined }): Promise<PatchbayTarget> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-bench-'));
  const config = loadConfig({
    PATCHBAY_DB: path.join(dir, 'patchbay.db'),
    ...(opts.databaseUrl ? { PATCHBAY_DATABASE_URL: opts.databaseUrl } : {}),
    PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true',
    PATCHBAY_SESSION_RATE_LIMIT: '1000000',
    PATCHBAY_LOGIN_RATE_LIMIT: '1000000',
    PATCHBAY_LOG_LEVEL: opts.logLevel,
    ...(process.env.PATCHBAY_DATABASE_POOL_SIZE ? { PATCHBAY_DATABASE_POOL_SIZE: process.env.PATCHBAY_DATABASE_POOL_SIZE } : {}),
    PORT: '0',
  });
  const errors: string[] = [];
  const sink = (line: string) => {
    if (!line.includes('"level":"error"')) return;
    errors.push(line.trim());
    if (errors.length > 5) errors.shift();
  };
  const app = await createApp({ config, log: createLogger(config.logLevel, sink) });
  const server = await new Promise<Server>((resolve) => {
    const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { id } = await createAdminUser(
    app.ctx,
    { kind: 'system' },
    { email: 'bench@vendor.test', name: 'Bench owner', role: 'owner', password: crypto.randomBytes(18).toString('base64url') },
  );
  const apiToken = (await createApiToken(app.ctx, { kind: 'system' }, { adminUserId: id, name: 'bench', scopes: ['read', 'write', 'run'] }))
    .token;
  return {
    url,
    app,
    apiToken,
    recentErrors: () => [...errors],
    async request(method, urlPath, o = {}) {
      const headers: Record<string, string> = {};
      if (o.token) headers.authorization = `Bearer ${o.token}`;
      if (o.body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(url + urlPath, { method, headers, ...(o.body === undefined ? {} : { body: JSON.stringify(o.body) }) });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON; keep the text for the report
      }
      return { status: res.status, body };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await app.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

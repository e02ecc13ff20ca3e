import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.ts';
import { openJson } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { findSealedCredentials } from '../db/repos/connectorAuths.ts';
import { sql } from '../db/sql.ts';
import { openCliContext } from '../openContext.ts';
import { insertConfig, insertConnector, insertConnectorAuth } from '../testing/domainFixtures.ts';
import { createTestDatabase, TEST_DRIVER, type TestDatabase } from '../testing/testDatabase.ts';

const SERVER_DIR = fileURLToPath(new URL('../..', import.meta.url));
const TSX = path.join(SERVER_DIR, 'node_modules', '.bin', 'tsx');
const CANARY = `backup-canary-${crypto.randomBytes(6).toString('hex')}`;
const dirs: string[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-backup-'));
  dirs.push(dir);
  return dir;
}

/** Runs `patchbay backup …` as a separate process, the way an operator would. */
function backup(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(TSX, ['src/cli.ts', 'backup', ...args], {
    cwd: SERVER_DIR,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PATCHBAY_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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

describe(`patchbay backup on ${TEST_DRIVER}`, () => {
  it.skipIf(TEST_DRIVER !== 'sqlite')(
    'copies the database during a write load; the copy opens with the same key, passes integrity_check and decrypts a canary credential',
    async () => {
      const dir = tempDir();
      const file = path.join(dir, 'patchbay.db');
      const key = crypto.randomBytes(32).toString('base64');
      const env = { PATCHBAY_DB: file, PATCHBAY_ENCRYPTION_KEY: key };
      const config = loadConfig(env);
      const cli = await openCliContext(config);
      const ctx = cli.ctx;
      const connectorId = await insertConnector(ctx);
      const configId = await insertConfig(ctx);
      const authId = await insertConnectorAuth(ctx, { configId, connectorId, credentials: { type: 'api_key', apiKey: CANARY } });
      // A write load from this process (another connection on the file) for as long as the backup runs.
      let writing = true;
      let writes = 0;
      const load = (async () => {
        while (writing) {
          await insertConnectorAuth(ctx, { configId, connectorId, credentials: { type: 'api_key', apiKey: `${CANARY}-${writes}` } });
          writes += 1;
          await new Promise((r) => setImmediate(r));
        }
      })();
      const copy = path.join(dir, 'copies', 'patchbay-copy.db');
      const ran = await backup([copy], env);
      writing = false;
      await load;
      await cli.close();
      expect(ran.stderr).not.toContain(CANARY);
      expect(ran.code, ran.stderr).toBe(0);
      expect(ran.stdout).toContain('integrity check ok');
      expect(writes).toBeGreaterThan(0);

      // The copy, opened as Patchbay's database with the same key.
      const reopened = await openCliContext(loadConfig({ PATCHBAY_DB: copy, PATCHBAY_ENCRYPTION_KEY: key }));
      try {
        const rows = await reopened.ctx.db.all<{ integrity_check: string }>(sql`PRAGMA integrity_check`);
        expect(rows.map((r) => r.integrity_check)).toEqual(['ok']);
        const sealed = await findSealedCredentials(reopened.ctx.db, authId);
        expect(sealed).not.toBeNull();
        expect(
          openJson(reopened.ctx.keyring, secretLocation('connector_auths', 'credentials_enc', authId), sealed as string),
        ).toMatchObject({
          apiKey: CANARY,
        });
      } finally {
        await reopened.close();
      }
      // The copy holds the canary only sealed.
      expect(fs.readFileSync(copy).includes(Buffer.from(CANARY))).toBe(false);
      // Another key does not open it.
      const wrong = await backup([path.join(dir, 'second.db')], {
        PATCHBAY_DB: copy,
        PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
      });
      expect(wrong.code).toBe(1);
      expect(fs.existsSync(path.join(dir, 'second.db'))).toBe(false);
    },
  );

  it.skipIf(TEST_DRIVER !== 'sqlite')('refuses to overwrite a file, and needs exactly one file', async () => {
    const dir = tempDir();
    const env = { PATCHBAY_DB: path.join(dir, 'patchbay.db'), PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64') };
    const existing = path.join(dir, 'exists.db');
    fs.writeFileSync(existing, 'keep me');
    const refused = await backup([existing], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('already exists');
    expect(fs.readFileSync(existing, 'utf8')).toBe('keep me');
    const none = await backup([], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('name the file to write');
    // A file written by hand is no Patchbay database: nothing else touched it.
    expect(() => new BetterSqlite3(existing, { readonly: true }).pragma('integrity_check')).toThrow();
  });

  it('on PostgreSQL points at pg_dump instead', async () => {
    const database = await createTestDatabase(tempDir());
    databases.push(database);
    const url = database.url ?? 'postgres://postgres@127.0.0.1:1/none';
    const ran = await backup([path.join(tempDir(), 'x.db')], {
      PATCHBAY_DATABASE_URL: url,
      PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64'),
    });
    expect(ran.code).toBe(1);
    expect(ran.stderr).toContain('pg_dump');
  });
});

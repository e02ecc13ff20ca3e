import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { openDatabase } from './database.ts';
import { LATEST_SCHEMA_VERSION, migrate, SchemaTooNewError, schemaVersion } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import { sql } from './sql.ts';

const dirs: string[] = [];
function tempDb(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-migrate-'));
  dirs.push(dir);
  return path.join(dir, 'patchbay.db');
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('openDatabase', () => {
  it('sets WAL, synchronous=FULL, foreign keys and a busy timeout on a real file', () => {
    const db = openDatabase(tempDb());
    expect(db.pragma('journal_mode')).toBe('wal');
    expect(db.pragma('synchronous')).toBe(2);
    expect(db.pragma('foreign_keys')).toBe(1);
    expect(Number(db.pragma('busy_timeout'))).toBeGreaterThanOrEqual(5000);
    await db.close();
  });

  it('enforces foreign keys', async () => {
    const db = openDatabase(tempDb());
    await migrate(db);
    const now = new Date().toISOString();
    expect(() =>
      await db.run(sql`INSERT INTO admin_sessions (token_hash, admin_user_id, created_at, expires_at, last_seen_at)
        VALUES ('h', 'adm_missing', ${now}, ${now}, ${now})`),
    ).toThrow(/FOREIGN KEY/);
    await db.close();
  });

  it('rolls back a transaction that throws', async () => {
    const db = openDatabase(tempDb());
    await db.exec('CREATE TABLE t (n INTEGER)');
    expect(() =>
      await db.tx(async (tx) => {
        await tx.run(sql`INSERT INTO t VALUES (${1})`);
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(await db.all(sql`SELECT * FROM t`)).toEqual([]);
    await db.close();
  });
});

describe('migrate', () => {
  it('numbers migrations 1…N without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(Array.from({ length: migrations.length }, (_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(migrations.length);
  });

  it('applies every migration once and records the version', async () => {
    const db = openDatabase(tempDb());
    expect(await migrate(db)).toEqual(migrations.map((m) => m.version));
    expect(await schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(await migrate(db)).toEqual([]);
    await db.close();
  });

  it('runs each migration in a transaction: a failing one leaves neither its tables nor its version', async () => {
    const db = openDatabase(tempDb());
    const broken = [
      { version: 1, name: 'ok', up: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'broken', up: 'CREATE TABLE b (x INTEGER); INSERT INTO missing VALUES (1);' },
    ];
    expect(() => await migrate(db, broken)).toThrow(/no such table: missing/);
    expect(await schemaVersion(db)).toBe(1);
    const tables = (await db.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`)).map((t) => t.name);
    expect(tables).toEqual(['a']);
    await db.close();
  });

  it('refuses a database whose user_version is newer than the code', async () => {
    const file = tempDb();
    const db = openDatabase(file);
    await migrate(db);
    await db.exec(`PRAGMA user_version = ${LATEST_SCHEMA_VERSION + 1}`);
    expect(() => await migrate(db)).toThrow(SchemaTooNewError);
    await db.close();

    const config = loadConfig({ PATCHBAY_DB: file, PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64') });
    let caught: unknown;
    try {
      await createApp({ config, log: createLogger('silent') });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SchemaTooNewError);
    expect((caught as Error).message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 1}`);
  });

  it('creates an index for each list filter of the API', async () => {
    const db = openDatabase(tempDb());
    await migrate(db);
    const indexed = async (table: string) =>
      (await db.all<{ name: string }>(sql`SELECT name FROM pragma_index_list(${table})`)).flatMap((i) =>
        (await db
          .all<{ name: string }>(sql`SELECT name FROM pragma_index_info(${i.name})`))
          .slice(0, 1)
          .map((c) => c.name),
      );
    expect(await indexed('integrations')).toEqual(expect.arrayContaining(['config_id', 'flow_id', 'owner_end_user_id', 'account_id', 'status']));
    expect(await indexed('connector_auths')).toEqual(expect.arrayContaining(['config_id', 'connector_id', 'status']));
    expect(await indexed('audit_events')).toEqual(expect.arrayContaining(['at', 'object_type', 'actor_type', 'action', 'config_id']));
    await db.close();
  });

  it('0003 backfills who created and who disabled existing connector auths from the audit trail', async () => {
    const db = openDatabase(tempDb());
    await migrate(db, migrations.slice(0, 2));
    const now = new Date().toISOString();
    await db.run(sql`INSERT INTO embed_configs (id, name, sharing_level, allowed_origins, consent, branding, created_at, updated_at)
      VALUES ('cfg_1', 'c', 'user', '[]', '{}', '{}', ${now}, ${now})`);
    await db.run(sql`INSERT INTO connectors (id, name, auth_type, definition, created_at, updated_at)
      VALUES ('crm', 'CRM', 'api_key', '{}', ${now}, ${now})`);
    const auth = async (id: string, status: string, proprietary: number) =>
      await db.run(sql`INSERT INTO connector_auths (id, config_id, connector_id, name, sharing_level, proprietary, status, created_at, updated_at)
        VALUES (${id}, 'cfg_1', 'crm', ${id}, 'user', ${proprietary}, ${status}, ${now}, ${now})`);
    const event = async (n: number, objectId: string, action: string, actor: string) =>
      await db.run(sql`INSERT INTO audit_events (id, at, actor_type, action, object_type, object_id)
        VALUES (${`ev_${n}`}, ${`2026-01-01T00:00:0${n}.000Z`}, ${actor}, ${action}, 'connector_auth', ${objectId})`);
    await auth('ca_user', 'active', 0);
    await auth('ca_vendor', 'disabled', 0);
    await auth('ca_token', 'disabled', 1);
    await event(1, 'ca_user', 'connector_auth.created', 'end_user');
    await event(2, 'ca_vendor', 'connector_auth.created', 'api_token');
    await event(3, 'ca_vendor', 'connector_auth.disabled', 'end_user');
    await event(4, 'ca_vendor', 'connector_auth.disabled', 'admin');
    await event(5, 'ca_token', 'connector_auth.disabled', 'end_user');
    await migrate(db);
    expect(await db.all(sql`SELECT id, created_via, disabled_by FROM connector_auths ORDER BY id`)).toEqual([
      { id: 'ca_token', created_via: 'embed_token', disabled_by: 'user' },
      { id: 'ca_user', created_via: 'end_user', disabled_by: null },
      { id: 'ca_vendor', created_via: 'vendor_api', disabled_by: 'admin' },
    ]);
    await db.close();
  });
});

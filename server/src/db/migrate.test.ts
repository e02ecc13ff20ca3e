import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createLogger } from '../log.ts';
import { tableNames } from '../testing/schemaInfo.ts';
import { createTestDatabase, TEST_DRIVER, type TestDatabase } from '../testing/testDatabase.ts';
import type { Db } from './database.ts';
import { LATEST_SCHEMA_VERSION, migrate, SchemaTooNewError, schemaVersion } from './migrate.ts';
import { migrations } from './migrations/index.ts';
import { sql } from './sql.ts';
import { sqliteConnection } from './sqliteDriver.ts';

let tdb: TestDatabase;
const opened: Db[] = [];
/** Another handle on this test's database, closed after the test. */
function open(): Db {
  const db = tdb.open();
  opened.push(db);
  return db;
}
beforeEach(async () => {
  tdb = await createTestDatabase();
});
afterEach(async () => {
  for (const db of opened.splice(0)) await db.close();
  await tdb.drop();
});

/** Sets the stored schema version behind the migrator's back. */
async function forceSchemaVersion(db: Db, version: number): Promise<void> {
  if (db.dialect === 'postgres') await db.run(sql`UPDATE patchbay_schema SET version = ${version}`);
  else await db.exec(`PRAGMA user_version = ${version}`);
}

// PRAGMAs are SQLite's own: the PostgreSQL driver has no file, journal or busy timeout to set.
describe.skipIf(TEST_DRIVER !== 'sqlite')('openDatabase on SQLite', () => {
  it('sets WAL, synchronous=FULL, foreign keys and a busy timeout on a real file', () => {
    const raw = sqliteConnection(open());
    expect(raw?.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(raw?.pragma('synchronous', { simple: true })).toBe(2);
    expect(raw?.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(Number(raw?.pragma('busy_timeout', { simple: true }))).toBeGreaterThanOrEqual(5000);
  });
});

describe(`the ${TEST_DRIVER} database`, () => {
  it('enforces foreign keys', async () => {
    const db = open();
    await migrate(db);
    const now = new Date().toISOString();
    await expect(
      db.run(sql`INSERT INTO admin_sessions (token_hash, admin_user_id, created_at, expires_at, last_seen_at)
        VALUES ('h', 'adm_missing', ${now}, ${now}, ${now})`),
    ).rejects.toThrow(/FOREIGN KEY|foreign key/);
  });

  it('rolls back a transaction that throws', async () => {
    const db = open();
    await db.exec('CREATE TABLE t (n INTEGER)');
    await expect(
      db.tx(async (tx) => {
        await tx.run(sql`INSERT INTO t VALUES (${1})`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.all(sql`SELECT * FROM t`)).toEqual([]);
  });
});

describe('migrate', () => {
  it('numbers migrations 1…N without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(Array.from({ length: migrations.length }, (_, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(migrations.length);
  });

  it('applies every migration once and records the version', async () => {
    const db = open();
    expect(await migrate(db)).toEqual(migrations.map((m) => m.version));
    expect(await schemaVersion(db)).toBe(LATEST_SCHEMA_VERSION);
    expect(await migrate(db)).toEqual([]);
  });

  it('runs each migration in a transaction: a failing one leaves neither its tables nor its version', async () => {
    const db = open();
    const broken = [
      { version: 1, name: 'ok', up: 'CREATE TABLE a (x INTEGER);' },
      { version: 2, name: 'broken', up: 'CREATE TABLE b (x INTEGER); INSERT INTO missing VALUES (1);' },
    ];
    await expect(migrate(db, broken)).rejects.toThrow(/no such table: missing|relation "missing" does not exist/);
    expect(await schemaVersion(db)).toBe(1);
    expect(await tableNames(db)).toEqual(['a']);
  });

  it('refuses a database whose schema version is newer than the code', async () => {
    const db = open();
    await migrate(db);
    await forceSchemaVersion(db, LATEST_SCHEMA_VERSION + 1);
    await expect(migrate(db)).rejects.toThrow(SchemaTooNewError);

    const config = loadConfig({ ...tdb.env, PATCHBAY_ENCRYPTION_KEY: crypto.randomBytes(32).toString('base64') });
    let caught: unknown;
    try {
      await createApp({ config, log: createLogger('silent') });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SchemaTooNewError);
    expect((caught as Error).message).toContain(`schema version ${LATEST_SCHEMA_VERSION + 1}`);
  });

  it('lets two processes start at once: each migration is applied exactly once', async () => {
    const [a, b] = [open(), open()];
    // Two SQLite handles in one process would wait on each other's write lock synchronously; on
    // SQLite the processes are separate, so this runs them one after the other there.
    const [fromA, fromB] = TEST_DRIVER === 'postgres' ? await Promise.all([migrate(a), migrate(b)]) : [await migrate(a), await migrate(b)];
    expect([...fromA, ...fromB].sort((x, y) => x - y)).toEqual(migrations.map((m) => m.version));
    expect(await schemaVersion(a)).toBe(LATEST_SCHEMA_VERSION);
  });

  // The index check reads SQLite's pragma_index_list; the migrations (and so the indexes) are the same on PostgreSQL.
  it.skipIf(TEST_DRIVER !== 'sqlite')('creates an index for each list filter of the API', async () => {
    const db = open();
    await migrate(db);
    const indexed = async (table: string) => {
      const first: string[] = [];
      for (const i of await db.all<{ name: string }>(sql`SELECT name FROM pragma_index_list(${table})`)) {
        const columns = await db.all<{ name: string }>(sql`SELECT name FROM pragma_index_info(${i.name})`);
        first.push(...columns.slice(0, 1).map((c) => c.name));
      }
      return first;
    };
    expect(await indexed('integrations')).toEqual(
      expect.arrayContaining(['config_id', 'flow_id', 'owner_end_user_id', 'account_id', 'status']),
    );
    expect(await indexed('connector_auths')).toEqual(expect.arrayContaining(['config_id', 'connector_id', 'status']));
    expect(await indexed('audit_events')).toEqual(expect.arrayContaining(['at', 'object_type', 'actor_type', 'action', 'config_id']));
  });

  it('0003 backfills who created and who disabled existing connector auths from the audit trail', async () => {
    const db = open();
    await migrate(db, migrations.slice(0, 2));
    const now = new Date().toISOString();
    await db.run(sql`INSERT INTO embed_configs (id, name, sharing_level, allowed_origins, consent, branding, created_at, updated_at)
      VALUES ('cfg_1', 'c', 'user', '[]', '{}', '{}', ${now}, ${now})`);
    await db.run(sql`INSERT INTO connectors (id, name, auth_type, definition, created_at, updated_at)
      VALUES ('crm', 'CRM', 'api_key', '{}', ${now}, ${now})`);
    const auth = (id: string, status: string, proprietary: number) =>
      db.run(sql`INSERT INTO connector_auths (id, config_id, connector_id, name, sharing_level, proprietary, status, created_at, updated_at)
        VALUES (${id}, 'cfg_1', 'crm', ${id}, 'user', ${proprietary}, ${status}, ${now}, ${now})`);
    const event = (n: number, objectId: string, action: string, actor: string) =>
      db.run(sql`INSERT INTO audit_events (id, at, actor_type, action, object_type, object_id)
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
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { sql } from '../db/sql.ts';
import { primaryKeyColumns, tableColumns } from '../testing/schemaInfo.ts';
import { createTestDatabase, type TestDatabase } from '../testing/testDatabase.ts';
import { SECRET_COLUMNS } from './secretColumns.ts';

let tdb: TestDatabase;
let db: Db;
beforeEach(async () => {
  tdb = await createTestDatabase();
  db = tdb.open();
  await migrate(db);
});
afterEach(async () => {
  await db.close();
  await tdb.drop();
});

describe('SECRET_COLUMNS', () => {
  it('lists every *_enc column of the migrated schema, and nothing else', async () => {
    const columns = await tableColumns(db);
    const enc = columns
      .filter((c) => c.column.endsWith('_enc'))
      .map((c) => `${c.table}.${c.column}`)
      .sort();
    expect(enc.length).toBeGreaterThan(0);
    expect(SECRET_COLUMNS.map((c) => `${c.table}.${c.column}`).sort()).toEqual(enc);
  });

  it('each row-key expression is valid SQL over its table', async () => {
    for (const c of SECRET_COLUMNS) {
      await expect(db.all(sql`SELECT ${sql.raw(c.rowKey)} FROM ${sql.raw(c.table)} LIMIT 1`)).resolves.toBeDefined();
    }
  });

  it("each primary key is its table's primary key, in key order", async () => {
    for (const c of SECRET_COLUMNS) {
      expect(await primaryKeyColumns(db, c.table), c.table).toEqual(c.primaryKey);
    }
  });

  it('no column outside the registry is named like a secret', async () => {
    const columns = await tableColumns(db);
    const suspicious = columns.filter(
      (c) => /secret|password|credential|api_key|access_token|refresh_token/.test(c.column) && !c.column.endsWith('_enc'),
    );
    // Hashes are one-way and fine in the clear; a version counter holds no secret.
    const allowed = new Set(['connector_auths.credentials_version']);
    const names = suspicious.map((c) => `${c.table}.${c.column}`).filter((n) => !n.endsWith('_hash') && !allowed.has(n));
    expect(names).toEqual([]);
  });
});

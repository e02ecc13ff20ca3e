import { describe, expect, it } from 'vitest';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { sql } from '../db/sql.ts';
import { SECRET_COLUMNS } from './secretColumns.ts';

async function schemaColumns() {
  const db = openDatabase(':memory:');
  await migrate(db);
  const tables = await db.all<{ name: string }>(sql`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`);
  const columns = tables.flatMap((t) =>
    (await db.all<{ name: string }>(sql`SELECT name FROM pragma_table_info(${t.name})`)).map((c) => ({ table: t.name, column: c.name })),
  );
  return { db, columns };
}

describe('SECRET_COLUMNS', () => {
  it('lists every *_enc column of the migrated schema, and nothing else', async () => {
    const { db, columns } = await schemaColumns();
    const enc = columns
      .filter((c) => c.column.endsWith('_enc'))
      .map((c) => `${c.table}.${c.column}`)
      .sort();
    expect(enc.length).toBeGreaterThan(0);
    expect(SECRET_COLUMNS.map((c) => `${c.table}.${c.column}`).sort()).toEqual(enc);
    await db.close();
  });

  it('each row-key expression is valid SQL over its table', async () => {
    const { db } = await schemaColumns();
    for (const c of SECRET_COLUMNS) {
      expect(() => await db.all(sql`SELECT ${sql.raw(c.rowKey)} FROM ${sql.raw(c.table)} LIMIT 1`)).not.toThrow();
    }
    await db.close();
  });

  it("each primary key is its table's primary key, in key order", async () => {
    const { db } = await schemaColumns();
    for (const c of SECRET_COLUMNS) {
      const pk = (await db
        .all<{ name: string; pk: number }>(sql`SELECT name, pk FROM pragma_table_info(${c.table}) WHERE pk > 0 ORDER BY pk`))
        .map((r) => r.name);
      expect(pk, c.table).toEqual(c.primaryKey);
    }
    await db.close();
  });

  it('no column outside the registry is named like a secret', async () => {
    const { db, columns } = await schemaColumns();
    const suspicious = columns.filter(
      (c) => /secret|password|credential|api_key|access_token|refresh_token/.test(c.column) && !c.column.endsWith('_enc'),
    );
    // Hashes are one-way and fine in the clear; a version counter holds no secret.
    const allowed = new Set(['connector_auths.credentials_version']);
    const names = suspicious.map((c) => `${c.table}.${c.column}`).filter((n) => !n.endsWith('_hash') && !allowed.has(n));
    expect(names).toEqual([]);
    await db.close();
  });
});

import { migrationForPostgres, POSTGRES_PRELUDE } from '../db/dialect.ts';
import type { Db } from '../db/driver.ts';
import { migrations as allMigrations } from '../db/migrations/index.ts';
import { sql } from '../db/sql.ts';

/**
 * Migrates a test database of either driver through the asynchronous seam, up to `upTo`: on
 * SQLite each migration and its `PRAGMA user_version` in one transaction, on PostgreSQL the
 * prelude first, then each migration as `migrationForPostgres` rewrites it with the version in
 * `patchbay_schema`. What `db/migrate.ts` does for the synchronous SQLite handle; the run
 * engine's tests use it until the asynchronous `migrate` of the async seam replaces both.
 */
export async function migrateTestDatabase(db: Db, upTo: number = allMigrations.length): Promise<void> {
  const wanted = allMigrations.slice(0, upTo);
  if (db.dialect === 'sqlite') {
    const current = Number((await db.get<{ user_version: number }>(sql`PRAGMA user_version`))?.user_version ?? 0);
    for (const m of wanted.slice(current)) {
      await db.tx(async (tx) => {
        await tx.exec(m.up);
        await tx.exec(`PRAGMA user_version = ${m.version}`);
      });
    }
    return;
  }
  await db.exec(POSTGRES_PRELUDE);
  const row = await db.get<{ version: number }>(sql`SELECT version FROM patchbay_schema WHERE singleton = 1`);
  const current = row?.version ?? 0;
  for (const m of wanted.slice(current)) {
    await db.tx(async (tx) => {
      await tx.exec(migrationForPostgres(m.up));
      await tx.run(sql`INSERT INTO patchbay_schema (singleton, version) VALUES (1, ${m.version})
        ON CONFLICT (singleton) DO UPDATE SET version = EXCLUDED.version`);
    });
  }
}

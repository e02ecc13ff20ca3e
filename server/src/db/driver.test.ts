import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, TEST_DRIVER, type TestDatabase } from '../testing/testDatabase.ts';
import { dialectOf, migrationForPostgres, toPostgresPlaceholders } from './dialect.ts';
import { assertNoOpenTransaction, type Db, NetworkInTransactionError, OuterHandleInTransactionError } from './driver.ts';
import { sql } from './sql.ts';

let tdb: TestDatabase;
let db: Db;
beforeEach(async () => {
  tdb = await createTestDatabase();
  db = tdb.open();
  await db.exec('CREATE TABLE t (id TEXT PRIMARY KEY, n INTEGER NOT NULL, doc TEXT)');
});
afterEach(async () => {
  await db.close();
  await tdb.drop();
});

describe(`the ${TEST_DRIVER} driver`, () => {
  it('binds values as placeholders and reads rows back in one shape', async () => {
    await db.run(sql`INSERT INTO t (id, n, doc) VALUES (${'a'}, ${1}, ${'{"k":"v"}'}), (${"b'?"}, ${2}, ${null})`);
    expect(await db.all(sql`SELECT id, n, doc FROM t ORDER BY id`)).toEqual([
      { id: 'a', n: 1, doc: '{"k":"v"}' },
      { id: "b'?", n: 2, doc: null },
    ]);
    expect(await db.get(sql`SELECT COUNT(*) AS c, SUM(n) AS s, EXISTS (SELECT 1 FROM t WHERE n = 2) AS e FROM t`)).toEqual({
      c: 2,
      s: 3,
      e: 1,
    });
    expect(await db.get(sql`SELECT id FROM t WHERE id = ${'missing'}`)).toBeUndefined();
    expect(await db.run(sql`UPDATE t SET n = n + 1`)).toEqual({ changes: 2 });
  });

  it('writes an unsynced statement, answers its row, and leaves every other commit durable', async () => {
    const row = await db.getUnsynced(
      sql`INSERT INTO t (id, n) VALUES (${'u'}, ${1}) ON CONFLICT (id) DO UPDATE SET n = t.n + 1 RETURNING n`,
    );
    expect(row).toEqual({ n: 1 });
    expect(
      await db.getUnsynced(sql`INSERT INTO t (id, n) VALUES (${'u'}, ${1}) ON CONFLICT (id) DO UPDATE SET n = t.n + 1 RETURNING n`),
    ).toEqual({
      n: 2,
    });
    const other = tdb.open();
    try {
      expect(await other.get(sql`SELECT n FROM t WHERE id = 'u'`)).toEqual({ n: 2 });
    } finally {
      await other.close();
    }
    if (TEST_DRIVER === 'sqlite') expect(await db.get(sql`PRAGMA synchronous`)).toEqual({ synchronous: 2 });
    // Inside a transaction it belongs to the transaction: rolled back with it.
    await expect(
      db.tx(async (tx) => {
        await tx.getUnsynced(sql`INSERT INTO t (id, n) VALUES ('v', 1) RETURNING n`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.get(sql`SELECT id FROM t WHERE id = 'v'`)).toBeUndefined();
  });

  it('commits a transaction and rolls back one that throws', async () => {
    await db.tx(async (tx) => {
      await tx.run(sql`INSERT INTO t (id, n) VALUES ('a', 1)`);
    });
    await expect(
      db.tx(async (tx) => {
        await tx.run(sql`INSERT INTO t (id, n) VALUES ('b', 2)`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.all(sql`SELECT id FROM t ORDER BY id`)).toEqual([{ id: 'a' }]);
  });

  it('refuses the outer handle inside a transaction, and a transaction handle after it ended', async () => {
    let kept: Parameters<Parameters<Db['tx']>[0]>[0] | undefined;
    await expect(
      db.tx(async (tx) => {
        kept = tx;
        await tx.run(sql`INSERT INTO t (id, n) VALUES ('a', 1)`);
        await db.get(sql`SELECT 1 AS one`);
      }),
    ).rejects.toBeInstanceOf(OuterHandleInTransactionError);
    expect(await db.all(sql`SELECT id FROM t`)).toEqual([]);
    await expect((kept as NonNullable<typeof kept>).get(sql`SELECT 1 AS one`)).rejects.toThrow(/transaction has ended/);
  });

  it('joins an enclosing transaction when tx() is called on its handle', async () => {
    await expect(
      db.tx(async (tx) => {
        await tx.tx(async (inner) => inner.run(sql`INSERT INTO t (id, n) VALUES ('a', 1)`));
        throw new Error('outer fails');
      }),
    ).rejects.toThrow('outer fails');
    expect(await db.all(sql`SELECT id FROM t`)).toEqual([]);
  });

  it('keeps other flows out of an open transaction: their statements see it only after commit', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const writer = db.tx(async (tx) => {
      await tx.run(sql`INSERT INTO t (id, n) VALUES ('a', 1)`);
      await gate;
      await tx.run(sql`UPDATE t SET n = 2 WHERE id = 'a'`);
    });
    await new Promise((r) => setTimeout(r, 20));
    const reader = db.all<{ n: number }>(sql`SELECT n FROM t`);
    release();
    await writer;
    const seen = await reader;
    // SQLite: the reader waited for the commit. PostgreSQL: it read the committed snapshot before it.
    expect(seen).toEqual(TEST_DRIVER === 'sqlite' ? [{ n: 2 }] : expect.any(Array));
    expect(seen.every((r) => r.n === 2) || seen.length === 0).toBe(true);
  });

  it('runs concurrent transactions one after another without losing an update', async () => {
    await db.run(sql`INSERT INTO t (id, n) VALUES ('c', 0)`);
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.tx(async (tx) => {
          const row = await tx.get<{ n: number }>(sql`SELECT n FROM t WHERE id = 'c'${dialectOf(tx).forUpdate}`);
          await new Promise((r) => setTimeout(r, 1));
          await tx.run(sql`UPDATE t SET n = ${(row?.n ?? 0) + 1} WHERE id = 'c'`);
        }),
      ),
    );
    expect(await db.get(sql`SELECT n FROM t WHERE id = 'c'`)).toEqual({ n: 20 });
  });

  it("waits for another connection's write lock without stopping this process's event loop", async () => {
    await db.run(sql`INSERT INTO t (id, n) VALUES ('x', 0)`);
    // another connection (on SQLite: as another process would) holds the write lock for a while
    const other = tdb.open();
    try {
      let release: () => void = () => {};
      const held = new Promise<void>((resolve) => (release = resolve));
      let holding: () => void = () => {};
      const started = new Promise<void>((resolve) => (holding = resolve));
      const first = other.tx(async (tx) => {
        await tx.run(sql`UPDATE t SET n = n + 1 WHERE id = 'x'`);
        holding();
        await held;
      });
      await started;
      let ticks = 0;
      const ticker = setInterval(() => {
        ticks += 1;
      }, 10);
      const second = db.tx((tx) => tx.run(sql`UPDATE t SET n = n + 10 WHERE id = 'x'`));
      const outside = db.run(sql`UPDATE t SET n = n + 100 WHERE id = 'x'`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const ticked = ticks;
      release();
      await Promise.all([first, second, outside]);
      clearInterval(ticker);
      // timers kept firing while this process waited (SQLite's own busy handler sleeps inside the call)
      expect(ticked).toBeGreaterThan(5);
      expect(await db.get(sql`SELECT n FROM t WHERE id = 'x'`)).toEqual({ n: 111 });
    } finally {
      await other.close();
    }
  });

  it('reads JSON arrays and fields the same way', async () => {
    await db.run(sql`INSERT INTO t (id, n, doc) VALUES ('a', 1, '{"name":"x","tags":["p","q"]}')`);
    const d = dialectOf(db);
    expect(await db.get(sql`SELECT ${d.jsonText(sql`doc`, 'name')} AS name FROM t`)).toEqual({ name: 'x' });
    const tags = await db.all(sql`SELECT value FROM ${d.jsonArrayElements(sql`'["p","q"]'`)} AS tags ORDER BY value`);
    expect(tags).toEqual([{ value: 'p' }, { value: 'q' }]);
  });

  it('joins over the elements of a JSON array, objects or scalars, the same way', async () => {
    await db.run(sql`INSERT INTO t (id, n, doc) VALUES ('a', 1, '{"slots":[{"c":"crm"},{"c":"mail","x":"y"}]}'), ('b', 2, '{}')`);
    const d = dialectOf(db);
    const slots = await db.all(sql`SELECT t.id, ${d.jsonText(sql`s.value`, 'c')} AS c, ${d.jsonText(sql`s.value`, 'x')} AS x
      FROM t${d.joinJsonArray(sql`t.doc`, 's', { key: 'slots' })} ORDER BY c`);
    expect(slots).toEqual([
      { id: 'a', c: 'crm', x: null },
      { id: 'a', c: 'mail', x: 'y' },
    ]);
    const tags = await db.all(sql`SELECT h.value FROM t${d.joinJsonArray(sql`'["p","q"]'`, 'h', { scalars: true })} WHERE t.id = 'a'`);
    expect(tags).toEqual([{ value: 'p' }, { value: 'q' }]);
  });

  it('refuses a network call from inside a transaction', async () => {
    await expect(
      db.tx(async () => {
        assertNoOpenTransaction('An HTTP request');
      }),
    ).rejects.toBeInstanceOf(NetworkInTransactionError);
    expect(() => assertNoOpenTransaction('An HTTP request')).not.toThrow();
  });
});

describe('dialect helpers', () => {
  it('numbers placeholders for PostgreSQL outside quotes and comments', () => {
    expect(toPostgresPlaceholders('SELECT ? AS a, \'?\' AS b, "?" AS c -- ?\n, ? AS d')).toBe(
      'SELECT $1 AS a, \'?\' AS b, "?" AS c -- ?\n, $2 AS d',
    );
  });

  it('translates the SQLite-only words of a migration', () => {
    expect(migrationForPostgres('CREATE TABLE a (e TEXT COLLATE NOCASE, b BLOB, r REAL) STRICT;')).toBe(
      'CREATE TABLE a (e TEXT COLLATE nocase, b BYTEA, r DOUBLE PRECISION);',
    );
  });
});

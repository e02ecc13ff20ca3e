import { describe, expect, it } from 'vitest';
import { createTestDatabase } from '../testing/testDatabase.ts';
import { sql } from './sql.ts';

describe('sql tag', () => {
  it('turns every interpolated value into a placeholder', () => {
    const name = "Robert'); DROP TABLE admin_users;--";
    const q = sql`SELECT * FROM t WHERE name = ${name} AND n > ${3} AND flag = ${true} AND gone = ${undefined}`;
    expect(q.text).toBe('SELECT * FROM t WHERE name = ? AND n > ? AND flag = ? AND gone = ?');
    expect(q.values).toEqual([name, 3, 1, null]);
  });

  it('splices fragments with their own values, in order', () => {
    const conditions = [sql`a = ${1}`, sql`b IN (${sql.join([sql`${'x'}`, sql`${'y'}`], ', ')})`];
    const q = sql`SELECT * FROM t${sql.where(conditions)} LIMIT ${10}`;
    expect(q.text).toBe('SELECT * FROM t WHERE a = ? AND b IN (?, ?) LIMIT ?');
    expect(q.values).toEqual([1, 'x', 'y', 10]);
    expect(sql`SELECT 1${sql.where([])}`.text).toBe('SELECT 1');
  });

  it('sql.raw adds text and no values', () => {
    const q = sql`SELECT ${sql.raw('id')} FROM ${sql.raw('admin_users')} WHERE id = ${'adm_1'}`;
    expect(q).toMatchObject({ text: 'SELECT id FROM admin_users WHERE id = ?', values: ['adm_1'] });
  });

  it.each([
    ['an object', { a: 1 }],
    ['an array', [1, 2]],
    ['a function', () => 1],
    ['a symbol', Symbol('s')],
    ['a date', new Date()],
  ])('refuses to bind %s', (_what, value) => {
    expect(() => sql`SELECT ${value}`).toThrow(/sql: cannot bind a value of type/);
  });

  it('a look-alike object is not taken for a fragment', () => {
    expect(() => sql`SELECT ${{ text: '1; DROP TABLE t', values: [] }}`).toThrow(TypeError);
  });

  it('keeps hostile text inert against a real database', async () => {
    const tdb = await createTestDatabase();
    const db = tdb.open();
    await db.exec('CREATE TABLE t (name TEXT)');
    const hostile = "x'); DROP TABLE t; --";
    await db.run(sql`INSERT INTO t (name) VALUES (${hostile})`);
    expect(await db.all<{ name: string }>(sql`SELECT name FROM t WHERE name = ${hostile}`)).toEqual([{ name: hostile }]);
    await db.close();
    await tdb.drop();
  });
});

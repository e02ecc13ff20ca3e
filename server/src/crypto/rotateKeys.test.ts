import crypto from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import type { Queryable } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { sql } from '../db/sql.ts';
import { createLogger } from '../log.ts';
import { createTestDatabase, type TestDatabase } from '../testing/testDatabase.ts';
import { bootstrapKeys, KeyMismatchError } from './keyBootstrap.ts';
import { createKeyring, type Keyring } from './keyring.ts';
import { countNotUnder, kidsInUse, rotateKeys } from './rotateKeys.ts';
import { ciphertextKid, open, seal } from './secretBox.ts';
import { SECRET_COLUMNS, secretLocation } from './secretColumns.ts';

let tdb: TestDatabase;
beforeEach(async () => {
  tdb = await createTestDatabase();
});
afterEach(async () => {
  await tdb.drop();
});

const NOW = '2026-01-01T00:00:00.000Z';

/** Seeds sealed values into every secret column; answers the plaintext expected at each location. */
async function seed(db: Queryable, keyring: Keyring): Promise<Map<string, string>> {
  const expected = new Map<string, string>();
  const put = (table: string, column: string, row: string) => {
    const plaintext = `secret-of-${table}-${row}-${crypto.randomBytes(4).toString('hex')}`;
    expected.set(`${table}|${column}|${row}`, plaintext);
    return seal(keyring, secretLocation(table, column, row), plaintext);
  };
  await db.tx(async (tx) => {
    for (let i = 0; i < 7; i++) {
      const id = `conn${i}`;
      await tx.run(sql`INSERT INTO connectors (id, name, auth_type, definition, client_secret_enc, created_at, updated_at)
        VALUES (${id}, ${id}, 'oauth2', '{}', ${put('connectors', 'client_secret_enc', id)}, ${NOW}, ${NOW})`);
    }
    for (let i = 0; i < 3; i++) {
      const cfg = `cfg_rotation000${i}`;
      await tx.run(sql`INSERT INTO embed_configs (id, name, sharing_level, allowed_origins, consent, branding, callback_secret_enc, created_at, updated_at)
        VALUES (${cfg}, ${cfg}, 'user', '[]', '{}', '{}', ${put('embed_configs', 'callback_secret_enc', cfg)}, ${NOW}, ${NOW})`);
      for (const kid of ['k1', 'k2']) {
        await tx.run(sql`INSERT INTO embed_config_keys (config_id, kid, alg, secret_enc, status, created_at)
          VALUES (${cfg}, ${kid}, 'HS256', ${put('embed_config_keys', 'secret_enc', `${cfg}:${kid}`)}, 'active', ${NOW})`);
      }
      await tx.run(sql`INSERT INTO end_users (id, config_id, account_id, user_id, first_seen_at, last_seen_at)
        VALUES (${`eu_${i}`}, ${cfg}, 'acct', 'user', ${NOW}, ${NOW})`);
      await tx.run(
        sql`INSERT INTO flows (id, name, current_version, created_at, updated_at) VALUES (${`flow_${i}`}, 'f', 1, ${NOW}, ${NOW})`,
      );
      await tx.run(sql`INSERT INTO integrations (id, config_id, flow_id, flow_version, owner_end_user_id, account_id, sharing_level, scope_user_id,
          status, secret_inputs_enc, created_at, updated_at)
        VALUES (${`int_${i}`}, ${cfg}, ${`flow_${i}`}, 1, ${`eu_${i}`}, 'acct', 'user', ${`eu_${i}`}, 'enabled',
          ${put('integrations', 'secret_inputs_enc', `int_${i}`)}, ${NOW}, ${NOW})`);
      for (let j = 0; j < 2; j++) {
        const id = `ca_${i}_${j}`;
        await tx.run(sql`INSERT INTO connector_auths (id, config_id, connector_id, name, owner_end_user_id, sharing_level, status, credentials_enc,
            created_at, updated_at)
          VALUES (${id}, ${cfg}, 'conn0', 'auth', ${`eu_${i}`}, 'user', 'active', ${put('connector_auths', 'credentials_enc', id)}, ${NOW}, ${NOW})`);
      }
    }
    // A secret column left empty is not a value to rotate.
    await tx.run(
      sql`INSERT INTO connectors (id, name, auth_type, definition, created_at, updated_at) VALUES ('nosecret', 'n', 'none', '{}', ${NOW}, ${NOW})`,
    );
  });
  return expected;
}

/** Opens every stored value with `keyring` and compares it with what was sealed. */
async function expectAllReadable(db: Queryable, keyring: Keyring, expected: Map<string, string>): Promise<void> {
  let n = 0;
  for (const c of SECRET_COLUMNS) {
    const rows = await db.all<{ row_key: string; value: string }>(
      sql`SELECT ${sql.raw(c.rowKey)} AS row_key, ${sql.raw(c.column)} AS value FROM ${sql.raw(c.table)} WHERE ${sql.raw(c.column)} IS NOT NULL`,
    );
    for (const r of rows) {
      expect(open(keyring, secretLocation(c.table, c.column, r.row_key), r.value)).toBe(
        expected.get(`${c.table}|${c.column}|${r.row_key}`),
      );
      n += 1;
    }
  }
  expect(n).toBe(expected.size);
}

const registeredKids = async (db: Queryable) =>
  (await db.all<{ kid: string }>(sql`SELECT kid FROM encryption_keys ORDER BY kid`)).map((r) => r.kid);

describe('rotateKeys', () => {
  it('survives an interruption after the first batch, finishes on re-run, retires the old key, and B alone then starts', async () => {
    const keyA = crypto.randomBytes(32);
    const keyB = crypto.randomBytes(32);
    const onlyA = createKeyring(keyA);
    const db = tdb.open();
    await migrate(db);
    await bootstrapKeys(db, onlyA, NOW);
    const expected = await seed(db, onlyA);
    const total = expected.size;
    expect(total).toBe(7 + 3 + 6 + 3 + 6);

    const rotating = createKeyring(keyB, [keyA]);
    await bootstrapKeys(db, rotating, NOW);
    expect(await registeredKids(db)).toEqual([onlyA.current.kid, rotating.current.kid].sort());

    // Crash right after the first committed batch.
    let batches = 0;
    await expect(
      rotateKeys(db, rotating, {
        batchSize: 3,
        onBatch: () => {
          batches += 1;
          throw new Error('interrupted');
        },
      }),
    ).rejects.toThrow('interrupted');
    expect(batches).toBe(1);
    expect(await kidsInUse(db)).toEqual(
      new Map([
        [rotating.current.kid, 3],
        [onlyA.current.kid, total - 3],
      ]),
    );
    // Half-way, every value still opens: old ones with A, new ones with B.
    await expectAllReadable(db, rotating, expected);
    // A is still needed: a start with B alone is refused rather than losing data.
    await expect(bootstrapKeys(db, createKeyring(keyB), NOW)).rejects.toThrow(KeyMismatchError);

    // The running server writes one value under B meanwhile; the re-run leaves it alone.
    const fresh = 'rewritten-by-server';
    expected.set('connectors|client_secret_enc|conn6', fresh);
    await db.run(
      sql`UPDATE connectors SET client_secret_enc = ${seal(rotating, secretLocation('connectors', 'client_secret_enc', 'conn6'), fresh)} WHERE id = 'conn6'`,
    );

    const sizes: number[] = [];
    const result = await rotateKeys(db, rotating, { batchSize: 4, onBatch: (n) => sizes.push(n) });
    expect(result).toEqual({ resealed: total - 4, changedMeanwhile: 0, remaining: 0, retiredKids: [onlyA.current.kid] });
    expect(sizes.every((n) => n <= 4)).toBe(true);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(total - 4);
    expect(await kidsInUse(db)).toEqual(new Map([[rotating.current.kid, total]]));
    expect(await countNotUnder(db, rotating.current.kid)).toBe(0);
    expect(await registeredKids(db)).toEqual([rotating.current.kid]);
    await expectAllReadable(db, createKeyring(keyB), expected);

    // Running it again is a no-op.
    expect(await rotateKeys(db, rotating)).toEqual({ resealed: 0, changedMeanwhile: 0, remaining: 0, retiredKids: [] });
    await db.close();

    // A server with only B starts and serves; one with only A is refused.
    const log = createLogger('silent');
    const app = await createApp({ config: loadConfig({ ...tdb.env, PATCHBAY_ENCRYPTION_KEY: keyB.toString('base64') }), log });
    const server = await new Promise<Server>((resolve) => {
      const s = app.app.listen(0, '127.0.0.1', () => resolve(s));
    });
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/readyz`);
    expect(res.status).toBe(200);
    await expectAllReadable(app.ctx.db, app.ctx.keyring, expected);
    await new Promise((resolve) => server.close(resolve));
    await app.close();
    await expect(createApp({ config: loadConfig({ ...tdb.env, PATCHBAY_ENCRYPTION_KEY: keyA.toString('base64') }), log })).rejects.toThrow(
      KeyMismatchError,
    );
  });

  it('compare-and-swap: a value changed between read and write keeps the concurrent writer’s version', async () => {
    const db = tdb.open();
    await migrate(db);
    const a = createKeyring(crypto.randomBytes(32));
    for (const id of ['one', 'two']) {
      await db.run(sql`INSERT INTO connectors (id, name, auth_type, definition, client_secret_enc, created_at, updated_at)
        VALUES (${id}, ${id}, 'oauth2', '{}', ${seal(a, secretLocation('connectors', 'client_secret_enc', id), `old-${id}`)}, ${NOW}, ${NOW})`);
    }
    const b = createKeyring(crypto.randomBytes(32), [a.current.key]);
    // Once the batch is read, while it is re-sealed (outside the write transaction), "the server" saves a new secret for `two`.
    let wrote = false;
    const racing: Queryable = {
      ...db,
      all: async <T>(q: Parameters<Queryable['all']>[0]) => {
        const rows = await db.all<T>(q);
        if (!wrote && rows.length > 0) {
          wrote = true;
          await db.run(
            sql`UPDATE connectors SET client_secret_enc = ${seal(b, secretLocation('connectors', 'client_secret_enc', 'two'), 'new-two')} WHERE id = 'two'`,
          );
        }
        return rows;
      },
    };
    const result = await rotateKeys(racing, b, { batchSize: 10 });
    expect(result).toMatchObject({ resealed: 1, changedMeanwhile: 1, remaining: 0 });
    const value = async (id: string) =>
      (await db.get<{ v: string }>(sql`SELECT client_secret_enc AS v FROM connectors WHERE id = ${id}`))?.v ?? '';
    expect(open(b, secretLocation('connectors', 'client_secret_enc', 'one'), await value('one'))).toBe('old-one');
    expect(open(b, secretLocation('connectors', 'client_secret_enc', 'two'), await value('two'))).toBe('new-two');
    await db.close();
  });

  it('refuses to rotate a value it cannot open (wrong place), leaving it untouched', async () => {
    const db = tdb.open();
    await migrate(db);
    const a = createKeyring(crypto.randomBytes(32));
    // Sealed for another row: moved ciphertext must not be "laundered" by a rotation.
    const moved = seal(a, secretLocation('connectors', 'client_secret_enc', 'elsewhere'), 's');
    await db.run(sql`INSERT INTO connectors (id, name, auth_type, definition, client_secret_enc, created_at, updated_at)
      VALUES ('here', 'h', 'oauth2', '{}', ${moved}, ${NOW}, ${NOW})`);
    const b = createKeyring(crypto.randomBytes(32), [a.current.key]);
    await expect(rotateKeys(db, b)).rejects.toThrow(/cannot decrypt connectors.client_secret_enc of here/);
    expect((await db.get<{ v: string }>(sql`SELECT client_secret_enc AS v FROM connectors WHERE id = 'here'`))?.v).toBe(moved);
    expect(ciphertextKid(moved)).toBe(a.current.kid);
    await db.close();
  });
});

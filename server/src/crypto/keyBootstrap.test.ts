import crypto from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { migrate } from '../db/migrate.ts';
import { sql } from '../db/sql.ts';
import { createLogger } from '../log.ts';
import { createTestDatabase, type TestDatabase } from '../testing/testDatabase.ts';
import { bootstrapKeys, KeyMismatchError } from './keyBootstrap.ts';
import { createKeyring, keyCheckValue } from './keyring.ts';

let tdb: TestDatabase;
beforeEach(async () => {
  tdb = await createTestDatabase();
});
afterEach(async () => {
  await tdb.drop();
});
const b64 = (k: Buffer) => k.toString('base64');

describe('bootstrapKeys', () => {
  it('registers the current key id with a check value, once', async () => {
    const db = tdb.open();
    await migrate(db);
    const keyring = createKeyring(crypto.randomBytes(32));
    await bootstrapKeys(db, keyring, new Date().toISOString());
    await bootstrapKeys(db, keyring, new Date().toISOString());
    expect(await db.all(sql`SELECT kid, check_value FROM encryption_keys`)).toEqual([
      { kid: keyring.current.kid, check_value: keyCheckValue(keyring.current.key) },
    ]);
    await db.close();
  });

  it('a start-up with a different key than the data’s refuses with KeyMismatchError', async () => {
    const first = crypto.randomBytes(32);
    const log = createLogger('silent');
    await (await createApp({ config: loadConfig({ ...tdb.env, PATCHBAY_ENCRYPTION_KEY: b64(first) }), log })).close();

    const other = loadConfig({ ...tdb.env, PATCHBAY_ENCRYPTION_KEY: b64(crypto.randomBytes(32)) });
    await expect(createApp({ config: other, log })).rejects.toThrow(KeyMismatchError);
    await expect(createApp({ config: other, log })).rejects.toThrow(/PATCHBAY_PREVIOUS_ENCRYPTION_KEYS/);

    // With the old key as a previous key it starts (that is how a rotation begins).
    const rotating = loadConfig({
      ...tdb.env,
      PATCHBAY_ENCRYPTION_KEY: b64(crypto.randomBytes(32)),
      PATCHBAY_PREVIOUS_ENCRYPTION_KEYS: b64(first),
    });
    await (await createApp({ config: rotating, log })).close();
  });

  it('refuses a key whose check value does not match its record', async () => {
    const db = tdb.open();
    await migrate(db);
    const keyring = createKeyring(crypto.randomBytes(32));
    await db.run(
      sql`INSERT INTO encryption_keys (kid, check_value, created_at) VALUES (${keyring.current.kid}, 'tampered', ${new Date().toISOString()})`,
    );
    await expect(bootstrapKeys(db, keyring, new Date().toISOString())).rejects.toThrow(KeyMismatchError);
    await db.close();
  });
});

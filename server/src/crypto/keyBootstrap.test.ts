import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { openDatabase } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import { sql } from '../db/sql.ts';
import { createLogger } from '../log.ts';
import { bootstrapKeys, KeyMismatchError } from './keyBootstrap.ts';
import { createKeyring, keyCheckValue } from './keyring.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
function tempFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'patchbay-keys-'));
  dirs.push(dir);
  return path.join(dir, 'patchbay.db');
}
const b64 = (k: Buffer) => k.toString('base64');

describe('bootstrapKeys', () => {
  it('registers the current key id with a check value, once', async () => {
    const db = openDatabase(':memory:');
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
    const file = tempFile();
    const first = crypto.randomBytes(32);
    const log = createLogger('silent');
    (await createApp({ config: loadConfig({ PATCHBAY_DB: file, PATCHBAY_ENCRYPTION_KEY: b64(first) }), log })).close();

    const other = loadConfig({ PATCHBAY_DB: file, PATCHBAY_ENCRYPTION_KEY: b64(crypto.randomBytes(32)) });
    expect(() => await createApp({ config: other, log })).toThrow(KeyMismatchError);
    expect(() => await createApp({ config: other, log })).toThrow(/PATCHBAY_PREVIOUS_ENCRYPTION_KEYS/);

    // With the old key as a previous key it starts (that is how a rotation begins).
    const rotating = loadConfig({
      PATCHBAY_DB: file,
      PATCHBAY_ENCRYPTION_KEY: b64(crypto.randomBytes(32)),
      PATCHBAY_PREVIOUS_ENCRYPTION_KEYS: b64(first),
    });
    (await createApp({ config: rotating, log })).close();
  });

  it('refuses a key whose check value does not match its record', async () => {
    const db = openDatabase(':memory:');
    await migrate(db);
    const keyring = createKeyring(crypto.randomBytes(32));
    await db.run(
      sql`INSERT INTO encryption_keys (kid, check_value, created_at) VALUES (${keyring.current.kid}, 'tampered', ${new Date().toISOString()})`,
    );
    expect(() => await bootstrapKeys(db, keyring, new Date().toISOString())).toThrow(KeyMismatchError);
    await db.close();
  });
});

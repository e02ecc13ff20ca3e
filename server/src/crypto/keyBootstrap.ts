import type { Queryable } from '../db/database.ts';
import { insertEncryptionKey, listEncryptionKeys } from '../db/repos/encryptionKeys.ts';
import { type Keyring, keyCheckValue } from './keyring.ts';

/** Start-up must stop: the data needs a key that was not given, or a key does not match its record. */
export class KeyMismatchError extends Error {}

/**
 * Registers the current key and checks that every key the data was written under is in the
 * keyring, with a matching check value. Refuses to start otherwise (a lost key is lost data).
 */
export async function bootstrapKeys(db: Queryable, keyring: Keyring, nowIso: string): Promise<void> {
  const known = await listEncryptionKeys(db);
  for (const row of known) {
    const key = keyring.find(row.kid);
    if (!key) {
      throw new KeyMismatchError(
        `Stored secrets are encrypted under key ${row.kid}, which is neither PATCHBAY_ENCRYPTION_KEY nor in PATCHBAY_PREVIOUS_ENCRYPTION_KEYS. ` +
          'Start with the key the data was written with; to change keys, run `patchbay keys rotate` with the old key in PATCHBAY_PREVIOUS_ENCRYPTION_KEYS.',
      );
    }
    if (keyCheckValue(key.key) !== row.check_value) throw new KeyMismatchError(`Key ${row.kid} does not match its stored check value`);
  }
  if (!known.some((k) => k.kid === keyring.current.kid)) {
    await insertEncryptionKey(db, { kid: keyring.current.kid, check_value: keyCheckValue(keyring.current.key), created_at: nowIso });
  }
}

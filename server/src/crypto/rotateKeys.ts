import type { Queryable } from '../db/database.ts';
import { deleteEncryptionKey, listEncryptionKidsExcept } from '../db/repos/encryptionKeys.ts';
import {
  anySealedValuePrefixed,
  countSealedValuesNotPrefixed,
  listSealedValues,
  listSealedValuesNotPrefixed,
  swapSealedValue,
} from '../db/repos/secretRows.ts';
import type { SqlValue } from '../db/sql.ts';
import type { Keyring } from './keyring.ts';
import { ciphertextKid, open, seal } from './secretBox.ts';
import { SECRET_COLUMNS, secretLocation } from './secretColumns.ts';

/** What a rotation run did. */
export interface RotationResult {
  /** Values re-sealed under the current key. */
  readonly resealed: number;
  /** Values skipped because they changed while being re-sealed (a later run picks them up). */
  readonly changedMeanwhile: number;
  /** Values still under an old key after this run (0 when the rotation is complete). */
  readonly remaining: number;
  /** Key ids removed from `encryption_keys` because no value uses them any more. */
  readonly retiredKids: readonly string[];
}

/** Options of {@link rotateKeys}. */
export interface RotationOptions {
  /** Rows re-sealed per transaction (default 100); small batches keep the write lock short. */
  readonly batchSize?: number;
  /** Called after each committed batch with its size; throwing stops the run (tests simulate a crash). */
  readonly onBatch?: (resealed: number) => void;
}

/** The `v1.<kid>.` prefix every value sealed under `kid` starts with. */
function sealedPrefix(kid: string): string {
  return `v1.${kid}.`;
}

/**
 * Re-seals every secret value not under the current key, in batches of short transactions,
 * walking each table by its primary key. Each row is written with compare-and-swap on its old
 * value, so a concurrent writer always wins and no value is lost; the run can stop at any point
 * and be run again. Every value stays readable throughout: old values with a previous key of the
 * keyring, new ones with the current.
 * Finally drops every key id no value uses any more from `encryption_keys`.
 */
export async function rotateKeys(db: Queryable, keyring: Keyring, opts: RotationOptions = {}): Promise<RotationResult> {
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 100));
  const currentPrefix = sealedPrefix(keyring.current.kid);
  let resealed = 0;
  let changedMeanwhile = 0;

  for (const column of SECRET_COLUMNS) {
    let after: readonly SqlValue[] | null = null;
    for (;;) {
      const batch = await listSealedValuesNotPrefixed(db, column, currentPrefix, after, batchSize);
      if (batch.length === 0) break;
      after = batch[batch.length - 1]?.key ?? after;
      // Decrypt and re-encrypt outside the write lock; only the swaps run in the transaction.
      const updates = batch.map((r) => {
        const at = secretLocation(column.table, column.column, r.rowKey);
        return { key: r.key, old: r.value, next: seal(keyring, at, open(keyring, at, r.value)) };
      });
      const written = await db.tx(async (tx) => {
        let n = 0;
        for (const u of updates) {
          if (await swapSealedValue(tx, column, u.key, u.old, u.next)) n += 1;
        }
        return n;
      });
      resealed += written;
      changedMeanwhile += updates.length - written;
      opts.onBatch?.(written);
    }
  }

  const remaining = await countNotUnder(db, keyring.current.kid);
  const retiredKids = await retireUnusedKids(db, keyring.current.kid);
  return { resealed, changedMeanwhile, remaining, retiredKids };
}

/** How many secret values are not sealed under `kid`. */
export async function countNotUnder(db: Queryable, kid: string): Promise<number> {
  const prefix = sealedPrefix(kid);
  let n = 0;
  for (const column of SECRET_COLUMNS) n += await countSealedValuesNotPrefixed(db, column, prefix);
  return n;
}

/** Key ids of every value currently stored, with counts (for reports). */
export async function kidsInUse(db: Queryable): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const column of SECRET_COLUMNS) {
    for (const value of await listSealedValues(db, column)) {
      const kid = ciphertextKid(value) ?? '(unknown)';
      out.set(kid, (out.get(kid) ?? 0) + 1);
    }
  }
  return out;
}

/** Deletes registered keys (other than the current one) that no stored value uses; answers their ids. */
async function retireUnusedKids(db: Queryable, currentKid: string): Promise<string[]> {
  return db.tx(async (tx) => {
    const retired: string[] = [];
    for (const kid of await listEncryptionKidsExcept(tx, currentKid)) {
      if (await isKidUsed(tx, kid)) continue;
      await deleteEncryptionKey(tx, kid);
      retired.push(kid);
    }
    return retired;
  });
}

async function isKidUsed(db: Queryable, kid: string): Promise<boolean> {
  const prefix = sealedPrefix(kid);
  for (const column of SECRET_COLUMNS) if (await anySealedValuePrefixed(db, column, prefix)) return true;
  return false;
}

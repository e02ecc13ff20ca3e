import type { Db } from '../db/database.ts';
import { sql } from '../db/sql.ts';
import type { Keyring } from './keyring.ts';
import { ciphertextKid, open, seal } from './secretBox.ts';
import { SECRET_COLUMNS, type SecretColumn, secretLocation } from './secretColumns.ts';

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

interface Candidate {
  rid: number;
  row_key: string;
  value: string;
}

/** The `v1.<kid>.` prefix every value sealed under `kid` starts with. */
function sealedPrefix(kid: string): string {
  return `v1.${kid}.`;
}

/** SQL fragments for one registered column; names come from the compile-time registry, never input. */
function columnSql(c: SecretColumn) {
  return { table: sql.raw(c.table), column: sql.raw(c.column), rowKey: sql.raw(c.rowKey) };
}

/**
 * Re-seals every secret value not under the current key, in batches of short transactions.
 * Each row is written with compare-and-swap on its old value, so a concurrent writer always
 * wins and no value is lost; the run can stop at any point and be run again. Every value stays
 * readable throughout: old values with a previous key of the keyring, new ones with the current.
 * Finally drops every key id no value uses any more from `encryption_keys`.
 */
export function rotateKeys(db: Db, keyring: Keyring, opts: RotationOptions = {}): RotationResult {
  const batchSize = Math.max(1, Math.floor(opts.batchSize ?? 100));
  const currentPrefix = sealedPrefix(keyring.current.kid);
  let resealed = 0;
  let changedMeanwhile = 0;

  for (const column of SECRET_COLUMNS) {
    const c = columnSql(column);
    let lastRowid = 0;
    for (;;) {
      const batch = db.all<Candidate>(sql`SELECT rowid AS rid, ${c.rowKey} AS row_key, ${c.column} AS value FROM ${c.table}
        WHERE ${c.column} IS NOT NULL AND rowid > ${lastRowid}
          AND substr(${c.column}, 1, ${currentPrefix.length}) <> ${currentPrefix}
        ORDER BY rowid LIMIT ${batchSize}`);
      if (batch.length === 0) break;
      lastRowid = batch[batch.length - 1]?.rid ?? lastRowid;
      // Decrypt and re-encrypt outside the write lock; only the swaps run in the transaction.
      const updates = batch.map((r) => {
        const at = secretLocation(column.table, column.column, r.row_key);
        return { rid: r.rid, old: r.value, next: seal(keyring, at, open(keyring, at, r.value)) };
      });
      const written = db.tx(() => {
        let n = 0;
        for (const u of updates) {
          n += db.run(sql`UPDATE ${c.table} SET ${c.column} = ${u.next} WHERE rowid = ${u.rid} AND ${c.column} = ${u.old}`).changes;
        }
        return n;
      });
      resealed += written;
      changedMeanwhile += updates.length - written;
      opts.onBatch?.(written);
    }
  }

  const remaining = countNotUnder(db, keyring.current.kid);
  const retiredKids = retireUnusedKids(db, keyring.current.kid);
  return { resealed, changedMeanwhile, remaining, retiredKids };
}

/** How many secret values are not sealed under `kid`. */
export function countNotUnder(db: Db, kid: string): number {
  const prefix = sealedPrefix(kid);
  let n = 0;
  for (const column of SECRET_COLUMNS) {
    const c = columnSql(column);
    n +=
      db.get<{ n: number }>(sql`SELECT count(*) AS n FROM ${c.table}
        WHERE ${c.column} IS NOT NULL AND substr(${c.column}, 1, ${prefix.length}) <> ${prefix}`)?.n ?? 0;
  }
  return n;
}

/** Key ids of every value currently stored, with counts (for reports). */
export function kidsInUse(db: Db): Map<string, number> {
  const out = new Map<string, number>();
  for (const column of SECRET_COLUMNS) {
    const c = columnSql(column);
    for (const r of db.all<{ value: string }>(sql`SELECT ${c.column} AS value FROM ${c.table} WHERE ${c.column} IS NOT NULL`)) {
      const kid = ciphertextKid(r.value) ?? '(unknown)';
      out.set(kid, (out.get(kid) ?? 0) + 1);
    }
  }
  return out;
}

/** Deletes registered keys (other than the current one) that no stored value uses; answers their ids. */
function retireUnusedKids(db: Db, currentKid: string): string[] {
  return db.tx(() => {
    const registered = db.all<{ kid: string }>(sql`SELECT kid FROM encryption_keys WHERE kid <> ${currentKid}`);
    const retired: string[] = [];
    for (const { kid } of registered) {
      if (isKidUsed(db, kid)) continue;
      db.run(sql`DELETE FROM encryption_keys WHERE kid = ${kid}`);
      retired.push(kid);
    }
    return retired;
  });
}

function isKidUsed(db: Db, kid: string): boolean {
  const prefix = sealedPrefix(kid);
  return SECRET_COLUMNS.some((column) => {
    const c = columnSql(column);
    return db.get(sql`SELECT 1 AS used FROM ${c.table} WHERE substr(${c.column}, 1, ${prefix.length}) = ${prefix} LIMIT 1`) !== undefined;
  });
}

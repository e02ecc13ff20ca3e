import type { BenchDatabase, Driver } from './world.ts';

/** One figure a job bench measured, with its target when it has one. */
export interface JobRow {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** `min`: at least this; `max`: at most this. Only some figures have targets, and some only on SQLite. */
  readonly target?: { readonly kind: 'min' | 'max'; readonly value: number } | undefined;
  /** Notes for the table (sizes, what was seen). */
  readonly detail?: string;
}

/** Whether a row meets its target (a row without one always does). */
export function meets(row: JobRow): boolean {
  if (!row.target) return true;
  if (!Number.isFinite(row.value)) return false;
  return row.target.kind === 'min' ? row.value >= row.target.value : row.value <= row.target.value;
}

/**
 * A bench of work that is not one HTTP request under load: run throughput, schedule lag, callback
 * delivery, the console's list over a big table. It gets a fresh database per driver and answers
 * its figures; a broken invariant (a run lost or run twice, a delivery sent twice) throws.
 */
export interface JobBench {
  readonly name: string;
  readonly description: string;
  run(db: BenchDatabase, driver: Driver): Promise<JobRow[]>;
}

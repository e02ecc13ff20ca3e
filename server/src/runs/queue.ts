import type { Clock } from '../context.ts';
import type { Queryable } from '../db/driver.ts';
import type { Fragment } from '../db/repos/leaseQueue.ts';
import {
  type ClaimedRow,
  type LeaseQueueSpec,
  leaseRows,
  lockClaims,
  nextDueAt,
  renewLease,
  selectClaimable,
  settleLease,
} from '../db/repos/leaseQueue.ts';

/**
 * A lease queue over one table (docs/runs.md, "Queue"): workers claim due rows with a lease and a
 * fencing token, renew the lease while they work, and settle a row only while their token still
 * holds. A row whose lease runs out is claimed again (attempt + 1), so a dead worker loses
 * nothing; a worker that was only slow finds its token stale and writes nothing, so no row is
 * settled twice. Claims are fair across groups (configurations) with a cap of live leases per
 * group, and at most one row per key (integration) is leased at a time.
 *
 * On PostgreSQL a claim is one transaction: an advisory lock per queue serialises claimers (the
 * cap and the one-per-key rule count rows other claimers move), the chosen rows are locked
 * `FOR UPDATE SKIP LOCKED` (passing rows another transaction holds, a cancel say) and leased. On
 * SQLite the transaction is `BEGIN IMMEDIATE`: the database's one write lock serialises claimers
 * across processes. Renewing and settling are single compare-and-swap statements on the token.
 *
 * Wake-up: workers poll every `pollMs`; an enqueue in this process nudges them at once
 * ({@link nudgeQueue}), so a run started here is picked up without waiting for the next poll.
 */

/** A claimed row: the holder's proof. */
export interface Lease {
  readonly id: string;
  /** The fencing token: every claim of the row raises it; settle and renew compare it. */
  readonly fence: number;
  /** Which execution this is (1 first; a take-over after a lapsed lease adds one). */
  readonly attempt: number;
  /** How often the row was taken over after a lapsed lease. */
  readonly reclaims: number;
  readonly owner: string;
  /** When the lease ends unless renewed (ms since the epoch). */
  leaseUntil: number;
}

/** Options of a {@link LeaseQueue}. */
export interface LeaseQueueOptions {
  /** How long a claim or renewal holds (default 30 s). */
  readonly leaseMs?: number;
  /** Live leases a group may hold at once (default 10). */
  readonly groupCap?: number;
  /** The clock leases are measured by. */
  readonly clock: Clock;
}

type Waiter = () => void;
const waiters = new Map<string, Set<Waiter>>();

/** Wakes this process's workers of a queue (call after committing an enqueue). */
export function nudgeQueue(table: string): void {
  const set = waiters.get(table);
  if (!set) return;
  for (const wake of [...set]) wake();
}

/** The default lease. */
export const DEFAULT_LEASE_MS = 30_000;
/** The default cap of live leases per group. */
export const DEFAULT_GROUP_CAP = 10;

/** Settles committed together at most (see {@link LeaseQueue.settle}). */
const SETTLE_BATCH_MAX = 64;

interface PendingSettle {
  readonly lease: Lease;
  readonly set: Fragment;
  readonly also: ((tx: Queryable) => Promise<void>) | undefined;
  readonly resolve: (ok: boolean) => void;
  readonly reject: (err: unknown) => void;
}

/** A queue over one table; see the module comment. */
export class LeaseQueue {
  readonly leaseMs: number;
  readonly groupCap: number;
  private readonly clock: Clock;
  private readonly settling: PendingSettle[] = [];
  private flushing = false;

  constructor(
    private readonly db: Queryable,
    readonly spec: LeaseQueueSpec,
    opts: LeaseQueueOptions,
  ) {
    this.leaseMs = opts.leaseMs ?? DEFAULT_LEASE_MS;
    this.groupCap = opts.groupCap ?? DEFAULT_GROUP_CAP;
    this.clock = opts.clock;
  }

  private iso(ms: number): string {
    return new Date(ms).toISOString();
  }

  /** Claims up to `max` due rows for `owner`, fairly (see the module comment). */
  async claim(owner: string, max: number): Promise<Lease[]> {
    if (max <= 0) return [];
    const now = this.clock.now();
    const until = now + this.leaseMs;
    let chosen: string[] = [];
    const rows: ClaimedRow[] = await this.db.tx(async (tx) => {
      await lockClaims(tx, this.spec);
      chosen = await selectClaimable(tx, this.spec, this.iso(now), max, this.groupCap);
      return leaseRows(tx, this.spec, chosen, owner, this.iso(now), this.iso(until));
    });
    // in the order chosen (fairness), not the order the UPDATE happened to return them
    const order = new Map(chosen.map((id, i) => [id, i]));
    rows.sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
    return rows.map((r) => ({ id: r.id, fence: r.fence, attempt: r.attempt, reclaims: r.reclaims, owner, leaseUntil: until }));
  }

  /** Extends a lease by the queue's lease time; false when it was lost (the row was taken over or settled). */
  async renew(lease: Lease): Promise<boolean> {
    const until = this.clock.now() + this.leaseMs;
    const ok = await renewLease(this.db, this.spec, lease.id, lease.fence, this.iso(until));
    if (ok) lease.leaseUntil = until;
    return ok;
  }

  /**
   * Settles a leased row: `set` holds its assignments (a final status and results, or back to
   * waiting for a retry). `also`, when given, runs in the same transaction after a successful
   * settle (e.g. the integration's latest run). False, and nothing written, when the token is stale.
   *
   * Group commit: settles that arrive while another settle's transaction is committing wait for it
   * and then commit together, each in its own savepoint (one that throws is rolled back alone and
   * rejects alone). A settle resolves only after its commit, so nothing answered is less durable;
   * a busy worker pays one disk flush for many finished runs instead of one each.
   */
  settle(lease: Lease, set: Fragment, also?: (tx: Queryable) => Promise<void>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.settling.push({ lease, set, also, resolve, reject });
      if (!this.flushing) void this.flushSettles();
    });
  }

  private async flushSettles(): Promise<void> {
    this.flushing = true;
    try {
      while (this.settling.length > 0) {
        const batch = this.settling.splice(0, SETTLE_BATCH_MAX);
        let outcomes: (boolean | { error: unknown })[];
        try {
          outcomes = await this.db.tx(async (tx) => {
            const out: (boolean | { error: unknown })[] = [];
            for (const item of batch) {
              if (batch.length > 1) await tx.exec('SAVEPOINT pb_settle');
              try {
                const ok = await settleLease(tx, this.spec, item.lease.id, item.lease.fence, item.set);
                if (ok && item.also) await item.also(tx);
                if (batch.length > 1) await tx.exec('RELEASE SAVEPOINT pb_settle');
                out.push(ok);
              } catch (error) {
                if (batch.length === 1) throw error;
                await tx.exec('ROLLBACK TO SAVEPOINT pb_settle');
                await tx.exec('RELEASE SAVEPOINT pb_settle');
                out.push({ error });
              }
            }
            return out;
          });
        } catch (error) {
          for (const item of batch) item.reject(error);
          continue;
        }
        for (const [i, item] of batch.entries()) {
          const outcome = outcomes[i];
          if (typeof outcome === 'boolean') item.resolve(outcome);
          else item.reject(outcome?.error);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  /** When the earliest waiting row comes due (ms), or null. */
  async nextDue(): Promise<number | null> {
    const at = await nextDueAt(this.db, this.spec);
    return at === null ? null : Date.parse(at);
  }

  /**
   * Resolves after `ms`, when this process enqueues ({@link nudgeQueue}), or when `signal` aborts,
   * whichever comes first.
   */
  waitForWork(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let set = waiters.get(this.spec.table);
      if (!set) {
        set = new Set();
        waiters.set(this.spec.table, set);
      }
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      set.add(done);
      signal?.addEventListener('abort', done, { once: true });
      if (signal?.aborted) done();
    });
  }

  /**
   * Keeps a lease alive while work goes on: renews it every third of the lease time and calls
   * `onLost` once if a renewal finds the token stale (the work must stop: another worker owns
   * the row now). Answers a function that stops renewing.
   */
  keep(lease: Lease, onLost: () => void, onError: (err: unknown) => void = () => {}): () => void {
    let stopped = false;
    const timer = setInterval(
      () => {
        this.renew(lease).then(
          (ok) => {
            if (!ok && !stopped) {
              stopped = true;
              clearInterval(timer);
              onLost();
            }
          },
          // A failed renewal (the database briefly away) is retried on the next tick; the lease
          // lasts three ticks, and settling compares the token anyway.
          onError,
        );
      },
      Math.max(50, Math.floor(this.leaseMs / 3)),
    );
    timer.unref();
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }
}

import crypto from 'node:crypto';
import os from 'node:os';
import type { AppContext } from '../context.ts';
import { callbackQueueSpec } from '../db/repos/callbackDeliveries.ts';
import { sql } from '../db/sql.ts';
import { LeaseQueue } from '../runs/queue.ts';
import { type AttemptOutcome, deliverLeased } from './deliver.ts';
import { CALLBACK_CHANNEL } from './outbox.ts';

/**
 * The callback delivery worker (docs/callbacks.md): claims due deliveries from their lease queue
 * (fair across configurations; the deliveries of one object strictly in order) and sends them,
 * up to its concurrency. It runs where the run worker runs (`patchbay serve`, `patchbay
 * worker`); several processes may each run one on one database. A process killed mid-send leaves
 * a lease that runs out: the delivery is sent again with the same `webhook-id`.
 */

/** Options of {@link startCallbackWorker}. */
export interface CallbackWorkerOptions {
  readonly owner?: string;
  /** Deliveries sent at once (default 16). */
  readonly concurrency?: number;
  /**
   * Longest wait between two looks at the queue (default 1 s); an enqueue committed in this
   * process wakes it at once, and on PostgreSQL one committed by any process (`LISTEN`).
   */
  readonly pollMs?: number;
  /** The lease (default 30 s; longer than the 15 s timeout). */
  readonly leaseMs?: number;
  /** Live leases per configuration (default 10). */
  readonly groupCap?: number;
  /** Days finished deliveries are kept (default: like runs, `PATCHBAY_RUN_RETENTION_DAYS`); null: never purged here. */
  readonly retentionDays?: number | null;
  /** Jitter source (tests). */
  readonly random?: () => number;
}

/** A running worker. */
export interface CallbackWorker {
  readonly owner: string;
  readonly queue: LeaseQueue;
  /** What each attempt came to, counted. */
  readonly outcomes: Readonly<Record<AttemptOutcome | 'lost', number>>;
  /** Claims nothing more and waits for the sends in hand. */
  stop(): Promise<void>;
}

/** Starts a delivery worker over `ctx.db`. */
export function startCallbackWorker(ctx: AppContext, opts: CallbackWorkerOptions = {}): CallbackWorker {
  const owner = opts.owner ?? `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}:callbacks`;
  const concurrency = Math.max(1, opts.concurrency ?? 16);
  const pollMs = Math.max(10, opts.pollMs ?? 1000);
  const queue = new LeaseQueue(ctx.db, callbackQueueSpec, {
    clock: ctx.clock,
    ...(opts.leaseMs === undefined ? {} : { leaseMs: opts.leaseMs }),
    ...(opts.groupCap === undefined ? {} : { groupCap: opts.groupCap }),
  });
  const outcomes: Record<AttemptOutcome | 'lost', number> = { delivered: 0, retry: 0, failed: 0, gone: 0, lost: 0 };
  const active = new Set<Promise<void>>();
  let running = true;
  let wake = new AbortController();
  let lastPurge = 0;

  const purge = async () => {
    const days = opts.retentionDays === undefined ? ctx.config.runRetentionDays : opts.retentionDays;
    if (days === null || Date.now() - lastPurge < 3_600_000) return;
    lastPurge = Date.now();
    const before = new Date(ctx.clock.now() - days * 86_400_000).toISOString();
    await ctx.db.run(sql`DELETE FROM callback_deliveries WHERE status IN ('delivered', 'failed') AND created_at < ${before}`);
  };

  // PostgreSQL: enqueues committed by other processes wake this worker too (the poll stays the fallback)
  const listening: Promise<(() => Promise<void>) | null> = ctx.db.listen
    ? ctx.db
        .listen(CALLBACK_CHANNEL, () => wake.abort())
        .catch((err: unknown) => {
          ctx.log.warn('callback worker: LISTEN failed; polling only', { error: err instanceof Error ? err.message : String(err) });
          return null;
        })
    : Promise.resolve(null);

  const loop = (async () => {
    while (running) {
      if (wake.signal.aborted) wake = new AbortController();
      let more = false;
      try {
        await purge();
        const free = concurrency - active.size;
        if (free > 0) {
          const leases = await queue.claim(owner, free);
          for (const lease of leases) {
            const p: Promise<void> = deliverLeased(ctx, queue, lease, opts.random)
              .then((o) => {
                outcomes[o] += 1;
              })
              .catch((err: unknown) => {
                ctx.log.error('callback worker: delivery failed unexpectedly', { deliveryId: lease.id, error: String(err) });
              })
              .finally(() => {
                active.delete(p);
                wake.abort();
              });
            active.add(p);
          }
          more = leases.length === free;
        }
      } catch (err) {
        ctx.log.error('callback worker: error', { error: err instanceof Error ? err.message : String(err) });
      }
      if (!running) break;
      if (!more) await queue.waitForWork(pollMs, wake.signal);
    }
  })();

  return {
    owner,
    queue,
    outcomes,
    async stop() {
      running = false;
      wake.abort();
      await (await listening)?.();
      await loop;
      await Promise.all([...active]);
    },
  };
}

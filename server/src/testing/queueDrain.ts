import type { Clock } from '../context.ts';
import type { Queryable } from '../db/driver.ts';
import type { Fragment, LeaseQueueSpec } from '../db/repos/leaseQueue.ts';
import { LeaseQueue } from '../runs/queue.ts';

/**
 * Runs `claimers` concurrent claim loops on a queue until it has stayed empty for `idleMs`, each
 * settling what it claimed with `set` after a short pause (the work). Answers the ids settled, one
 * entry per successful settle, so a row settled twice shows up twice.
 */
export async function drainQueue(
  db: Queryable,
  spec: LeaseQueueSpec,
  clock: Clock,
  owner: string,
  claimers: number,
  set: Fragment,
  opts: { batch?: number; idleMs?: number; groupCap?: number; workMs?: number } = {},
): Promise<string[]> {
  const queue = new LeaseQueue(db, spec, { clock, groupCap: opts.groupCap ?? 1000 });
  const settled: string[] = [];
  const idleMs = opts.idleMs ?? 400;
  const loop = async (n: number) => {
    let idleSince = Date.now();
    while (Date.now() - idleSince < idleMs) {
      const leases = await queue.claim(`${owner}.${n}`, opts.batch ?? 3);
      if (leases.length === 0) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      idleSince = Date.now();
      for (const lease of leases) {
        await new Promise((r) => setTimeout(r, opts.workMs ?? 10));
        if (await queue.settle(lease, set)) settled.push(lease.id);
      }
    }
  };
  await Promise.all(Array.from({ length: claimers }, (_, n) => loop(n)));
  return settled;
}

import { storedFlowDefinitionSchema } from '@patchbay/shared';
import type { Clock } from '../context.ts';
import { newId } from '../crypto/tokens.ts';
import type { Queryable } from '../db/driver.ts';
import { advanceSchedule, armSchedule, insertScheduledRun, listDueSchedules, listUnarmedSchedules, RUNS_QUEUE } from '../db/repos/runs.ts';
import type { Logger } from '../log.ts';
import { nudgeQueue } from './queue.ts';
import { firstRunAt, planDueSlot, scheduleOf } from './schedule.ts';

/** What one scheduler pass did. */
export interface SchedulerPass {
  /** Schedule runs enqueued. */
  readonly enqueued: number;
  /** Due slots that added no run because the integration had one queued or running. */
  readonly skipped: number;
  /** Due integrations another scheduler took first (compare-and-swap lost). */
  readonly lost: number;
}

/**
 * One pass of the scheduler (docs/runs.md, "Schedules"): every enabled integration whose
 * `next_run_at` has come moves to its next slot and gets one `schedule` run, in one transaction
 * per integration, so a crash neither loses the slot nor runs it twice. The move is a
 * compare-and-swap on the slot: of several processes scheduling at once exactly one takes it.
 * An integration with a run queued or running gets no second one (the slot still moves on). A
 * stored definition that is not a schedule any more (a new version was pushed) clears the slot.
 */
export async function enqueueDueSchedules(db: Queryable, clock: Clock, log: Logger, opts: { batch?: number } = {}): Promise<SchedulerPass> {
  const now = clock.now();
  const nowIso = new Date(now).toISOString();
  const due = await listDueSchedules(db, nowIso, opts.batch ?? 500);
  let enqueued = 0;
  let skipped = 0;
  let lost = 0;
  for (const row of due) {
    const parsed = storedFlowDefinitionSchema.safeParse(JSON.parse(row.definition));
    const schedule = parsed.success ? scheduleOf(parsed.data.trigger) : null;
    const plan = schedule ? planDueSlot(schedule, Date.parse(row.next_run_at), now) : { run: false, missed: 0, next: null };
    const outcome = await db.tx(async (tx) => {
      const next = plan.next === null ? null : new Date(plan.next).toISOString();
      if (!(await advanceSchedule(tx, row.id, row.next_run_at, next))) return 'lost' as const;
      if (!plan.run) return 'skipped' as const;
      const added = await insertScheduledRun(tx, {
        id: newId('run'),
        integration_id: row.id,
        trigger_payload: JSON.stringify({ slot: row.next_run_at, missedSlots: plan.missed }),
        max_attempts: parsed.success ? (parsed.data.retry?.maxAttempts ?? 1) : 1,
        not_before: nowIso,
        created_at: nowIso,
      });
      return added ? ('enqueued' as const) : ('skipped' as const);
    });
    if (outcome === 'enqueued') enqueued += 1;
    else if (outcome === 'skipped') skipped += 1;
    else lost += 1;
    if (plan.missed > 0 && outcome === 'enqueued') {
      log.info('schedule: missed slots run once', { integrationId: row.id, missedSlots: plan.missed });
    }
  }
  if (enqueued > 0) nudgeQueue(RUNS_QUEUE.table);
  return { enqueued, skipped, lost };
}

/**
 * Arms scheduled integrations that have no slot (enabled before `cron` slots were computed on
 * enabling, or written without one): their first slot counts from now, as if enabled now. No run
 * is enqueued for the time without a slot. Answers how many got one.
 */
export async function armUnscheduled(db: Queryable, clock: Clock, log: Logger, opts: { batch?: number } = {}): Promise<number> {
  let armed = 0;
  for (const row of await listUnarmedSchedules(db, opts.batch ?? 500)) {
    const parsed = storedFlowDefinitionSchema.safeParse(JSON.parse(row.definition));
    const schedule = parsed.success ? scheduleOf(parsed.data.trigger) : null;
    const first = schedule ? firstRunAt(schedule, clock.now()) : null;
    if (first !== null && (await armSchedule(db, row.id, new Date(first).toISOString()))) armed += 1;
  }
  if (armed > 0) log.info('schedule: integrations without a slot armed', { integrations: armed });
  return armed;
}

import { storedFlowDefinitionSchema } from '@patchbay/shared';
import type { Clock } from '../context.ts';
import { newId } from '../crypto/tokens.ts';
import type { Queryable } from '../db/driver.ts';
import {
  advanceSchedule,
  armSchedule,
  type DueScheduleRow,
  insertScheduledRun,
  listDueSchedules,
  listUnarmedSchedules,
  RUNS_QUEUE,
} from '../db/repos/runs.ts';
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
 * Due slots taken in one transaction: each is still its own compare-and-swap and insert, but a
 * commit (a disk flush on SQLite) is paid once per this many instead of once per slot, which is
 * what bounded how many integrations a minute could be scheduled on time.
 */
const SLOTS_PER_TRANSACTION = 50;

function planOf(row: DueScheduleRow, now: number) {
  const parsed = storedFlowDefinitionSchema.safeParse(JSON.parse(row.definition));
  const schedule = parsed.success ? scheduleOf(parsed.data.trigger) : null;
  const plan = schedule ? planDueSlot(schedule, Date.parse(row.next_run_at), now) : { run: false, missed: 0, next: null };
  return { plan, maxAttempts: parsed.success ? (parsed.data.retry?.maxAttempts ?? 1) : 1 };
}

/** Moves one due integration to its next slot (compare-and-swap) and enqueues its run, inside `tx`. */
async function takeSlot(tx: Queryable, row: DueScheduleRow, now: number, nowIso: string): Promise<SlotOutcome> {
  const { plan, maxAttempts } = planOf(row, now);
  const next = plan.next === null ? null : new Date(plan.next).toISOString();
  if (!(await advanceSchedule(tx, row.id, row.next_run_at, next))) return { outcome: 'lost', missed: 0 };
  if (!plan.run) return { outcome: 'skipped', missed: 0 };
  const added = await insertScheduledRun(tx, {
    id: newId('run'),
    integration_id: row.id,
    trigger_payload: JSON.stringify({ slot: row.next_run_at, missedSlots: plan.missed }),
    max_attempts: maxAttempts,
    not_before: nowIso,
    created_at: nowIso,
  });
  return { outcome: added ? 'enqueued' : 'skipped', missed: plan.missed };
}

interface SlotOutcome {
  readonly outcome: 'enqueued' | 'skipped' | 'lost';
  readonly missed: number;
}

/**
 * One pass of the scheduler (docs/runs.md, "Schedules"): every enabled integration whose
 * `next_run_at` has come moves to its next slot and gets one `schedule` run in the same
 * transaction as the move, so a crash neither loses the slot nor runs it twice. The move is a
 * compare-and-swap on the slot: of several processes scheduling at once exactly one takes it.
 * Due slots are taken in transactions of up to {@link SLOTS_PER_TRANSACTION}, in slot order.
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
  for (let start = 0; start < due.length; start += SLOTS_PER_TRANSACTION) {
    const chunk = due.slice(start, start + SLOTS_PER_TRANSACTION);
    const outcomes = await db.tx(async (tx) => {
      const out: SlotOutcome[] = [];
      for (const row of chunk) out.push(await takeSlot(tx, row, now, nowIso));
      return out;
    });
    for (const [i, { outcome, missed }] of outcomes.entries()) {
      if (outcome === 'enqueued') enqueued += 1;
      else if (outcome === 'skipped') skipped += 1;
      else lost += 1;
      if (missed > 0 && outcome === 'enqueued') {
        log.info('schedule: missed slots run once', { integrationId: (chunk[i] as DueScheduleRow).id, missedSlots: missed });
      }
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

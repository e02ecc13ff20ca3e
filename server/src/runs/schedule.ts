import type { FlowDefinition } from '@patchbay/shared';
import { Cron } from 'croner';

/**
 * When scheduled integrations run (docs/runs.md, "Schedules"). Pure functions over milliseconds
 * since the epoch; the caller passes "now" from its clock.
 *
 * - `everyMinutes: n`: slots are the time of enabling + k·n minutes. The stored `next_run_at`
 *   carries that phase, so the next slot is computed from the slot that came due, never from the
 *   moment a worker got round to it (no drift).
 * - `cron` + `timezone` (default UTC): croner computes the slots in the zone. Across daylight-saving
 *   changes croner follows the usual rules: a fixed time that does not exist (02:30 on the
 *   spring-forward day) runs at the first valid time after the gap (03:00); a fixed time that
 *   occurs twice (fall-back) runs once, at its first occurrence; an interval pattern
 *   (`*\/30 * * * *`) skips the missing times and runs on both occurrences of the repeated ones.
 * - Catch-up: a slot that came due while nothing ran (downtime) runs once, however many slots
 *   were missed, and the next slot is the first one after now.
 */

/** A flow's schedule, as the definition states it. */
export type Schedule = Extract<FlowDefinition['trigger'], { type: 'schedule' }>;

/** The schedule of a trigger, or null when it is not one. */
export function scheduleOf(trigger: FlowDefinition['trigger']): Schedule | null {
  return trigger.type === 'schedule' ? trigger : null;
}

function cronOf(schedule: Schedule & { cron: string }): Cron {
  return new Cron(schedule.cron, { mode: '5-part', paused: true, timezone: schedule.timezone ?? 'UTC' });
}

/** The first cron slot strictly after `afterMs`, or null when the expression never comes due again. */
function nextCronSlot(schedule: Schedule & { cron: string }, afterMs: number): number | null {
  const cron = cronOf(schedule);
  try {
    return cron.nextRun(new Date(afterMs))?.getTime() ?? null;
  } finally {
    cron.stop();
  }
}

/** The first slot of an integration enabled (or moved to this schedule) at `enabledAtMs`. */
export function firstRunAt(schedule: Schedule, enabledAtMs: number): number | null {
  if (schedule.everyMinutes !== undefined) return enabledAtMs + schedule.everyMinutes * 60_000;
  if (schedule.cron !== undefined) return nextCronSlot({ ...schedule, cron: schedule.cron }, enabledAtMs);
  return null;
}

/** What to do about a slot that is due. */
export interface DueSlot {
  /** Whether a run is enqueued now: always, for a slot that is due (one run for any number of missed slots). */
  readonly run: boolean;
  /** Slots that passed without a run besides the one run now (0 when on time). */
  readonly missed: number;
  /** The next slot, strictly after now; null when the schedule never comes due again. */
  readonly next: number | null;
}

/**
 * Plans a due slot (`slotMs <= nowMs`): one run now, the next slot after now. For `everyMinutes`
 * the next slot keeps the phase of the first (`slot + k·n`); for cron it is croner's next slot
 * after now.
 */
export function planDueSlot(schedule: Schedule, slotMs: number, nowMs: number): DueSlot {
  if (slotMs > nowMs) return { run: false, missed: 0, next: slotMs };
  if (schedule.everyMinutes !== undefined) {
    const every = schedule.everyMinutes * 60_000;
    const steps = Math.floor((nowMs - slotMs) / every) + 1;
    return { run: true, missed: steps - 1, next: slotMs + steps * every };
  }
  if (schedule.cron !== undefined) {
    const cron = { ...schedule, cron: schedule.cron };
    const next = nextCronSlot(cron, nowMs);
    let missed = 0;
    // count what was skipped, for the log line (bounded: a minutely cron after a week away stops counting)
    for (let at = nextCronSlot(cron, slotMs); at !== null && at <= nowMs && missed < 10_000; at = nextCronSlot(cron, at)) missed += 1;
    return { run: true, missed, next };
  }
  return { run: false, missed: 0, next: null };
}

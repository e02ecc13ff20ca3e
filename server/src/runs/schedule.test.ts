import { describe, expect, it } from 'vitest';
import { firstRunAt, planDueSlot, type Schedule } from './schedule.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The slots a schedule fires at from `fromIso` on, as a scheduler that is always on time sees them. */
function slots(schedule: Schedule, fromIso: string, n: number): string[] {
  const out: string[] = [];
  let slot = firstRunAt(schedule, at(fromIso));
  while (slot !== null && out.length < n) {
    out.push(new Date(slot).toISOString());
    slot = planDueSlot(schedule, slot, slot).next;
  }
  return out;
}

describe('everyMinutes', () => {
  const every5: Schedule = { type: 'schedule', everyMinutes: 5 };

  it('counts from the moment of enabling', () => {
    expect(slots(every5, '2026-05-01T10:02:17.000Z', 3)).toEqual([
      '2026-05-01T10:07:17.000Z',
      '2026-05-01T10:12:17.000Z',
      '2026-05-01T10:17:17.000Z',
    ]);
  });

  it('keeps its phase when a worker is late, and does not drift', () => {
    expect(planDueSlot(every5, at('2026-05-01T10:07:17.000Z'), at('2026-05-01T10:07:18.900Z'))).toEqual({
      run: true,
      missed: 0,
      next: at('2026-05-01T10:12:17.000Z'),
    });
  });

  it('runs once after downtime and takes the next slot after now (ten minutes away: one run, not ten)', () => {
    const every1: Schedule = { type: 'schedule', everyMinutes: 1 };
    expect(planDueSlot(every1, at('2026-05-01T10:00:00.000Z'), at('2026-05-01T10:10:30.000Z'))).toEqual({
      run: true,
      missed: 10,
      next: at('2026-05-01T10:11:00.000Z'),
    });
  });

  it('does nothing before the slot', () => {
    expect(planDueSlot(every5, at('2026-05-01T10:07:17.000Z'), at('2026-05-01T10:07:16.000Z'))).toEqual({
      run: false,
      missed: 0,
      next: at('2026-05-01T10:07:17.000Z'),
    });
  });
});

describe('cron in a time zone, across daylight-saving changes', () => {
  const daily = (cron: string, timezone: string): Schedule => ({ type: 'schedule', cron, timezone });

  it('Europe/Berlin, spring forward (29 March 2026, 02:00 → 03:00): 02:30 runs at 03:00 that day', () => {
    expect(slots(daily('30 2 * * *', 'Europe/Berlin'), '2026-03-27T12:00:00.000Z', 4)).toEqual([
      '2026-03-28T01:30:00.000Z', // 02:30 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST, the first valid time after the gap
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('Europe/Berlin, fall back (25 October 2026, 03:00 → 02:00): 02:30 runs once; an interval runs on both 02:30s', () => {
    expect(slots(daily('30 2 * * *', 'Europe/Berlin'), '2026-10-23T12:00:00.000Z', 3)).toEqual([
      '2026-10-24T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST, the first of the two; not again at 02:30 CET
      '2026-10-26T01:30:00.000Z', // 02:30 CET
    ]);
    expect(slots(daily('*/30 2 * * *', 'Europe/Berlin'), '2026-10-24T23:59:00.000Z', 5)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T00:30:00.000Z', // 02:30 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET
      '2026-10-25T01:30:00.000Z', // 02:30 CET
      '2026-10-26T01:00:00.000Z',
    ]);
  });

  it('America/New_York, spring forward (8 March 2026) and fall back (1 November 2026)', () => {
    expect(slots(daily('30 2 * * *', 'America/New_York'), '2026-03-06T12:00:00.000Z', 3)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
    expect(slots(daily('30 1 * * *', 'America/New_York'), '2026-10-30T12:00:00.000Z', 3)).toEqual([
      '2026-10-31T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T05:30:00.000Z', // 01:30 EDT, once
      '2026-11-02T06:30:00.000Z', // 01:30 EST
    ]);
    expect(slots(daily('0 9 * * *', 'America/New_York'), '2026-10-31T00:00:00.000Z', 3)).toEqual([
      '2026-10-31T13:00:00.000Z', // 09:00 EDT
      '2026-11-01T14:00:00.000Z', // 09:00 EST
      '2026-11-02T14:00:00.000Z',
    ]);
  });

  it('reads cron in UTC without a time zone', () => {
    expect(slots({ type: 'schedule', cron: '0 8 * * mon' }, '2026-06-01T09:00:00.000Z', 2)).toEqual([
      '2026-06-08T08:00:00.000Z',
      '2026-06-15T08:00:00.000Z',
    ]);
  });

  it('runs once after downtime, then the first slot after now', () => {
    const hourly: Schedule = { type: 'schedule', cron: '0 * * * *', timezone: 'Europe/Berlin' };
    const plan = planDueSlot(hourly, at('2026-05-01T10:00:00.000Z'), at('2026-05-01T14:20:00.000Z'));
    expect({ ...plan, next: iso(plan.next) }).toEqual({ run: true, missed: 4, next: '2026-05-01T15:00:00.000Z' });
  });
});

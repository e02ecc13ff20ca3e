import { describe, expect, it } from 'vitest';
import { cronProblem, endUserLogSchema, flowDefinitionSchema, flowTriggerSchema, isTimeZone, templatedPathSchema } from './flows.ts';

describe('cronProblem', () => {
  it.each([
    '* * * * *',
    '*/15 * * * *',
    '0 9-17 * * 1-5',
    '30 2 1,15 jan-jun mon',
    '0 0 * * 7',
    '5 4 31 12 SUN',
    '0-30/10 */2 * * *',
    '0 0 L * *',
  ])('accepts %j', (cron) => {
    expect(cronProblem(cron)).toBeNull();
  });

  it.each([
    ['every hour', 'must be a five-field cron expression (minute hour day-of-month month day-of-week)'],
    ['* * * * * *', 'must be a five-field cron expression (minute hour day-of-month month day-of-week)'],
    ['@daily', 'must be a five-field cron expression (minute hour day-of-month month day-of-week)'],
    ['60 * * * *', 'minute: "60" is outside 0-59'],
    ['* 24 * * *', 'hour: "24" is outside 0-23'],
    ['* * 0 * *', 'day of month: "0" is outside 1-31'],
    ['* * * 13 *', 'month: "13" is outside 1-12'],
    ['* * * foo *', 'is not a cron expression: configuration entry 4 (foo) contains illegal characters.'],
    ['1,,2 * * * *', 'is not a cron expression: configuration entry minute () is empty, check for trailing spaces.'],
    ['* * * * 8', 'day of week: "8" is outside 0-7'],
    ['0 0 31 2 *', 'never comes due'],
  ])('refuses %j', (cron, problem) => {
    expect(cronProblem(cron)).toBe(problem);
  });
});

describe('schedule triggers', () => {
  const parse = (trigger: unknown) => flowTriggerSchema.safeParse(trigger);

  it('takes an IANA time zone with a cron expression', () => {
    expect(parse({ type: 'schedule', cron: '0 9 * * mon-fri', timezone: 'Europe/Berlin' }).success).toBe(true);
    expect(parse({ type: 'schedule', everyMinutes: 5 }).success).toBe(true);
  });

  it('refuses an unknown time zone, and a time zone without cron', () => {
    const unknown = parse({ type: 'schedule', cron: '0 9 * * *', timezone: 'Mars/Olympus_Mons' });
    expect(unknown.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['timezone', 'must be an IANA time zone, e.g. "Europe/Berlin"'],
    ]);
    const interval = parse({ type: 'schedule', everyMinutes: 5, timezone: 'UTC' });
    expect(interval.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['timezone', 'a timezone applies to a cron schedule only'],
    ]);
  });

  it('knows time zones the engine knows', () => {
    expect(['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata'].every(isTimeZone)).toBe(true);
    expect(['', 'Europe/Nowhere', 'GMT+25'].some(isTimeZone)).toBe(false);
  });
});

describe('steps and end-user logs', () => {
  const base = {
    slots: [{ key: 'crm', connectorId: 'crm', label: 'CRM' }],
    steps: [{ id: 'push', type: 'http', slot: 'crm', method: 'POST', path: '/contacts', accept: [409] }],
  };

  it('takes the statuses a step accepts besides 2xx, and an end-user log template', () => {
    const parsed = flowDefinitionSchema.parse({ ...base, endUserLog: { overview: [{ status: 'success', numberOfRecords: '{{ x }}' }] } });
    expect(parsed.steps[0]?.accept).toEqual([409]);
    expect(flowDefinitionSchema.safeParse({ ...base, steps: [{ ...base.steps[0], accept: [99] }] }).success).toBe(false);
    expect(flowDefinitionSchema.safeParse({ ...base, steps: [{ ...base.steps[0], accept: [] }] }).success).toBe(false);
  });

  it('reads a rendered end-user log, counts written as text included', () => {
    expect(
      endUserLogSchema.parse({
        overview: [{ status: 'success', numberOfRecords: '3' }],
        errors: [{ id: 7, error: 'duplicate e-mail', entity: 'contact' }],
      }),
    ).toEqual({
      overview: [{ status: 'success', numberOfRecords: 3 }],
      details: [],
      errors: [{ id: '7', error: 'duplicate e-mail', entity: 'contact', internalId: null }],
    });
    expect(endUserLogSchema.safeParse({ overview: [{ status: 'great', numberOfRecords: 1 }] }).success).toBe(false);
    expect(endUserLogSchema.safeParse({ overview: [{ status: 'success', numberOfRecords: 'three' }] }).success).toBe(false);
  });
});

describe('templatedPathSchema', () => {
  it('accepts paths with templates', () => {
    expect(templatedPathSchema.safeParse('/lists/{{ inputs.list }}/contacts?x=1').success).toBe(true);
  });

  it.each(['https://evil.example/x', '//evil.example', '/\\evil.example', '{{ inputs.url }}', '/a\\b', '/a\u0000b', ''])(
    'refuses %j',
    (path) => {
      expect(templatedPathSchema.safeParse(path).success).toBe(false);
    },
  );
});

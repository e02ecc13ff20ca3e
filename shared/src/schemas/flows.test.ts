import { describe, expect, it } from 'vitest';
import { cronProblem, templatedPathSchema } from './flows.ts';

describe('cronProblem', () => {
  it.each(['* * * * *', '*/15 * * * *', '0 9-17 * * 1-5', '30 2 1,15 jan-jun mon', '0 0 * * 7', '5 4 31 12 SUN', '0-30/10 */2 * * *'])(
    'accepts %j',
    (cron) => {
      expect(cronProblem(cron)).toBeNull();
    },
  );

  it.each([
    ['every hour', 'must be a five-field cron expression (minute hour day-of-month month day-of-week)'],
    ['* * * * * *', 'must be a five-field cron expression (minute hour day-of-month month day-of-week)'],
    ['60 * * * *', 'minute: "60" is outside 0-59'],
    ['* 24 * * *', 'hour: "24" is outside 0-23'],
    ['* * 0 * *', 'day of month: "0" is outside 1-31'],
    ['* * * 13 *', 'month: "13" is outside 1-12'],
    ['* * * * 8', 'day of week: "8" is outside 0-7'],
    ['5-1 * * * *', 'minute: "5-1" is not an ascending range'],
    ['*/0 * * * *', 'minute: step 0 is out of range'],
    ['? * * * *', 'minute: "?" is not a cron field'],
    ['* * * foo *', 'month: "foo" is not a cron field'],
    ['1,,2 * * * *', 'minute: "" is not a cron field'],
  ])('refuses %j', (cron, problem) => {
    expect(cronProblem(cron)).toBe(problem);
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

import { describe, expect, it } from 'vitest';
import { inputPattern, MAX_PATTERN_PROGRAM_SIZE, patternIssues } from './inputPatterns.ts';

function matcher(pattern: string): (text: string) => boolean {
  const compiled = inputPattern(pattern);
  if (!compiled.ok) throw new Error(compiled.problem);
  return compiled.matches;
}

describe('inputPattern', () => {
  it('matches the whole text, like the HTML pattern attribute', () => {
    const m = matcher('[A-Z][a-z]*');
    expect(['Ada', 'A'].map(m)).toEqual([true, true]);
    expect(['xAda', 'Ada1', '', 'ada'].map(m)).toEqual([false, false, false, false]);
    const alt = matcher('a|bc');
    expect(['a', 'bc', 'abc', 'ab'].map(alt)).toEqual([true, true, false, false]);
  });

  it('checks a backtracking-prone pattern against a 10,000-character hostile value in linear time (< 50 ms)', () => {
    const m = matcher('([a-zA-Z0-9]+\\s?)*');
    const hostile = `${'a'.repeat(9_999)}!`;
    m('warm up the compiled program');
    const started = performance.now();
    expect(m(hostile)).toBe(false);
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(50);
    expect(m('ab1 '.repeat(2_500).trim())).toBe(true);
  });

  it.each([
    ['(a)\\1', 'invalid escape sequence: `\\1`'],
    ['(?=a)a', 'invalid or unsupported Perl syntax: `(?=`'],
    ['(?!a)b', 'invalid or unsupported Perl syntax: `(?!`'],
    ['(?<=a)b', 'invalid named capture: `(?<=a)b`'],
    ['[a-z', 'missing closing ]: `[a-z`'],
  ])('refuses %s, which RE2 cannot run', (pattern, reason) => {
    expect(inputPattern(pattern)).toEqual({
      ok: false,
      problem: `is not a supported pattern (RE2 syntax, no backreferences or lookaround): ${reason}`,
    });
  });

  it('refuses a pattern whose program is too large to check a long value quickly', () => {
    expect(inputPattern('[a-z]{0,250}[a-z]{0,240}').ok).toBe(true);
    expect(inputPattern('[a-z]{0,1000}[a-z]{0,1000}')).toEqual({
      ok: false,
      problem: `is too complex: it compiles to 4002 RE2 instructions, more than ${MAX_PATTERN_PROGRAM_SIZE} (use smaller repetition counts)`,
    });
    expect(inputPattern('(.{0,1000}){0,1000}')).toEqual({
      ok: false,
      problem: 'is not a supported pattern (RE2 syntax, no backreferences or lookaround): expression too large',
    });
  });
});

describe('patternIssues', () => {
  it('names each pattern RE2 refuses by its input index, and accepts RE2 patterns', () => {
    const inputs = [
      { key: 'iban', type: 'text', label: 'IBAN', required: false, pattern: '[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}' },
      { key: 'n', type: 'number', label: 'N', required: false },
      { key: 'x', type: 'text', label: 'X', required: false, pattern: '(a+)\\1' },
    ] as const;
    expect(patternIssues({ inputs: [...inputs] })).toEqual([
      {
        path: ['inputs', 2, 'pattern'],
        message: 'is not a supported pattern (RE2 syntax, no backreferences or lookaround): invalid escape sequence: `\\1`',
      },
    ]);
  });
});

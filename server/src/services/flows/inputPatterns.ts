import type { FlowDefinition } from '@patchbay/shared';
import { RE2JS } from 're2js';

/**
 * Flow input patterns run on RE2 (the pure-JS port `re2js`): matching takes time linear in the
 * input, whatever the pattern, so no backtracking-prone pattern can block the event loop. RE2 has
 * no backreferences and no lookaround; such patterns are refused when a flow is saved
 * ({@link patternIssues}), and a stored one (saved before) refuses every value.
 *
 * Linear is not free: the cost per input character grows with the compiled program, so a pattern
 * whose RE2 program is larger than {@link MAX_PATTERN_PROGRAM_SIZE} instructions (e.g. many
 * nested or large `{m,n}` counts) is refused too. Within the bound a 10,000-character value is
 * checked in milliseconds.
 */

/** Largest RE2 program (instructions) a pattern may compile to; `.{0,490}` or `[A-Z0-9]{11,30}` fit easily. */
export const MAX_PATTERN_PROGRAM_SIZE = 1000;

/** A compiled pattern, or why it cannot be used (a message for a field issue). */
export type InputPattern = { readonly ok: true; matches(text: string): boolean } | { readonly ok: false; readonly problem: string };

const CACHE_SIZE = 200;
const cache = new Map<string, InputPattern>();

function compile(pattern: string): InputPattern {
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern);
  } catch (err) {
    const reason = err instanceof Error ? err.message.replace(/^error parsing regexp: /, '') : 'unreadable';
    return {
      ok: false,
      problem: `is not a supported pattern (RE2 syntax, no backreferences or lookaround): ${reason}`,
    };
  }
  if (re.programSize() > MAX_PATTERN_PROGRAM_SIZE) {
    return {
      ok: false,
      problem: `is too complex: it compiles to ${re.programSize()} RE2 instructions, more than ${MAX_PATTERN_PROGRAM_SIZE} (use smaller repetition counts)`,
    };
  }
  return { ok: true, matches: (text) => re.matches(text) };
}

/**
 * Compiles a flow input pattern (cached). `matches` tests the whole text, like the HTML `pattern`
 * attribute (anchored at both ends).
 */
export function inputPattern(pattern: string): InputPattern {
  let compiled = cache.get(pattern);
  if (compiled) return compiled;
  compiled = compile(pattern);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  cache.set(pattern, compiled);
  return compiled;
}

/** Save-time check of a definition's patterns: each one RE2 refuses, at `inputs.{i}.pattern`. */
export function patternIssues(definition: Pick<FlowDefinition, 'inputs'>): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  definition.inputs.forEach((input, i) => {
    if (input.pattern === undefined) return;
    const compiled = inputPattern(input.pattern);
    if (!compiled.ok) issues.push({ path: ['inputs', i, 'pattern'], message: compiled.problem });
  });
  return issues;
}

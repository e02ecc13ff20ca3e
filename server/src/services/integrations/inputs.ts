import type { FlowDefinition } from '@patchbay/shared';
import { type FieldIssue, invalidFields } from '../../errors.ts';
import { inputPattern } from '../flows/inputPatterns.ts';

/** One field of a flow's input form. */
export type FlowInput = FlowDefinition['inputs'][number];

/** A value as the iframe sends it. */
export type InputValue = string | number | boolean | null;

/** Checked input values: plain ones (stored as JSON) and password ones (stored sealed, never answered). */
export interface CheckedInputs {
  readonly plain: Record<string, string | number | boolean>;
  readonly secret: Record<string, string>;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Whether text is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(text: string): boolean {
  const m = ISO_DATE.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

/** Whether text looks like one e-mail address (what `<input type="email">` accepts). */
export function isEmail(text: string): boolean {
  return text.length <= 320 && /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*$/.test(text);
}

/** Whether text is an absolute http(s) URL. */
export function isWebUrl(text: string): boolean {
  if (text.length > 2000) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

/** Whether a value counts as given for `requiredWhen`: a switch that is on, or non-empty text or a number. */
function hasValue(value: InputValue | undefined): boolean {
  return value !== undefined && value !== null && value !== '' && value !== false;
}

/**
 * The problem of `text` against the input's pattern, or null. RE2 matches the whole text (HTML
 * `pattern` semantics) in linear time, so no pattern can block the event loop. A stored pattern
 * RE2 cannot run (saved before patterns were checked with RE2) refuses every value.
 */
function patternProblem(pattern: string, text: string): string | null {
  const compiled = inputPattern(pattern);
  if (!compiled.ok) return 'cannot be checked: the flow’s pattern is not supported any more (the vendor must update the flow)';
  return compiled.matches(text) ? null : `must match the pattern ${pattern}`;
}

/** The problem with one present value of one input, or null. Remote select options cannot be checked here. */
function valueProblem(input: FlowInput, value: string | number | boolean): string | null {
  switch (input.type) {
    case 'text':
    case 'password':
      if (typeof value !== 'string') return 'must be text';
      if (input.type === 'text' && input.pattern !== undefined) return patternProblem(input.pattern, value);
      return null;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'must be a number';
      if (input.min !== undefined && value < input.min) return `must be at least ${input.min}`;
      if (input.max !== undefined && value > input.max) return `must be at most ${input.max}`;
      return null;
    case 'select':
      if (typeof value !== 'string') return 'must be one of the options';
      if (input.options && !input.options.some((o) => o.value === value)) {
        return `must be one of: ${input.options.map((o) => JSON.stringify(o.value)).join(', ')}`;
      }
      return null;
    case 'switch':
      return typeof value === 'boolean' ? null : 'must be true or false';
    case 'date':
      return typeof value === 'string' && isIsoDate(value) ? null : 'must be a date written YYYY-MM-DD';
    case 'email':
      return typeof value === 'string' && isEmail(value) ? null : 'must be an e-mail address';
    case 'url':
      return typeof value === 'string' && isWebUrl(value) ? null : 'must be an http or https URL';
  }
}

/**
 * Checks input values against a flow's form and throws `400 validation_failed` naming each
 * field as `{where}.{key}`: unknown keys are refused; an absent value takes the input's default;
 * `null` or empty text counts as absent; a required input must have a value. A password input
 * left out keeps its stored value (`storedSecrets`), so the iframe never needs to know it; `null`
 * clears it.
 */
export function checkInputs(
  form: readonly FlowInput[],
  given: Readonly<Record<string, InputValue>>,
  opts: { where: string; storedSecrets?: Readonly<Record<string, string>> },
): CheckedInputs {
  const { checked, issues } = inputIssues(form, given, opts);
  if (issues.length > 0) throw invalidFields(issues);
  return checked;
}

/** Like {@link checkInputs}, but answers the problems instead of throwing (to report them with others). */
export function inputIssues(
  form: readonly FlowInput[],
  given: Readonly<Record<string, InputValue>>,
  opts: { where: string; storedSecrets?: Readonly<Record<string, string>> },
): { checked: CheckedInputs; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const known = new Set(form.map((i) => i.key));
  for (const key of Object.keys(given)) {
    if (!known.has(key)) issues.push({ path: `${opts.where}.${key}`, message: 'is not an input of this flow' });
  }
  // keyed by the flow's input keys: no prototype to find a `constructor` or `toString` in
  const plain: Record<string, string | number | boolean> = Object.create(null);
  const secret: Record<string, string> = Object.create(null);
  for (const input of form) {
    const path = `${opts.where}.${input.key}`;
    let value: InputValue | undefined = Object.hasOwn(given, input.key) ? given[input.key] : undefined;
    if (value === undefined && input.type === 'password') {
      const stored = opts.storedSecrets && Object.hasOwn(opts.storedSecrets, input.key) ? opts.storedSecrets[input.key] : undefined;
      if (stored !== undefined) {
        secret[input.key] = stored;
        continue;
      }
    }
    if (value === undefined && input.type !== 'password') value = input.default;
    if (value === undefined || value === null || value === '') {
      const other = input.requiredWhen ? form.find((i) => i.key === input.requiredWhen) : undefined;
      const otherValue = other ? (Object.hasOwn(given, other.key) ? given[other.key] : other.default) : undefined;
      if (input.required) issues.push({ path, message: 'is required' });
      else if (other && hasValue(otherValue)) issues.push({ path, message: `is required when ${other.label} is set` });
      continue;
    }
    const problem = valueProblem(input, value);
    if (problem) issues.push({ path, message: problem });
    else if (input.type === 'password') secret[input.key] = value as string;
    else plain[input.key] = value;
  }
  return { checked: { plain, secret }, issues };
}

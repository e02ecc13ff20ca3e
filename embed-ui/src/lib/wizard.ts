import type { EmbedFlow, EmbedIntegration } from '@patchbay/shared';
import type { MessageKey } from './i18n.ts';

/** A slot the end user fills (prefilled slots are the vendor's). */
export type Slot = EmbedFlow['slots'][number];
/** A form input of a flow. */
export type FlowInput = EmbedFlow['inputs'][number];
/** One step of the setup wizard. */
export type WizardStep = { kind: 'slot'; slot: Slot } | { kind: 'inputs' };
/** Form values as typed (strings for text-like fields, booleans for switches). */
export type FormValues = Record<string, string | boolean>;
/** A client-side problem with one field: a message key and its placeholders. */
export type FieldProblem = { key: MessageKey; vars?: Record<string, string | number> };

/** The wizard's steps: one per slot the user must choose an auth for, then the inputs form (always last, it holds "Enable"). */
export function wizardSteps(flow: EmbedFlow): WizardStep[] {
  return [...flow.slots.filter((s) => !s.prefilled).map((slot) => ({ kind: 'slot' as const, slot })), { kind: 'inputs' }];
}

/** Whether the user may leave step `index`: a slot step needs a chosen auth. */
export function canAdvance(step: WizardStep | undefined, bindings: Record<string, string>): boolean {
  if (!step) return false;
  return step.kind === 'inputs' || Boolean(bindings[step.slot.key]);
}

/** Initial form values: an existing integration's values (passwords empty), else the inputs' defaults. */
export function initialValues(flow: EmbedFlow, integration?: EmbedIntegration): FormValues {
  const values: FormValues = {};
  for (const input of flow.inputs) {
    const existing = integration?.inputs[input.key];
    const source = integration && input.type !== 'password' ? existing : input.default;
    if (input.type === 'switch') values[input.key] = source === true || source === 'true';
    else values[input.key] = source === undefined || source === null || input.type === 'password' ? '' : String(source);
  }
  return values;
}

/**
 * Client-side checks of the inputs form (the server checks again): required fields and numbers
 * with min/max. Patterns are left to the server, which runs them on RE2 in linear time; the
 * browser's backtracking engine would disagree on syntax and could freeze the tab. Its answer
 * names the field. A password left empty while editing keeps its saved value.
 */
export function validateInputs(
  inputs: readonly FlowInput[],
  values: FormValues,
  secretsSet: readonly string[] = [],
): Record<string, FieldProblem> {
  const problems: Record<string, FieldProblem> = {};
  for (const input of inputs) {
    const value = values[input.key];
    if (input.type === 'switch') continue;
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') {
      const kept = input.type === 'password' && secretsSet.includes(input.key);
      const other = values[input.requiredWhen ?? ''];
      const needed =
        input.required || (input.requiredWhen !== undefined && (other === true || (typeof other === 'string' && other.trim() !== '')));
      if (needed && !kept) problems[input.key] = { key: 'requiredMissing' };
      continue;
    }
    if (input.type === 'email' && !/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)*$/.test(text)) problems[input.key] = { key: 'notAnEmail' };
    if (input.type === 'url' && !/^https?:\/\/[^\s/]+/i.test(text)) problems[input.key] = { key: 'notAUrl' };
    if (input.type === 'number') {
      const n = Number(text);
      if (!Number.isFinite(n)) problems[input.key] = { key: 'notANumber' };
      else if (input.min !== undefined && n < input.min) problems[input.key] = { key: 'tooSmall', vars: { min: input.min } };
      else if (input.max !== undefined && n > input.max) problems[input.key] = { key: 'tooLarge', vars: { max: input.max } };
    }
  }
  return problems;
}

/**
 * The `inputs` of the request body: numbers as numbers, switches as booleans, empty optional
 * fields left out, and a password left empty while editing left out so the saved one stays.
 */
export function inputsPayload(inputs: readonly FlowInput[], values: FormValues): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const input of inputs) {
    const value = values[input.key];
    if (input.type === 'switch') {
      out[input.key] = value === true;
      continue;
    }
    const text = typeof value === 'string' ? value.trim() : '';
    if (text === '') continue;
    out[input.key] = input.type === 'number' ? Number(text) : input.type === 'password' ? String(value) : text;
  }
  return out;
}

/** The bindings of the request body: only the slots the user chose (prefilled slots are the server's). */
export function bindingsPayload(flow: EmbedFlow, bindings: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const slot of flow.slots) {
    const id = bindings[slot.key];
    if (!slot.prefilled && id) out[slot.key] = id;
  }
  return out;
}

/** The parts of a stored flow definition the console shows (the definition is answered as unknown JSON). */
export interface DefinitionView {
  slots: { key: string; label: string; connectorId: string }[];
  inputs: { key: string; label: string; type: string }[];
  trigger: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const objects = (v: unknown): Record<string, unknown>[] =>
  Array.isArray(v) ? v.filter((x): x is Record<string, unknown> => typeof x === 'object' && x !== null) : [];

/** Reads slots, inputs and the trigger type from a definition, skipping whatever does not have the expected shape. */
export function definitionView(definition: unknown): DefinitionView {
  const def = (typeof definition === 'object' && definition !== null ? definition : {}) as Record<string, unknown>;
  const trigger = (typeof def.trigger === 'object' && def.trigger !== null ? def.trigger : {}) as Record<string, unknown>;
  return {
    slots: objects(def.slots).map((s) => ({ key: str(s.key), label: str(s.label) || str(s.key), connectorId: str(s.connectorId) })),
    inputs: objects(def.inputs).map((i) => ({ key: str(i.key), label: str(i.label) || str(i.key), type: str(i.type) })),
    trigger: str(trigger.type) || 'manual',
  };
}

/** An input value as text: strings as they are, anything else as JSON. */
export function inputValueText(value: unknown): string {
  if (value === undefined || value === null || value === '') return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

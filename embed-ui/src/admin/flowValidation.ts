import { flowDefinitionSchema } from '@patchbay/shared';

/** One problem of a definition: where (path segments) and what. */
export interface DefinitionProblem {
  path: (string | number)[];
  message: string;
}

/**
 * Checks a definition with the same zod schema the server validates it with. Loaded on demand
 * (dynamic import) by the flow editor, so zod stays out of the console's first view.
 */
export function validateDefinition(value: unknown): DefinitionProblem[] {
  const result = flowDefinitionSchema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((i) => ({
    path: i.path.filter((p): p is string | number => typeof p !== 'symbol'),
    message: i.message,
  }));
}

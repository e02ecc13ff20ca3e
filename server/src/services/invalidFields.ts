import { AppError } from '../http/errors.ts';

/** One field problem found after schema validation (a rule that needs the database or config). */
export interface FieldIssue {
  /** Dotted request path, e.g. `body.groups.0.flowIds.1`. */
  readonly path: string;
  readonly message: string;
}

/** `400 validation_failed` in the same shape as schema failures: `details.issues[{path, message}]`. */
export function invalidFields(issues: readonly FieldIssue[]): AppError {
  const fields = [...new Set(issues.map((i) => i.path))].slice(0, 5).join(', ');
  return new AppError('validation_failed', `Invalid request: ${fields}`, { issues: issues.slice(0, 50) });
}

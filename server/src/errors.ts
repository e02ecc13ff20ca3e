import { ERROR_STATUS, type ErrorCode } from '@patchbay/shared';
import type { z } from 'zod';

/** The one error class of the domain (the HTTP layer turns it into the envelope): a code from the closed set, a readable message, details. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}

/** `429 rate_limited`, sent with `Retry-After: retryAfterSeconds`. */
export class RateLimitedError extends AppError {
  constructor(
    readonly retryAfterSeconds: number,
    message = 'Too many requests; retry after the time in Retry-After',
  ) {
    super('rate_limited', message);
  }
}

/** `404 not_found` naming what was looked for. */
export function notFound(what: string, id?: string): AppError {
  return new AppError('not_found', id === undefined ? `${what} not found` : `${what} ${JSON.stringify(id)} not found`);
}

/** Turns zod issues into `validation_failed`, naming each field as `where.path.to.field`. */
export function validationError(where: string, error: z.ZodError): AppError {
  const issues = error.issues.slice(0, 50).map((i) => ({
    path: [where, ...i.path.map(String)].join('.'),
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
  const fields = [...new Set(issues.map((i) => i.path))].slice(0, 5).join(', ');
  return new AppError('validation_failed', `Invalid request: ${fields}`, { issues });
}

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

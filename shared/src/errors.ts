import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from './protocol/errors.ts';

/** HTTP status for each error code; the compiler checks it is complete. */
export const ERROR_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  unauthorized: 401,
  token_invalid: 401,
  token_algorithm: 401,
  token_kid: 401,
  token_expired: 401,
  token_not_yet_valid: 401,
  token_lifetime: 401,
  token_audience: 401,
  token_claims: 401,
  token_replayed: 401,
  config_disabled: 401,
  session_expired: 401,
  login_failed: 401,
  forbidden: 403,
  insufficient_scope: 403,
  consent_required: 403,
  not_found: 404,
  conflict: 409,
  in_use: 409,
  unprocessable: 422,
  rate_limited: 429,
  upstream_error: 502,
  server_error: 500,
  unavailable: 503,
};

/** One problem in a request, as reported under `error.details.issues`. */
export const validationIssueSchema = z.object({
  path: z.string().describe('Dotted path of the offending field, e.g. `body.oauth2.tokenUrl`'),
  message: z.string(),
});
/** One validation issue. */
export type ValidationIssue = z.infer<typeof validationIssueSchema>;

/** The one error envelope: `{ "error": { code, message, details? } }`. */
export const errorEnvelopeSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      requestId: z.string().optional(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

/** The parsed error envelope. */
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

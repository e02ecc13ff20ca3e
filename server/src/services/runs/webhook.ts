import type { IncomingHttpHeaders } from 'node:http';
import { storedFlowDefinitionSchema } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { hashToken } from '../../crypto/tokens.ts';
import { findWebhookTarget } from '../../db/repos/integrations.ts';
import { sql } from '../../db/sql.ts';
import { AppError } from '../../errors.ts';
import { assertNoProtoKeys } from '../../http/prototypeKeys.ts';
import { WEBHOOK_TOKEN_PATTERN } from '../integrations/webhooks.ts';
import { enqueueRun } from './runs.ts';

/**
 * The webhook trigger (docs/runs.md, "Webhooks"): `POST /hooks/{token}` queues a `webhook` run of
 * the integration whose inbound URL it is. The run's templates see the request as `trigger.body`
 * (JSON parsed, a form as an object, anything else as text; null when empty), `trigger.query` and
 * `trigger.headers` (only {@link WEBHOOK_HEADERS}); `trigger.payload` is the body too.
 */

/** Request headers a run sees (lower case); nothing else of the request's headers is kept. */
export const WEBHOOK_HEADERS: readonly string[] = [
  'content-type',
  'user-agent',
  'x-request-id',
  'x-github-event',
  'x-github-delivery',
  'x-gitlab-event',
  'x-event-key',
  'x-event-type',
  'webhook-id',
  'webhook-timestamp',
];

/** Longest header value kept (a longer one is cut). */
const MAX_HEADER_CHARS = 1024;

/** What a run sees of an inbound request: its `trigger_payload`. */
export interface WebhookPayload {
  readonly body: unknown;
  readonly query: Record<string, string | string[]>;
  readonly headers: Record<string, string>;
}

/** The inbound request, as the route hands it over. */
export interface InboundWebhook {
  /** The raw body (at most 1 MB, checked before it is read). */
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
  readonly query: unknown;
}

function isJson(contentType: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(contentType);
}

function isForm(contentType: string): boolean {
  return /^application\/x-www-form-urlencoded\s*(?:;|$)/i.test(contentType);
}

/** The body as a run sees it; a JSON content type with a body that is not JSON answers 400. */
function parseBody(raw: Buffer, contentType: string): unknown {
  if (raw.length === 0) return null;
  const text = raw.toString('utf8');
  if (isJson(contentType)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new AppError('bad_request', 'The request body is not valid JSON');
    }
    assertNoProtoKeys('body', parsed);
    return parsed;
  }
  if (isForm(contentType)) {
    const form: Record<string, string | string[]> = Object.create(null);
    for (const [key, value] of new URLSearchParams(text)) {
      const seen = form[key];
      form[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    assertNoProtoKeys('body', form);
    return { ...form };
  }
  return text;
}

function queryOf(query: unknown): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (query === null || typeof query !== 'object') return out;
  assertNoProtoKeys('query', query);
  for (const [key, value] of Object.entries(query as Record<string, unknown>)) {
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value)) out[key] = value.filter((v): v is string => typeof v === 'string');
  }
  return out;
}

/** What a run keeps of an inbound request. */
export function webhookPayload(inbound: InboundWebhook): WebhookPayload {
  const headers: Record<string, string> = {};
  for (const name of WEBHOOK_HEADERS) {
    const value = inbound.headers[name];
    const text = Array.isArray(value) ? value.join(', ') : value;
    if (typeof text === 'string') headers[name] = text.slice(0, MAX_HEADER_CHARS);
  }
  const contentType = headers['content-type'] ?? '';
  return { body: parseBody(inbound.body, contentType), query: queryOf(inbound.query), headers };
}

/** The one answer for a token that leads nowhere: it never tells whether the token ever existed. */
function unknownHook(): AppError {
  return new AppError('not_found', 'No webhook has this URL');
}

/**
 * `POST /hooks/{token}`: queues a `webhook` run of the token's integration; 404 for an unknown
 * token (or one of an integration whose flow version is not webhook-triggered any more), 409
 * `conflict` for a disabled integration.
 */
export async function receiveWebhook(ctx: AppContext, token: string, inbound: InboundWebhook): Promise<{ runId: string }> {
  if (!WEBHOOK_TOKEN_PATTERN.test(token)) throw unknownHook();
  const hash = hashToken(token);
  const target = await findWebhookTarget(ctx.db, hash);
  if (!target || target.definition === null) throw unknownHook();
  const def = storedFlowDefinitionSchema.safeParse(JSON.parse(target.definition));
  if (!def.success || def.data.trigger.type !== 'webhook') throw unknownHook();
  if (target.status !== 'enabled') throw new AppError('conflict', 'The integration of this webhook is disabled');
  const payload = webhookPayload(inbound);
  try {
    // the token is checked again inside the queuing transaction: a rotation in between wins
    const run = await enqueueRun(ctx, target.id, sql`i.webhook_token_hash = ${hash}`, 'webhook', payload);
    return { runId: run.id };
  } catch (err) {
    if (err instanceof AppError && err.code === 'not_found') throw unknownHook();
    if (err instanceof AppError && err.code === 'conflict') throw new AppError('conflict', 'The integration of this webhook is disabled');
    throw err;
  }
}

import type { Readable } from 'node:stream';
import { type EndUserLog, endUserLogSchema, type FlowDefinition, storedFlowDefinitionSchema } from '@patchbay/shared';
import { z } from 'zod';
import { enqueueRunEvent } from '../callbacks/outbox.ts';
import type { AppContext, Clock } from '../context.ts';
import { findConnectorAuth } from '../db/repos/connectorAuths.ts';
import { findConnector } from '../db/repos/connectors.ts';
import {
  findRunBindings,
  findRunLogs,
  findRunWork,
  finishedRunSet,
  markRunStarted,
  type RunWorkRow,
  recordLatestRun,
  releasedRunSet,
  retryRunSet,
} from '../db/repos/runs.ts';
import { sql } from '../db/sql.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { EgressError } from '../services/egress/egress.ts';
import { renderedPathProblem, type TemplateContext } from '../services/flows/templates.ts';
import { openSecretInputs } from '../services/integrations/forEmbed.ts';
import { callUpstream, forwardedResponseHeaders, type UpstreamAuth } from '../services/proxy/proxy.ts';
import { nextAttemptDelay, parseRetryAfter, type StepFailure } from './backoff.ts';
import type { Lease, LeaseQueue } from './queue.ts';
import { type CallRecord, MAX_CALL_RECORDS, redactedPath, redaction, type StepRecord } from './record.ts';
import type { RunError, RunErrorCode } from './runErrors.ts';
import { RunTemplateError, RunTemplates } from './template.ts';

/**
 * Executes one claimed run (docs/runs.md, "Steps", "Failures and retries", "Cancel"): loads the
 * integration, the flow version it is on, its bindings and inputs; renders each step (Liquid,
 * `template.ts`), once or per `forEach` item; calls the slot's connector through the proxy's one
 * path (`callUpstream`: injection, token refresh, egress guard) with
 * `Idempotency-Key: {runId}.{stepId}[.{index}]`; reads at most 5 MB of each answer within 30 s
 * (JSON answers become `steps.<id>.body`); and settles the run through the queue while its lease
 * holds: `success`, `error` (with a code), back to `queued` for the next attempt (a retryable
 * failure with attempts left, after the backoff or the upstream's `Retry-After`), or `canceled`.
 * A run is retried as a whole; its calls carry the same idempotency keys on every attempt, so an
 * upstream that honours them does the work once.
 *
 * Stopping: `signal` aborts with a reason — `cancel` (the run ends `canceled`), `shutdown` (the
 * run goes back to the queue, the same attempt) or `lease_lost` (nothing is written: another
 * worker has it). An abort cuts the HTTP call in flight at once: the signal reaches the egress
 * layer, which closes a connection still connecting or waiting for the answer's headers, and
 * `callUpstream` closes one whose body is being read.
 */

/** Why a run's work was stopped from outside. */
export type StopReason = 'cancel' | 'shutdown' | 'lease_lost';

/** The limits of docs/runs.md. */
export interface RunLimits {
  /** One call, headers and body (30 s). */
  readonly stepTimeoutMs: number;
  /** The whole run (15 min). */
  readonly runTimeoutMs: number;
  /** An answer read (5 MB). */
  readonly responseBytes: number;
}

/** The limits of docs/runs.md. */
export const RUN_LIMITS: RunLimits = { stepTimeoutMs: 30_000, runTimeoutMs: 15 * 60_000, responseBytes: 5 * 1024 * 1024 };

/** A run taken over more often than this after lapsed leases fails with `worker_lost` (a run that kills its worker). */
export const MAX_RECLAIMS = 3;

/** What the executor needs. */
export interface RunEngine {
  /** The server's context: its database (the one handle the run rows live behind), keyring and the proxy's call path. */
  readonly app: AppContext;
  readonly queue: LeaseQueue;
  readonly clock: Clock;
  readonly log: Logger;
  /** Randomness for retry jitter (Math.random unless a test pins it). */
  readonly random?: () => number;
  readonly limits?: Partial<RunLimits>;
}

/** How an execution ended for the worker. */
export type ExecutionOutcome = 'success' | 'error' | 'retry' | 'canceled' | 'released' | 'lost';

/** A failed step: its code and message, whether and when it may be retried. */
interface Failure {
  readonly error: RunError;
  readonly kind: StepFailure;
  readonly retryAfterMs: number | null;
}

class StepFailed extends Error {
  constructor(readonly failure: Failure) {
    super(failure.error.message);
  }
}

const fail = (code: RunErrorCode, message: string, kind: StepFailure, retryAfterMs: number | null = null): StepFailed =>
  new StepFailed({ error: { code, message }, kind, retryAfterMs });

/** The step results later templates see as `steps.<id>`. */
interface StepResult {
  status: number | null;
  headers: Record<string, string | string[]>;
  body: unknown;
}

/** Maps what the proxy's call path throws to a run failure. */
function failureOf(err: unknown, stop: () => StopReason | 'timeout' | 'run_timeout' | null): StepFailed {
  if (err instanceof StepFailed) return err;
  const stopped = stop();
  if (stopped === 'timeout') return fail('upstream_timeout', 'The connector did not answer within 30 seconds', { kind: 'timeout' });
  if (stopped === 'run_timeout') return fail('run_timeout', 'The run took longer than 15 minutes', { kind: 'limit' });
  if (stopped === 'cancel') return fail('canceled', 'The run was canceled', { kind: 'canceled' });
  if (stopped !== null) return fail('internal_error', 'The run was stopped', { kind: 'canceled' });
  if (err instanceof RunTemplateError) return fail(err.code, err.message, { kind: err.code === 'template_limit' ? 'limit' : 'template' });
  if (err instanceof AppError) {
    const reason = (err.details as { reason?: string; retryAfterSeconds?: number } | undefined)?.reason;
    const retryAfter = (err.details as { retryAfterSeconds?: number } | undefined)?.retryAfterSeconds;
    switch (err.code) {
      case 'bad_request':
        return fail('bad_path', err.message, { kind: 'bad_request' });
      case 'body_too_large':
        return fail('request_too_large', err.message, { kind: 'limit' });
      case 'unprocessable':
        if (reason === 'needs_reauth' || reason === 'revoked' || reason === 'disabled' || reason === 'not_refreshable') {
          return fail('connector_auth_inactive', err.message, { kind: 'auth_inactive' });
        }
        return fail('connector_unusable', err.message, { kind: 'bad_request' });
      case 'unavailable':
        return fail('upstream_unreachable', err.message, { kind: 'network' }, retryAfter === undefined ? null : retryAfter * 1000);
      case 'upstream_error':
        if (reason === 'timeout') return fail('upstream_timeout', err.message, { kind: 'timeout' });
        if (reason === 'blocked_address') return fail('upstream_blocked', err.message, { kind: 'bad_request' });
        if (reason === 'too_large') return fail('response_too_large', err.message, { kind: 'limit' });
        if (reason === 'bad_url') return fail('bad_path', err.message, { kind: 'bad_request' });
        return fail('upstream_unreachable', err.message, { kind: 'network' });
      default:
        return fail('internal_error', err.message, { kind: 'internal' });
    }
  }
  if (err instanceof EgressError) {
    if (err.code === 'timeout') return fail('upstream_timeout', err.message, { kind: 'timeout' });
    if (err.code === 'too_large') return fail('response_too_large', err.message, { kind: 'limit' });
    return fail('upstream_unreachable', err.message, { kind: 'network' });
  }
  return fail('upstream_unreachable', err instanceof Error ? err.message : String(err), { kind: 'network' });
}

/** Resolves with `promise`, or rejects as soon as `signal` aborts; a late answer is then closed at once. */
function untilAborted<T extends { abort(): void }>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) {
    promise.then(
      (late) => late.abort(),
      () => {},
    );
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      promise.then(
        (late) => late.abort(),
        () => {},
      );
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        if (signal.aborted) value.abort();
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}

/** Reads an answer body up to `max` bytes; past it the connection is closed and the step fails. */
async function readCapped(body: Readable | Buffer, max: number, abort: () => void, signal: AbortSignal): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      abort();
      throw fail('response_too_large', `The connector answered more than ${max / 1024 / 1024} MB`, { kind: 'limit' });
    }
    chunks.push(chunk);
  }
  if (signal.aborted) throw signal.reason;
  return Buffer.concat(chunks);
}

function parseAnswer(body: Buffer, contentType: string | undefined): unknown {
  const text = body.toString('utf8');
  if (/json/i.test(contentType ?? '') || /^\s*[[{]/.test(text)) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  }
  return text;
}

/** The end-user log written when a flow defines none: each step an entity, its calls the records, its failures the errors. */
export function defaultEndUserLog(
  status: 'success' | 'error' | 'canceled',
  steps: readonly StepRecord[],
  error: RunError | null,
): EndUserLog {
  const calls = steps.reduce((n, s) => n + s.calls - s.failedCalls, 0);
  const failed = steps.reduce((n, s) => n + s.failedCalls, 0);
  const overview: EndUserLog['overview'] = [];
  if (calls > 0 || status === 'success') overview.push({ status: 'success', numberOfRecords: calls });
  if (failed > 0 || status === 'error') overview.push({ status: 'error', numberOfRecords: failed });
  return {
    overview,
    details: steps.map((s) => ({ entity: s.id, status: s.status === 'success' ? 'success' : 'error', numberOfRecords: s.calls })),
    errors: [
      ...steps.flatMap((s) =>
        s.requests
          .filter((r) => r.error !== null)
          .map((r) => ({
            id: r.index === null ? s.id : `${s.id}.${r.index}`,
            error: r.error?.message ?? '',
            entity: s.id,
            internalId: null,
          })),
      ),
      ...(error && !steps.some((s) => s.error?.code === error.code)
        ? [{ id: 'run', error: error.message, entity: null, internalId: null }]
        : []),
    ],
  };
}

/** Executes a claimed run and settles it; see the module comment. */
export async function executeRun(engine: RunEngine, lease: Lease, signal: AbortSignal): Promise<ExecutionOutcome> {
  const { queue, clock, log } = engine;
  const db = engine.app.db;
  const limits = { ...RUN_LIMITS, ...engine.limits };
  const iso = (ms = clock.now()) => new Date(ms).toISOString();
  const work = await findRunWork(db, lease.id);
  if (!work) return 'lost';

  const finish = async (
    status: 'success' | 'error' | 'canceled',
    steps: StepRecord[],
    logs: unknown[],
    endUserLog: EndUserLog | null,
    error: RunError | null,
  ) => {
    const at = iso();
    const ok = await queue.settle(
      lease,
      finishedRunSet({
        status,
        steps: JSON.stringify(steps),
        logs: JSON.stringify(logs),
        end_user_log: endUserLog === null ? null : JSON.stringify(endUserLog),
        error_code: error?.code ?? null,
        error: error?.message ?? null,
        finished_at: at,
      }),
      status === 'canceled'
        ? undefined
        : async (tx) => {
            await recordLatestRun(tx, work.integration_id, { id: work.id, status, at });
            await enqueueRunEvent(
              { db: tx, clock },
              { id: work.id, integrationId: work.integration_id, status, errorCode: error?.code ?? null },
            );
          },
    );
    return ok ? status : ('lost' as const);
  };

  if (lease.reclaims > MAX_RECLAIMS) {
    const error: RunError = { code: 'worker_lost', message: `The run's worker stopped ${lease.reclaims} times while running it` };
    return finish('error', [], [], defaultEndUserLog('error', [], error), error);
  }
  if (work.integration_status !== 'enabled') {
    const error: RunError = { code: 'integration_disabled', message: 'The integration was disabled' };
    return finish('error', [], [], null, error);
  }
  if (work.cancel_requested_at !== null || signal.reason === 'cancel') {
    return finish('canceled', [], [], null, { code: 'canceled', message: 'The run was canceled' });
  }
  const parsed = storedFlowDefinitionSchema.safeParse(JSON.parse(work.definition));
  if (!parsed.success) {
    return finish('error', [], [], null, { code: 'flow_invalid', message: 'The flow version of this integration is not valid any more' });
  }
  const definition = parsed.data;
  if (!(await markRunStarted(db, lease.id, lease.fence, iso(), work.flow_version, definition.retry?.maxAttempts ?? 1))) return 'lost';

  const runTimer = AbortSignal.timeout(limits.runTimeoutMs);
  const runSignal = AbortSignal.any([signal, runTimer]);
  const stopReason = (): StopReason | 'run_timeout' | null =>
    signal.aborted ? (signal.reason as StopReason) : runTimer.aborted ? 'run_timeout' : null;

  const result = await runSteps(engine, work, definition, lease, runSignal, stopReason, limits).catch((err: unknown) => {
    log.error('run: unexpected failure', { runId: work.id, error: err instanceof Error ? err.message : String(err) });
    const error: RunError = { code: 'internal_error', message: 'The run failed unexpectedly' };
    return {
      steps: [] as StepRecord[],
      failure: { error, kind: { kind: 'internal' }, retryAfterMs: null } as Failure,
      context: null,
      secrets: new Set<string>(),
    };
  });
  // a stop only counts when it interrupted the steps: a run that got through them all is finished as it ended
  const stop = result.failure === null ? null : stopReason();
  if (stop === 'lease_lost') return 'lost';
  if (stop === 'shutdown') {
    return (await queue.settle(lease, releasedRunSet(iso()))) ? 'released' : 'lost';
  }
  const logs = await existingLogs(engine, work);
  if (stop === 'cancel') {
    const error: RunError = { code: 'canceled', message: 'The run was canceled' };
    return finish('canceled', result.steps, logs, defaultEndUserLog('canceled', result.steps, error), error);
  }
  if (result.failure) {
    const { error, kind, retryAfterMs } = result.failure;
    const delay = nextAttemptDelay(definition.retry, lease.attempt, kind, retryAfterMs, engine.random ?? Math.random);
    if (delay !== null) {
      const line = {
        at: iso(),
        level: 'warn',
        message: `Attempt ${lease.attempt} failed (${error.code}); attempt ${lease.attempt + 1} in ${Math.ceil(delay / 1000)} s`,
      };
      const ok = await queue.settle(
        lease,
        retryRunSet({
          steps: JSON.stringify(result.steps),
          logs: JSON.stringify([...logs, line]),
          error_code: error.code,
          error: error.message,
          not_before: iso(clock.now() + delay),
        }),
      );
      return ok ? 'retry' : 'lost';
    }
    const endUserLog = await renderEndUserLog(engine, definition, result.context, 'error', result.steps, error, result.secrets);
    return finish('error', result.steps, logs, endUserLog, error);
  }
  const endUserLog = await renderEndUserLog(engine, definition, result.context, 'success', result.steps, null, result.secrets);
  return finish('success', result.steps, logs, endUserLog, null);
}

async function existingLogs(engine: RunEngine, work: RunWorkRow): Promise<unknown[]> {
  try {
    const logs: unknown = JSON.parse((await findRunLogs(engine.app.db, work.id)) ?? '[]');
    return Array.isArray(logs) ? logs : [];
  } catch {
    return [];
  }
}

async function renderEndUserLog(
  engine: RunEngine,
  definition: FlowDefinition,
  context: TemplateContext | null,
  status: 'success' | 'error',
  steps: StepRecord[],
  error: RunError | null,
  secrets: ReadonlySet<string>,
): Promise<EndUserLog> {
  if (definition.endUserLog === undefined || context === null) return defaultEndUserLog(status, steps, error);
  try {
    const templates = new RunTemplates();
    let rendered = await templates.json(definition.endUserLog, { ...context, status } as TemplateContext);
    if (typeof rendered === 'string') rendered = JSON.parse(rendered) as unknown;
    // a template may put an answer that echoed a credential into the log: redact every text in it
    const redact = redaction(secrets);
    const log = endUserLogSchema.parse(rendered);
    return {
      overview: log.overview,
      details: log.details.map((d) => ({ ...d, entity: redact.text(d.entity) })),
      errors: log.errors.map((e) => ({
        id: redact.text(e.id),
        error: redact.text(e.error),
        entity: e.entity === null ? null : redact.text(e.entity),
        internalId: e.internalId === null ? null : redact.text(e.internalId),
      })),
    };
  } catch (err) {
    engine.log.info('run: the flow\u2019s end-user log did not render; writing the default one', {
      error: err instanceof Error ? err.message.slice(0, 200) : 'unknown',
    });
    return defaultEndUserLog(status, steps, error);
  }
}

async function runSteps(
  engine: RunEngine,
  work: RunWorkRow,
  definition: FlowDefinition,
  lease: Lease,
  signal: AbortSignal,
  stopReason: () => StopReason | 'run_timeout' | null,
  limits: RunLimits,
): Promise<{ steps: StepRecord[]; failure: Failure | null; context: TemplateContext | null; secrets: Set<string> }> {
  const { app, clock, log } = engine;
  const bindings = await findRunBindings(engine.app.db, work.integration_id);
  const passwords = openSecretInputs(app, work.integration_id, work.secret_inputs_enc ?? undefined);
  const plain = JSON.parse(work.inputs) as Record<string, unknown>;
  const inputs: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(plain)) inputs[k] = v;
  for (const [k, v] of Object.entries(passwords)) inputs[k] = v;
  const stepsSeen: Record<string, StepResult> = Object.create(null);
  // every secret this run handled: password inputs and whatever callUpstream injected; nothing stored may hold one
  const secrets = new Set<string>(Object.values(passwords));
  const startedAt = new Date(clock.now()).toISOString();
  const context: TemplateContext = {
    trigger: triggerContext(work.trigger, work.trigger_payload),
    inputs,
    steps: stepsSeen,
    embed: {
      user_id: work.user_id,
      user_name: work.user_name,
      user_email: work.user_email,
      user_language: work.user_language,
      account_id: work.account_id,
      account_name: work.account_name,
      state: null,
    },
    run: {
      id: work.id,
      attempt: lease.attempt,
      startedAt,
      integrationId: work.integration_id,
      flowId: work.flow_id,
      flowVersion: work.flow_version,
    },
  };
  const templates = new RunTemplates();
  const slots = new Map(definition.slots.map((s) => [s.key, s]));
  const records: StepRecord[] = [];

  for (const step of definition.steps) {
    const stepStarted = performance.now();
    const stepStartedAt = new Date(clock.now()).toISOString();
    const requests: CallRecord[] = [];
    let calls = 0;
    let failedCalls = 0;
    const record = (status: StepRecord['status'], error: RunError | null): StepRecord => ({
      id: step.id,
      status,
      attempt: lease.attempt,
      startedAt: stepStartedAt,
      durationMs: Math.round(performance.now() - stepStarted),
      calls,
      failedCalls,
      requests,
      error,
    });
    try {
      if (signal.aborted) throw failureOf(signal.reason, stopReason);
      const slot = slots.get(step.slot);
      const authId = (Object.hasOwn(bindings, step.slot) ? bindings[step.slot] : undefined) ?? slot?.connectorAuthId;
      if (authId === undefined)
        throw fail('connector_unusable', `No connector auth is bound to slot "${step.slot}"`, { kind: 'bad_request' });
      const auth = await loadStepAuth(app, authId);
      if (!auth.ok) {
        if (auth.reason === 'needs_reauth' || auth.reason === 'revoked' || auth.reason === 'disabled') {
          const what = { needs_reauth: 'needs to be reconnected', revoked: 'was revoked', disabled: 'is disabled' }[auth.reason];
          throw fail('connector_auth_inactive', `The connector auth of slot "${step.slot}" ${what}`, { kind: 'auth_inactive' });
        }
        throw fail('connector_unusable', `The connector of slot "${step.slot}" cannot be called (${auth.reason})`, { kind: 'bad_request' });
      }
      const items: (unknown | typeof NO_ITEM)[] = step.forEach === undefined ? [NO_ITEM] : await templates.list(step.forEach, context);
      const bodies: unknown[] = [];
      let last: StepResult = { status: null, headers: {}, body: null };
      for (const [index, item] of items.entries()) {
        const itemContext: TemplateContext = item === NO_ITEM ? context : { ...context, item, index };
        const key = item === NO_ITEM ? `${work.id}.${step.id}` : `${work.id}.${step.id}.${index}`;
        calls += 1;
        const call = await callOnce(engine, auth.target, step, itemContext, templates, key, secrets, signal, stopReason, limits);
        if (requests.length < MAX_CALL_RECORDS || call.record.error !== null) {
          if (requests.length >= MAX_CALL_RECORDS * 2) requests.splice(MAX_CALL_RECORDS, 1);
          requests.push({ ...call.record, index: item === NO_ITEM ? null : index });
        }
        if (call.failure) {
          failedCalls += 1;
          throw new StepFailed(call.failure);
        }
        last = call.result;
        bodies.push(call.result.body);
      }
      stepsSeen[step.id] = step.forEach === undefined ? last : { ...last, body: bodies };
      records.push(record('success', null));
    } catch (err) {
      const failure = failureOf(err, stopReason).failure;
      records.push(record(failure.error.code === 'canceled' ? 'canceled' : 'error', failure.error));
      for (const rest of definition.steps.slice(records.length)) {
        records.push({
          id: rest.id,
          status: 'skipped',
          attempt: lease.attempt,
          startedAt: stepStartedAt,
          durationMs: 0,
          calls: 0,
          failedCalls: 0,
          requests: [],
          error: null,
        });
      }
      log.info('run: step failed', { runId: work.id, stepId: step.id, code: failure.error.code, attempt: lease.attempt });
      return { steps: records, failure, context, secrets };
    }
  }
  return { steps: records, failure: null, context, secrets };
}

const NO_ITEM = Symbol('no forEach item');

// What `POST /hooks/{token}` stores (services/runs/webhook.ts); a retry of a webhook run carries it on.
const webhookPayloadSchema = z.strictObject({
  body: z.unknown(),
  query: z.record(z.string(), z.union([z.string(), z.array(z.string())])),
  headers: z.record(z.string(), z.string()),
});

/**
 * `trigger` as templates see it: `{ type, payload }`; a webhook's request (and a retry of one) also as
 * `trigger.body`, `trigger.query` and `trigger.headers`, with `payload` its body.
 */
function triggerContext(type: string, stored: string | null): TemplateContext['trigger'] {
  const payload = stored === null ? null : (JSON.parse(stored) as unknown);
  if (type === 'webhook' || type === 'retry') {
    const hook = webhookPayloadSchema.safeParse(payload);
    if (hook.success)
      return { type, payload: hook.data.body ?? null, body: hook.data.body ?? null, query: hook.data.query, headers: hook.data.headers };
  }
  return { type, payload };
}

async function callOnce(
  engine: RunEngine,
  target: UpstreamAuth,
  step: FlowDefinition['steps'][number],
  context: TemplateContext,
  templates: RunTemplates,
  idempotencyKey: string,
  secrets: Set<string>,
  runSignal: AbortSignal,
  stopReason: () => StopReason | 'run_timeout' | null,
  limits: RunLimits,
): Promise<{ record: CallRecord; result: StepResult; failure: Failure | null }> {
  const started = performance.now();
  const rendered = await templates.text(step.path, context);
  const problem = renderedPathProblem(rendered);
  const shownPath = redactedPath(rendered);
  const base: Omit<CallRecord, 'status' | 'durationMs' | 'responseBytes' | 'preview' | 'error'> = {
    index: null,
    method: step.method,
    path: shownPath,
  };
  if (problem) throw fail('bad_path', `Step "${step.id}": ${problem}`, { kind: 'bad_request' });
  const [pathPart, pathQuery = ''] = rendered.split(/\?(.*)/s, 2) as [string, string?];
  const query = new URLSearchParams(pathQuery);
  for (const [k, v] of Object.entries(step.query ?? {})) query.append(k, await templates.text(v, context));
  const headers: Record<string, string> = { accept: 'application/json' };
  for (const [k, v] of Object.entries(step.headers ?? {})) headers[k.toLowerCase()] = await templates.text(v, context);
  headers['idempotency-key'] = idempotencyKey;
  let body: Buffer | undefined;
  if (step.body !== undefined && step.method !== 'GET') {
    body = Buffer.from(JSON.stringify(await templates.json(step.body, context)), 'utf8');
    headers['content-type'] ??= 'application/json';
  }
  const search = query.toString();
  const recordPath = redactedPath(search === '' ? pathPart : `${pathPart}?${search}`);

  const callController = new AbortController();
  const timer = setTimeout(() => callController.abort('timeout'), limits.stepTimeoutMs);
  const onRunAbort = () => callController.abort(runSignal.reason);
  runSignal.addEventListener('abort', onRunAbort, { once: true });
  const stop = () => (runSignal.aborted ? stopReason() : callController.signal.aborted ? 'timeout' : null);
  let status: number | null = null;
  let bytes = 0;
  let answerBody: Buffer = Buffer.alloc(0);
  let contentType: string | undefined;
  try {
    if (runSignal.aborted) throw runSignal.reason;
    const answer = await untilAborted(
      callUpstream(
        engine.app,
        target,
        {
          method: step.method,
          path: pathPart.slice(1),
          query: search === '' ? '' : `?${search}`,
          headers,
          body,
          signal: callController.signal,
        },
        engine.log,
      ),
      callController.signal,
    );
    for (const secret of answer.secrets) secrets.add(secret);
    status = answer.status;
    contentType = typeof answer.headers['content-type'] === 'string' ? answer.headers['content-type'] : undefined;
    answerBody = await readCapped(answer.body, limits.responseBytes, answer.abort, callController.signal);
    bytes = answerBody.length;
    const accepted = (status >= 200 && status < 300) || (step.accept ?? []).includes(status);
    const redact = redaction(secrets);
    const record: CallRecord = {
      ...base,
      path: redact.text(recordPath),
      status,
      durationMs: Math.round(performance.now() - started),
      responseBytes: bytes,
      preview: redact.preview(answerBody, contentType),
      error: null,
    };
    const result: StepResult = {
      status,
      headers: forwardedResponseHeaders(answer.headers, answer.secrets),
      body: parseAnswer(answerBody, contentType),
    };
    if (accepted) return { record, result, failure: null };
    const error: RunError = { code: 'upstream_status', message: `Step "${step.id}": the connector answered ${status}` };
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(answer.headers['retry-after'], engine.clock.now()) : null;
    return { record: { ...record, error }, result, failure: { error, kind: { kind: 'http', status }, retryAfterMs } };
  } catch (err) {
    const failure = failureOf(err, stop).failure;
    const redact = redaction(secrets);
    const record: CallRecord = {
      ...base,
      path: redact.text(recordPath),
      status,
      durationMs: Math.round(performance.now() - started),
      responseBytes: bytes,
      preview: answerBody.length > 0 ? redact.preview(answerBody, contentType) : null,
      error: { code: failure.error.code, message: redact.text(failure.error.message) },
    };
    return { record, result: { status, headers: {}, body: null }, failure: { ...failure, error: record.error as RunError } };
  } finally {
    clearTimeout(timer);
    runSignal.removeEventListener('abort', onRunAbort);
  }
}

/** The slot's auth, ready to call through, or why not. */
type StepAuth =
  | { readonly ok: true; readonly target: UpstreamAuth }
  | { readonly ok: false; readonly reason: 'missing' | 'no_base_url' | 'needs_reauth' | 'revoked' | 'disabled' };

/** Loads a connector auth and its connector for a step (the system may use any auth a binding names). */
async function loadStepAuth(app: AppContext, authId: string): Promise<StepAuth> {
  const auth = await findConnectorAuth(app.db, authId, sql`1 = 1`);
  if (!auth) return { ok: false, reason: 'missing' };
  if (auth.status !== 'active') return { ok: false, reason: auth.status };
  const connector = await findConnector(app.db, auth.connector_id);
  if (!connector) return { ok: false, reason: 'missing' };
  const baseUrl = connector.base_url;
  if (!baseUrl) return { ok: false, reason: 'no_base_url' };
  return { ok: true, target: { auth, connector: { ...connector, base_url: baseUrl } } };
}

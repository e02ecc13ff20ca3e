import type { IncomingHttpHeaders } from 'node:http';
import type { Readable, Writable } from 'node:stream';
import { isNeverForwardedHeader } from '@patchbay/shared';
import { configVisible } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { type AppContext, nowIso } from '../../context.ts';
import { type ConnectorAuthRow, findConnectorAuth, isConnectorAuthVisible, touchAuthLastUsed } from '../../db/repos/connectorAuths.ts';
import { type ConnectorRow, findConnector } from '../../db/repos/connectors.ts';
import { AppError, notFound } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { getFreshCredentials } from '../auths/tokenRefresh.ts';
import type { Credentials } from '../connectors/credentials.ts';
import { EgressError, type EgressStreamResponse, egressStream } from '../egress/egress.ts';
import { buildUpstreamUrl, UnsafePathError } from '../egress/upstreamUrl.ts';
import { applyCredentials, InjectionError, injectableConnector, type OutgoingRequest } from '../providers/injection.ts';
import { secretRedactor } from './secretRedaction.ts';

/*
 * `ANY /api/v1/proxy/{connectorAuthId}/{path}` (docs/http-api.md; SECURITY.md, S-01…S-11).
 *
 * Answers, besides the upstream's own status:
 * - 400 `bad_request`: the path could leave the connector's base URL (S-01) or the URL is malformed.
 * - 403 `forbidden`: a member who may view the auth's configuration but lacks `run`; 404 when it cannot even view it.
 * - 413 `body_too_large`: request bodies are buffered (so a 401 can be retried) up to {@link MAX_REQUEST_BYTES}.
 * - 422 `unprocessable`, details `{ reason }`: the auth is not usable — `needs_reauth`, `revoked`, `disabled`
 *   (its status), `no_base_url`, `not_injectable`, or a refresh outcome from tokenRefresh (`not_refreshable`).
 * - 502 `upstream_error`, details `{ reason }`: `blocked_address` (the host resolves to a private range),
 *   `timeout`, `too_large`, `network`, `bad_url`. Past the response headers, an error cuts the stream instead.
 * - 503 `unavailable`: a token refresh failed transiently (tokenRefresh), with `retryAfterSeconds`.
 *
 * Nothing here knows Express: {@link callUpstream} takes a plain description of the call and
 * answers the upstream's status, headers and body stream, for the proxy route and for any other
 * caller (run steps); {@link proxyRequest} adds the proxy's answer policy and streams it into a
 * {@link ProxySink}. The route (`routes/api/proxy.ts`) adapts Express to both.
 */

/** Largest request body forwarded (buffered so a 401 can be retried after a refresh). */
export const MAX_REQUEST_BYTES = 5 * 1024 * 1024;
/** Largest upstream response streamed back; past it the stream is cut. */
export const MAX_RESPONSE_BYTES = 50 * 1024 * 1024;
/** Time for the upstream to send its response headers. */
export const HEADERS_TIMEOUT_MS = 30_000;
/** Longest silence while streaming the upstream body. */
export const IDLE_TIMEOUT_MS = 30_000;
const CONNECT_TIMEOUT_MS = 10_000;
/** A 401 body kept to answer it as is when the forced refresh fails. */
const MAX_RETRY_PROBE_BYTES = 64 * 1024;
/** `last_used_at` is written at most this often per auth. */
const LAST_USED_GRANULARITY_MS = 60_000;

/** Request headers always passed on; a connector may declare more (`proxy.forwardHeaders`), never {@link isNeverForwardedHeader} ones. */
const FORWARDED_REQUEST_HEADERS = new Set([
  'content-type',
  'accept',
  'accept-language',
  'if-match',
  'if-none-match',
  'if-modified-since',
  'if-unmodified-since',
  'idempotency-key',
  'user-agent',
]);
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);
/** Upstream headers never passed on: hop-by-hop, cookies, CORS, and headers that would speak for our origin. */
const DROPPED_RESPONSE_HEADERS = new Set([
  ...HOP_BY_HOP,
  'set-cookie',
  'set-cookie2',
  'content-security-policy',
  'content-security-policy-report-only',
  'strict-transport-security',
  'x-frame-options',
  'cache-control',
  'alt-svc',
  'clear-site-data',
  'report-to',
  'nel',
  'public-key-pins',
  'origin-agent-cluster',
  'cross-origin-opener-policy',
  'cross-origin-embedder-policy',
  'cross-origin-resource-policy',
  'permissions-policy',
  'x-content-type-options',
  'content-disposition',
  'refresh',
  'link',
]);

/** Request headers as a caller hands them over (Node's `IncomingHttpHeaders` is one); names in any case. */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/**
 * Request headers the caller may pass to the upstream (S-06): the fixed list plus the ones the
 * connector declares; rewrite, override, client-address, credential and hop-by-hop headers never,
 * even when a stored definition names them.
 */
export function forwardedRequestHeaders(headers: RequestHeaders, declared: readonly string[] = []): Record<string, string> {
  const extra = new Set(declared.map((h) => h.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (!(FORWARDED_REQUEST_HEADERS.has(lower) || extra.has(lower)) || isNeverForwardedHeader(lower)) continue;
    out[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * Upstream response headers as passed on: dropped ones removed, and every credential value
 * injected into this call (`secrets`, in any of its encodings) replaced by `[redacted]` wherever it
 * appears (S-07: a `Location: …?api_key=<the key>` must not hand the key to the caller). A header
 * whose name holds one is dropped; `Content-Length` is kept as sent, it frames the body.
 */
export function forwardedResponseHeaders(headers: IncomingHttpHeaders, secrets: Iterable<string> = []): Record<string, string | string[]> {
  const redactor = secretRedactor(secrets);
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase())
      .filter(Boolean),
  );
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (DROPPED_RESPONSE_HEADERS.has(lower) || named.has(lower) || lower.startsWith('access-control-')) continue;
    if (redactor.found(lower)) continue;
    out[lower] = lower === 'content-length' ? value : Array.isArray(value) ? value.map(redactor.redact) : redactor.redact(value);
  }
  return out;
}

const ACTIVE_CONTENT = /^(text\/html|application\/xhtml\+xml|image\/svg\+xml|text\/xml|application\/xml)/i;

/** Loads the auth the caller may run: 404 when invisible, 403 without `run`, 422 when not active. */
async function loadRunnableAuth(ctx: AppContext, p: AdminPrincipal, authId: string) {
  const row = await findConnectorAuth(ctx.db, authId, configVisible(p, 'view', 'ca.config_id'));
  if (!row) throw notFound('Connector auth', authId);
  const runnable = p.role !== 'member' || (await isConnectorAuthVisible(ctx.db, authId, configVisible(p, 'run', 'ca.config_id')));
  if (!runnable) throw new AppError('forbidden', 'You lack the "run" permission on this connector auth\u2019s configuration');
  if (row.status !== 'active') {
    const what = { needs_reauth: 'needs to be reconnected by its user', revoked: 'was revoked', disabled: 'is disabled' }[row.status];
    throw new AppError('unprocessable', `Connector auth ${JSON.stringify(authId)} ${what}`, { reason: row.status });
  }
  return row;
}

/** A connector auth ready to be called through: active, and its connector has a base URL. */
export interface UpstreamAuth {
  readonly auth: ConnectorAuthRow;
  readonly connector: ConnectorRow & { readonly base_url: string };
}

/**
 * The auth a proxy caller may run, with its connector: 404 when invisible, 403 without `run`, 422
 * when not active or when the connector has no base URL.
 */
export async function runnableUpstreamAuth(ctx: AppContext, p: AdminPrincipal, authId: string): Promise<UpstreamAuth> {
  const auth = await loadRunnableAuth(ctx, p, authId);
  const connector = await findConnector(ctx.db, auth.connector_id);
  if (!connector) throw notFound('Connector', auth.connector_id);
  const baseUrl = connector.base_url;
  if (!baseUrl) {
    throw new AppError('unprocessable', `Connector ${JSON.stringify(connector.id)} has no base URL to proxy to`, {
      reason: 'no_base_url',
    });
  }
  return { auth, connector: { ...connector, base_url: baseUrl } };
}

/** One call to an auth's connector, as plain data: no HTTP framework in sight. */
export interface UpstreamRequest {
  readonly method: string;
  /** The path below the connector's base URL, raw (still percent-encoded, checked by `buildUpstreamUrl`), without a leading `/`. */
  readonly path: string;
  /** The query string with its `?`, or `''`. */
  readonly query: string;
  /** The caller's headers; only {@link forwardedRequestHeaders} pass. A `Content-Length` over the cap is refused before reading. */
  readonly headers: RequestHeaders;
  /** Up to {@link MAX_REQUEST_BYTES}, buffered (so a 401 can be retried); never read for GET and HEAD. */
  readonly body?: Buffer | AsyncIterable<Buffer> | undefined;
  /** The caller went away (or a run was canceled): once aborted, a call still connecting or waiting is closed at once, and an answer's upstream connection is closed and its body ends early. */
  readonly signal?: AbortSignal | undefined;
}

/** The upstream's answer, once its headers are in. */
export interface UpstreamAnswer {
  readonly status: number;
  /** As the upstream sent them: neither filtered nor redacted (see {@link forwardedResponseHeaders}). */
  readonly headers: IncomingHttpHeaders;
  /**
   * The body as it arrives, cut with an `EgressError` past {@link MAX_RESPONSE_BYTES} or
   * {@link IDLE_TIMEOUT_MS} of silence; a Buffer when it was read already (a 401 answered as it is,
   * at most 64 KB, after the refresh it asked for failed).
   */
  readonly body: Readable | Buffer;
  /** Stops reading and closes the upstream connection. */
  abort(): void;
  /** Every secret injected on any attempt of this call: whatever of the answer is passed on is redacted of them all. */
  readonly secrets: ReadonlySet<string>;
}

async function readBody(body: UpstreamRequest['body'], headers: RequestHeaders): Promise<Buffer | undefined> {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) {
    if (body.length > MAX_REQUEST_BYTES) throw tooLargeBody();
    return body.length === 0 ? undefined : body;
  }
  const declared = Number(headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_REQUEST_BYTES) throw tooLargeBody();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.length;
    if (size > MAX_REQUEST_BYTES) throw tooLargeBody();
    chunks.push(chunk);
  }
  return size === 0 ? undefined : Buffer.concat(chunks);
}

function tooLargeBody(): AppError {
  return new AppError('body_too_large', `The request body is larger than ${MAX_REQUEST_BYTES / 1024 / 1024} MB`);
}

function upstreamError(err: EgressError): AppError {
  const message =
    err.code === 'blocked_address'
      ? `The connector's host is not reachable from Patchbay: ${err.message}`
      : err.code === 'timeout'
        ? `The connector's service did not answer in time: ${err.message}`
        : err.code === 'too_large'
          ? `The connector's service answered with too much data: ${err.message}`
          : `The connector's service could not be reached: ${err.message}`;
  return new AppError('upstream_error', message, { reason: err.code });
}

async function readSome(body: EgressStreamResponse['body'], max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const room = max - size;
      chunks.push(room >= chunk.length ? chunk : chunk.subarray(0, room));
      size += chunk.length;
      if (size >= max) break;
    }
  } catch {
    // a cut body is answered with what arrived
  }
  return Buffer.concat(chunks);
}

/** Records use at most once per {@link LAST_USED_GRANULARITY_MS}: no write at all while the loaded value is recent. */
async function touchLastUsed(ctx: AppContext, authId: string, lastUsedAt: string | null): Promise<void> {
  const threshold = new Date(ctx.clock.now() - LAST_USED_GRANULARITY_MS).toISOString();
  if (lastUsedAt !== null && lastUsedAt >= threshold) return;
  await touchAuthLastUsed(ctx.db, authId, nowIso(ctx), threshold);
}

/**
 * Calls the auth's connector with its credentials injected, refreshing OAuth2 tokens first when
 * due and once more on a 401 (then retried once), and answers as soon as the upstream's headers
 * are in. Errors before that are thrown as `AppError`s (400, 413, 422, 502, 503: see above).
 * The one way to a connector's API with an auth, for the proxy and for run steps alike.
 */
export async function callUpstream(ctx: AppContext, target: UpstreamAuth, call: UpstreamRequest, log: Logger): Promise<UpstreamAnswer> {
  const { auth, connector: connectorRow } = target;
  const authId = auth.id;
  let url: URL;
  try {
    url = buildUpstreamUrl(connectorRow.base_url, call.path, call.query);
  } catch (err) {
    if (err instanceof UnsafePathError) throw new AppError('bad_request', err.message);
    throw err;
  }
  const method = call.method.toUpperCase();
  const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(call.body, call.headers);
  const connector = injectableConnector(ctx, connectorRow);
  const headers = forwardedRequestHeaders(call.headers, connector.definition.proxy?.forwardHeaders);

  // Every secret sent on any attempt of this call: whatever answer is passed on is redacted of them all.
  const injected = new Set<string>();
  const send = async (credentials: Credentials): Promise<EgressStreamResponse> => {
    const out: OutgoingRequest = { url: new URL(url), method, headers: { ...headers }, body };
    try {
      for (const secret of applyCredentials(connector, credentials, out)) injected.add(secret);
    } catch (err) {
      if (err instanceof InjectionError) throw new AppError('unprocessable', err.message, { reason: 'not_injectable' });
      throw err;
    }
    try {
      return await egressStream(ctx, {
        url: out.url,
        method,
        headers: out.headers,
        ...(body === undefined ? {} : { body }),
        timeoutMs: HEADERS_TIMEOUT_MS,
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
        idleTimeoutMs: IDLE_TIMEOUT_MS,
        maxBytes: MAX_RESPONSE_BYTES,
        signal: call.signal,
      });
    } catch (err) {
      if (err instanceof EgressError) {
        // a caller that went away (or a canceled run) stopped the call: nothing went wrong upstream
        if (call.signal?.aborted) log.debug('proxy call stopped by its caller', { connectorAuthId: authId, connectorId: connectorRow.id });
        else log.warn('proxy call failed', { connectorAuthId: authId, connectorId: connectorRow.id, reason: err.code });
        throw upstreamError(err);
      }
      throw err;
    }
  };

  const credentials = await getFreshCredentials(ctx, authId);
  let upstream = await send(credentials);
  if (upstream.status === 401 && credentials.type === 'oauth2') {
    const first = upstream;
    const probe = await readSome(first.body, MAX_RETRY_PROBE_BYTES);
    first.abort();
    let refreshed: Credentials | null = null;
    try {
      refreshed = await getFreshCredentials(ctx, authId, {
        force: true,
        ...(credentials.type === 'oauth2' ? { rejectedAccessToken: credentials.accessToken } : {}),
      });
    } catch (err) {
      log.info('proxy: refresh after an upstream 401 failed; answering the 401', {
        connectorAuthId: authId,
        code: err instanceof AppError ? err.code : 'error',
      });
    }
    if (refreshed === null) {
      await touchLastUsed(ctx, authId, auth.last_used_at);
      return { status: first.status, headers: first.headers, body: probe, abort: () => {}, secrets: injected };
    }
    upstream = await send(refreshed);
  }
  await touchLastUsed(ctx, authId, auth.last_used_at);
  cutOnAbort(upstream, call.signal);
  return { status: upstream.status, headers: upstream.headers, body: upstream.body, abort: upstream.abort, secrets: injected };
}

/** Closes the upstream connection when `signal` aborts (at once if it has), for as long as the body is open. */
function cutOnAbort(upstream: EgressStreamResponse, signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  if (signal.aborted) {
    upstream.abort();
    return;
  }
  const abort = () => upstream.abort();
  signal.addEventListener('abort', abort, { once: true });
  upstream.body.once('close', () => signal.removeEventListener('abort', abort));
}

/** Where {@link proxyRequest} writes its answer: the route hands over its HTTP response. */
export interface ProxySink {
  /** Sets the status and headers; called at most once, just before the first body byte (or the end of an empty body). */
  head(status: number, headers: Readonly<Record<string, string | string[]>>): void;
  /**
   * Receives the body and is ended after it; destroyed when the upstream cuts its answer past the
   * head (the only honest signal left). Its `close` before it finished means the caller went away.
   */
  readonly body: Writable;
}

/**
 * Forwards one proxy call ({@link callUpstream}) and streams the answer into `sink` with the
 * proxy's policy on response headers. Errors before the head are thrown as `AppError`s (a clean
 * error answer is still possible); afterwards the sink's body is destroyed instead. When the
 * caller has gone (`call.signal`, or the sink's body closed) nothing is written.
 */
export async function proxyRequest(
  ctx: AppContext,
  target: UpstreamAuth,
  call: UpstreamRequest,
  sink: ProxySink,
  log: Logger,
): Promise<void> {
  const answer = await callUpstream(ctx, target, call, log);
  if (Buffer.isBuffer(answer.body)) {
    sink.head(answer.status, answerHeaders(answer));
    sink.body.end(answer.body);
    return;
  }
  await streamBack(sink, answer, answer.body, call.signal, log, target.auth.id);
}

function answerHeaders(upstream: UpstreamAnswer): Record<string, string | string[]> {
  const headers = forwardedResponseHeaders(upstream.headers, upstream.secrets);
  // Proxied bodies come from a third party but are served from our origin: never sniffed, never active.
  headers['X-Content-Type-Options'] = 'nosniff';
  headers['Content-Security-Policy'] = "sandbox; default-src 'none'; frame-ancestors 'none'";
  headers['Cache-Control'] = 'no-store';
  const type = String(upstream.headers['content-type'] ?? '');
  if (ACTIVE_CONTENT.test(type)) headers['Content-Disposition'] = 'attachment';
  return headers;
}

async function streamBack(
  sink: ProxySink,
  upstream: UpstreamAnswer,
  body: Readable,
  signal: AbortSignal | undefined,
  log: Logger,
  authId: string,
): Promise<void> {
  // The caller left while the upstream was answering: callUpstream has cut the answer, nothing to pass on.
  if (signal?.aborted) return;
  // Headers are sent with the first body byte, so an error before it can still be a clean 502.
  const first = await new Promise<{ chunk: Buffer | null; error: unknown; cut?: true }>((resolve) => {
    const onData = (chunk: Buffer) => {
      cleanup();
      body.pause();
      resolve({ chunk, error: null });
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunk: null, error: null });
    };
    const onError = (error: unknown) => {
      cleanup();
      resolve({ chunk: null, error });
    };
    const onClose = () => {
      cleanup();
      resolve({ chunk: null, error: null, cut: true });
    };
    const cleanup = () => {
      body.off('data', onData);
      body.off('end', onEnd);
      body.off('error', onError);
      body.off('close', onClose);
    };
    body.on('data', onData);
    body.on('end', onEnd);
    body.on('error', onError);
    body.on('close', onClose);
  });
  if (signal?.aborted || first.cut || sink.body.closed) {
    // The caller left while the upstream was answering (callUpstream has cut the answer, so an error
    // here is that of our own abort): nothing to pass on. Stop reading now; the sink's 'close' has
    // already fired, so the pipe below would wait for the idle timeout.
    upstream.abort();
    return;
  }
  if (first.error) {
    upstream.abort();
    if (first.error instanceof EgressError) {
      log.warn('proxy call failed', { connectorAuthId: authId, reason: first.error.code });
      throw upstreamError(first.error);
    }
    throw first.error;
  }
  sink.head(upstream.status, answerHeaders(upstream));
  if (first.chunk === null) {
    sink.body.end();
    return;
  }
  sink.body.write(first.chunk);
  // Plain pipe rather than stream/promises' pipeline: that one builds an AbortController (and a DOMException) per call.
  await new Promise<void>((resolve) => {
    body.once('error', (err) => {
      upstream.abort();
      if (err instanceof EgressError) log.warn('proxy response cut', { connectorAuthId: authId, reason: err.code });
      // Headers are out: the only honest signal left is a broken connection.
      sink.body.destroy();
      resolve();
    });
    sink.body.once('close', () => {
      // The client went away (or the answer is complete): stop reading upstream either way.
      if (!sink.body.writableFinished) upstream.abort();
      resolve();
    });
    body.pipe(sink.body);
  });
}

import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import net from 'node:net';
import { Readable, Transform, type TransformCallback } from 'node:stream';
import type { AppContext } from '../../context.ts';
import { assertNoOpenTransaction } from '../../db/driver.ts';
import { isInternalAddress, isLoopbackHost } from './urlPolicy.ts';

/**
 * Every outbound HTTP call Patchbay makes (token endpoints, revoke URLs, validation requests,
 * the proxy, run steps) goes through here: http(s) only, the host resolved once and each address
 * checked against the internal ranges, the connection pinned to the checked address (no DNS
 * rebinding), redirects answered as they are, timeouts and a response cap. Nothing here logs
 * header values, bodies or query strings.
 */

/** Why an outbound call did not produce a response. */
export type EgressErrorCode = 'blocked_address' | 'timeout' | 'too_large' | 'bad_url' | 'network';

/** An outbound call failed before or while reading the answer; the message is safe to show (no secrets, no query). */
export class EgressError extends Error {
  constructor(
    readonly code: EgressErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'EgressError';
  }
}

/** One resolved address. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to all its addresses. */
export type EgressResolver = (hostname: string) => Promise<ResolvedAddress[]>;

const LOOPBACK_ADDRESSES: readonly ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/**
 * Resolves names with c-ares (`dns.Resolver`: A and AAAA, IPv4 first), not `dns.lookup`:
 * getaddrinfo runs on libuv's thread pool, which password hashing and file I/O share, so a burst
 * of scrypt work would stall every outbound call. c-ares asks the DNS servers of
 * `/etc/resolv.conf` (or `servers`) directly and does not read `/etc/hosts`; `localhost` and
 * `*.localhost` are answered here as loopback (RFC 6761), whatever a server would say.
 */
export function dnsResolver(servers?: readonly string[]): EgressResolver {
  const r = new dns.promises.Resolver({ timeout: 5_000, tries: 2 });
  if (servers) r.setServers([...servers]);
  return async (hostname) => {
    const name = hostname.toLowerCase().replace(/\.$/, '');
    if (name === 'localhost' || name.endsWith('.localhost')) return [...LOOPBACK_ADDRESSES];
    const [v4, v6] = await Promise.allSettled([r.resolve4(name), r.resolve6(name)]);
    const addresses: ResolvedAddress[] = [
      ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
      ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
    ];
    if (addresses.length === 0 && v4.status === 'rejected') throw v4.reason;
    return addresses;
  };
}

/**
 * The resolver egress uses; tests swap it with {@link setEgressResolver} to map made-up host
 * names to internal addresses. IP literals never reach it.
 */
let resolver: EgressResolver = dnsResolver();

/** Replaces the resolver (tests); answers a function that puts the previous one back. */
export function setEgressResolver(next: EgressResolver): () => void {
  const previous = resolver;
  resolver = next;
  return () => {
    resolver = previous;
  };
}

/** What an outbound request needs. */
export interface EgressRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers?: Record<string, string>;
  readonly body?: Buffer | string;
  /** Total time for the whole exchange (buffered) or until the response headers (streamed); default 30 s. */
  readonly timeoutMs?: number;
  /** Time to establish the TCP (and TLS) connection; default 10 s. */
  readonly connectTimeoutMs?: number;
  /** Largest response body read; default 5 MB buffered, 50 MB streamed. */
  readonly maxBytes?: number;
  /**
   * Stops the call: while connecting or waiting for the answer the connection is closed at once and
   * the call fails with `network` ("aborted"); a buffered answer still being read is cut too. A
   * streamed answer's body is the caller's to cut (`abort()`) once the headers are in.
   */
  readonly signal?: AbortSignal | undefined;
}

/** A buffered answer. Header names are lower case; repeated headers are joined with `, `. */
export interface EgressResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: Buffer;
}

/** A streamed answer: status and headers now, the body as it arrives (errors with {@link EgressError} when cut). */
export interface EgressStreamResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Readable;
  /** Stops reading and closes the upstream connection. */
  abort(): void;
}

/** Options of the streamed variant. */
export interface EgressStreamRequest extends Omit<EgressRequest, 'body'> {
  readonly body?: Buffer | string | Readable;
  /** Longest silence between two body chunks once headers arrived; default 30 s. */
  readonly idleTimeoutMs?: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
/** Default cap of a buffered response body. */
export const DEFAULT_MAX_BYTES = 5 * 1024 * 1024;
/** Default cap of a streamed response body. */
export const DEFAULT_STREAM_MAX_BYTES = 50 * 1024 * 1024;

// Keep-alive pools: the pool key is the host name, and every pooled socket was connected to a checked address.
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, timeout: 60_000 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 32, timeout: 60_000 }),
};

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

/** Checks scheme and host policy before anything is resolved. */
function checkUrl(ctx: Pick<AppContext, 'config'>, url: URL): { host: string; loopbackAllowed: boolean } {
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new EgressError('bad_url', `Only http(s) URLs can be called (got ${url.protocol})`);
  if (url.username !== '' || url.password !== '') throw new EgressError('bad_url', 'The URL must not contain credentials');
  const host = bareHost(url.hostname);
  if (host === '') throw new EgressError('bad_url', 'The URL has no host');
  const loopbackAllowed = ctx.config.allowInsecureLoopback && isLoopbackHost(host);
  if (url.protocol === 'http:' && !loopbackAllowed) {
    throw new EgressError('bad_url', `Plain http:// is only allowed for loopback hosts in development (host ${url.hostname})`);
  }
  return { host, loopbackAllowed };
}

/**
 * Resolves the host once and checks every address: an internal address is refused, unless the
 * host is a loopback host that the configuration allows, whose addresses must then be loopback.
 * Answers the address to connect to.
 */
export async function resolveAllowed(ctx: Pick<AppContext, 'config'>, url: URL): Promise<ResolvedAddress> {
  assertNoOpenTransaction(`Resolving ${url.hostname} for an outbound call`);
  const { host, loopbackAllowed } = checkUrl(ctx, url);
  let addresses: ResolvedAddress[];
  const literal = net.isIP(host);
  if (literal !== 0) {
    addresses = [{ address: host, family: literal === 6 ? 6 : 4 }];
  } else {
    try {
      addresses = await resolver(host);
    } catch {
      throw new EgressError('network', `Could not resolve the host ${host}`);
    }
  }
  if (addresses.length === 0) throw new EgressError('network', `Could not resolve the host ${host}`);
  for (const a of addresses) {
    const allowed = loopbackAllowed ? isLoopbackHost(a.address) || !isInternalAddress(a.address) : !isInternalAddress(a.address);
    if (!allowed) {
      throw new EgressError('blocked_address', `The host ${host} resolves to a private, loopback, link-local or reserved address`);
    }
  }
  return addresses[0] as ResolvedAddress;
}

/** A `lookup` for `http.request` that always answers the checked address, so a second DNS answer cannot redirect the socket. */
function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return ((_hostname: string, options: dns.LookupOptions, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
    else callback(null, pinned.address, pinned.family);
  }) as LookupFunction;
}

function toEgressError(err: unknown, host: string): EgressError {
  if (err instanceof EgressError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? '';
  if (code === 'ETIMEDOUT') return new EgressError('timeout', `The connection to ${host} timed out`);
  if (code === 'ECONNREFUSED') return new EgressError('network', `${host} refused the connection`);
  if (code === 'ECONNRESET' || code === 'EPIPE') return new EgressError('network', `${host} closed the connection`);
  if (code.startsWith('ERR_TLS') || code.includes('CERT') || code === 'DEPTH_ZERO_SELF_SIGNED_CERT') {
    return new EgressError('network', `The TLS connection to ${host} failed (${code})`);
  }
  if (code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN' || code === 'ERR_HTTP_INVALID_HEADER_VALUE') {
    return new EgressError('bad_url', 'A request header is not valid');
  }
  return new EgressError('network', `The request to ${host} failed${code ? ` (${code})` : ''}`);
}

interface Opened {
  response: http.IncomingMessage;
  request: http.ClientRequest;
  clearTimers(): void;
  /** Fails the exchange; destroys request and response. */
  fail(err: EgressError): void;
  /** Resolves when the exchange fails (timeouts), so readers can stop. */
  failed: Promise<EgressError>;
}

/** Opens the exchange and answers once the response headers have arrived. */
async function open(ctx: Pick<AppContext, 'config'>, req: EgressStreamRequest, totalTimeoutMs: number): Promise<Opened> {
  const host = bareHost(req.url.hostname);
  const aborted = () => new EgressError('network', `The call to ${host} was aborted`);
  if (req.signal?.aborted) throw aborted();
  const pinned = await resolveAllowed(ctx, req.url);
  if (req.signal?.aborted) throw aborted();
  const isHttps = req.url.protocol === 'https:';
  const connectTimeoutMs = req.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const headers: Record<string, string> = { ...req.headers };
  if (typeof req.body === 'string' || Buffer.isBuffer(req.body)) headers['content-length'] = String(Buffer.byteLength(req.body));

  return new Promise<Opened>((resolve, reject) => {
    let settled = false;
    let failWith: (err: EgressError) => void = () => {};
    const failed = new Promise<EgressError>((r) => {
      failWith = r;
    });
    let request: http.ClientRequest;
    try {
      request = (isHttps ? https : http).request({
        protocol: req.url.protocol,
        hostname: host,
        port: req.url.port || (isHttps ? 443 : 80),
        path: `${req.url.pathname}${req.url.search}`,
        method: req.method.toUpperCase(),
        headers,
        agent: isHttps ? agents.https : agents.http,
        lookup: pinnedLookup(pinned),
        ...(isHttps && net.isIP(host) === 0 ? { servername: host } : {}),
      });
    } catch (err) {
      reject(toEgressError(err, host));
      return;
    }
    let response: http.IncomingMessage | undefined;
    const fail = (err: EgressError) => {
      clearTimers();
      failWith(err);
      if (!settled) {
        settled = true;
        reject(err);
      }
      request.destroy(err);
      response?.destroy(err);
    };
    const total = setTimeout(
      () => fail(new EgressError('timeout', `${host} did not answer within ${Math.round(totalTimeoutMs / 1000)} s`)),
      totalTimeoutMs,
    );
    let connectTimer: NodeJS.Timeout | undefined;
    const onAbort = () => fail(aborted());
    const clearTimers = () => {
      clearTimeout(total);
      if (connectTimer) clearTimeout(connectTimer);
      req.signal?.removeEventListener('abort', onAbort);
    };
    req.signal?.addEventListener('abort', onAbort, { once: true });
    request.on('socket', (socket) => {
      if (!(socket as net.Socket).connecting) return;
      connectTimer = setTimeout(
        () => fail(new EgressError('timeout', `Could not connect to ${host} within ${Math.round(connectTimeoutMs / 1000)} s`)),
        connectTimeoutMs,
      );
      socket.once(isHttps ? 'secureConnect' : 'connect', () => {
        if (connectTimer) clearTimeout(connectTimer);
      });
    });
    request.on('error', (err) => fail(toEgressError(err, host)));
    request.on('response', (res) => {
      response = res;
      if (connectTimer) clearTimeout(connectTimer);
      settled = true;
      resolve({ response: res, request, clearTimers, fail, failed });
    });
    const body = req.body;
    if (body instanceof Readable) {
      body.on('error', (err) => fail(toEgressError(err, host)));
      body.pipe(request);
    } else {
      request.end(body);
    }
  });
}

function flattenHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function declaredTooLarge(res: http.IncomingMessage, maxBytes: number): boolean {
  const declared = Number(res.headers['content-length']);
  return Number.isFinite(declared) && declared > maxBytes;
}

function tooLarge(host: string, maxBytes: number): EgressError {
  const limit = maxBytes >= 1024 * 1024 ? `${Math.round(maxBytes / 1024 / 1024)} MB` : `${Math.round(maxBytes / 1024)} KB`;
  return new EgressError('too_large', `The answer of ${host} is larger than ${limit}`);
}

/**
 * Calls a URL and buffers the answer: for token endpoints, revoke URLs and validation requests.
 * Redirects are answered as they are (never followed). Throws {@link EgressError}.
 */
export async function egressFetch(ctx: Pick<AppContext, 'config'>, req: EgressRequest): Promise<EgressResponse> {
  // A transaction must never wait on a remote server (it would hold the write lock or a pooled connection meanwhile).
  assertNoOpenTransaction(`An outbound call to ${req.url.origin}`);
  const host = bareHost(req.url.hostname);
  const maxBytes = req.maxBytes ?? DEFAULT_MAX_BYTES;
  const opened = await open(ctx, req, req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const { response } = opened;
  if (declaredTooLarge(response, maxBytes)) {
    const err = tooLarge(host, maxBytes);
    opened.fail(err);
    throw err;
  }
  return new Promise<EgressResponse>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    opened.failed.then(reject, reject);
    response.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        opened.fail(tooLarge(host, maxBytes));
        return;
      }
      chunks.push(chunk);
    });
    response.on('error', (err) => {
      opened.fail(toEgressError(err, host));
    });
    response.on('end', () => {
      opened.clearTimers();
      resolve({ status: response.statusCode ?? 502, headers: flattenHeaders(response.headers), body: Buffer.concat(chunks) });
    });
  });
}

/**
 * Calls a URL and answers as soon as the response headers arrive; the body streams through a
 * byte counter that cuts it (and the upstream socket) past `maxBytes` and an idle timer. For the
 * proxy. Redirects are answered as they are. Throws {@link EgressError} before headers; body
 * errors are {@link EgressError}s emitted on `body`.
 */
export async function egressStream(ctx: Pick<AppContext, 'config'>, req: EgressStreamRequest): Promise<EgressStreamResponse> {
  assertNoOpenTransaction(`An outbound call to ${req.url.origin}`);
  const host = bareHost(req.url.hostname);
  const maxBytes = req.maxBytes ?? DEFAULT_STREAM_MAX_BYTES;
  const idleTimeoutMs = req.idleTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const opened = await open(ctx, req, req.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  // Headers are in: the total timer covered the wait for them; from here on the idle timer guards the body.
  opened.clearTimers();
  const { response } = opened;
  if (declaredTooLarge(response, maxBytes)) {
    const err = tooLarge(host, maxBytes);
    opened.fail(err);
    throw err;
  }
  let size = 0;
  let idle: NodeJS.Timeout | undefined;
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      size += chunk.length;
      if (size > maxBytes) {
        done(tooLarge(host, maxBytes));
        return;
      }
      armIdle();
      done(null, chunk);
    },
    flush(done) {
      if (idle) clearTimeout(idle);
      done();
    },
  });
  const armIdle = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(
      () => counter.destroy(new EgressError('timeout', `${host} stopped sending for ${Math.round(idleTimeoutMs / 1000)} s`)),
      idleTimeoutMs,
    );
  };
  armIdle();
  const stop = () => {
    if (idle) clearTimeout(idle);
    opened.request.destroy();
    response.destroy();
  };
  counter.on('error', stop);
  counter.on('close', () => {
    if (idle) clearTimeout(idle);
  });
  response.on('error', (err) => counter.destroy(toEgressError(err, host)));
  response.on('aborted', () => counter.destroy(new EgressError('network', `${host} closed the connection early`)));
  response.pipe(counter);
  return {
    status: response.statusCode ?? 502,
    headers: response.headers,
    body: counter,
    abort: () => {
      stop();
      counter.destroy();
    },
  };
}

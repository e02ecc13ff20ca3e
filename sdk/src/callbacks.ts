/**
 * Patchbay callbacks (SPEC §7) the Standard Webhooks way: `webhook-id`, `webhook-timestamp`
 * (Unix seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed
 * with the configuration's callback secret `whsec_<base64 key>`. Node's crypto only.
 */
import * as crypto from 'node:crypto';

/** Every callback event type Patchbay sends today (SPEC §7). */
export type CallbackEventType =
  | 'integration.enabled'
  | 'integration.updated'
  | 'integration.disabled'
  | 'integration.deleted'
  | 'connectorAuth.created'
  | 'connectorAuth.updated'
  | 'connectorAuth.deleted'
  | 'connectorAuth.needsReauth'
  | 'connectorAuth.recovered'
  | 'run.succeeded'
  | 'run.failed'
  | 'consent.given'
  | 'data.deleted'
  | 'ping';

/** A callback's `data`: whom the event concerns, plus the ids and statuses of the event; never credentials. */
export interface CallbackEventData {
  readonly configId: string;
  readonly userId: string;
  readonly accountId: string;
  readonly sharingLevel: 'user' | 'account';
  /** The event's ids and statuses, e.g. `integrationId`, `flowId`, `connectorAuthId`, `runId`. */
  readonly [field: string]: unknown;
}

/**
 * A verified callback body. `type` may name an event newer than this SDK: answer 2xx and ignore
 * types you do not handle, so Patchbay does not retry them.
 */
export interface CallbackEvent {
  // `string & {}` keeps the known names in autocompletion while admitting newer ones.
  readonly type: CallbackEventType | (string & {});
  /** When the event happened, ISO 8601. */
  readonly timestamp: string;
  readonly data: CallbackEventData;
}

/** The request headers: Node's `req.headers` (any case of names, values string or string[]) or a fetch `Headers`. */
export type CallbackHeaders = Headers | { readonly [name: string]: string | readonly string[] | undefined };

/** Why {@link verifyCallback} refused, as a stable code beside the message. */
export type CallbackVerificationErrorCode =
  /** The secret is not `whsec_` + base64 of at least 24 bytes: a setup mistake on the receiver's side. */
  | 'invalid_secret'
  /** `rawBody` is neither a string nor bytes (e.g. already parsed JSON): a setup mistake on the receiver's side. */
  | 'invalid_body'
  | 'missing_header'
  | 'invalid_header'
  | 'timestamp_too_old'
  | 'timestamp_too_new'
  | 'no_matching_signature'
  /** Signed correctly, but not a JSON `{ type, timestamp, data }` object. */
  | 'invalid_payload';

/**
 * Why a callback was refused. `invalid_secret` and `invalid_body` mean the receiver is set up
 * wrongly: answer 5xx for those, so Patchbay retries once it is fixed; 4xx for the rest.
 */
export class CallbackVerificationError extends Error {
  override readonly name = 'CallbackVerificationError';
  /** The reason, stable across versions. */
  readonly code: CallbackVerificationErrorCode;
  constructor(code: CallbackVerificationErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** Largest accepted clock difference for callback timestamps, in seconds, both ways (Standard Webhooks' 5 minutes). */
export const CALLBACK_TOLERANCE_S = 300;

/** Options of {@link verifyCallback}. */
export interface VerifyCallbackOptions {
  /** Largest accepted age (and lead into the future) of `webhook-timestamp`, in seconds. Default {@link CALLBACK_TOLERANCE_S}. */
  readonly toleranceSeconds?: number;
  /** The current time in milliseconds since the epoch, for tests. Default `Date.now()`. */
  readonly now?: number;
}

const PREFIX = 'whsec_';
const MIN_KEY_BYTES = 24;

const fail = (code: CallbackVerificationErrorCode, message: string): never => {
  throw new CallbackVerificationError(code, `Patchbay callback: ${message}`);
};

/** The HMAC key of a `whsec_…` secret; strict, so a wrong variable fails loudly instead of as "no matching signature". */
function keyOf(secret: unknown): Buffer {
  if (typeof secret !== 'string' || !secret.startsWith(PREFIX)) return fail('invalid_secret', 'the secret must start with whsec_');
  const encoded = secret.slice(PREFIX.length);
  const key = Buffer.from(encoded, 'base64');
  // Node's decoder skips what is not base64; re-encoding shows whether the text was canonical base64.
  if (key.toString('base64') !== encoded) return fail('invalid_secret', 'the part after whsec_ must be base64');
  if (key.length < MIN_KEY_BYTES) return fail('invalid_secret', `the secret's key must be at least ${MIN_KEY_BYTES} bytes`);
  return key;
}

function keysOf(secret: string | readonly string[]): Buffer[] {
  const secrets: readonly unknown[] = Array.isArray(secret) ? secret : [secret];
  if (secrets.length === 0) fail('invalid_secret', 'no secret given');
  return secrets.map(keyOf);
}

function bytesOf(rawBody: unknown): Uint8Array {
  if (typeof rawBody === 'string') return Buffer.from(rawBody, 'utf8');
  if (rawBody instanceof Uint8Array) return rawBody;
  return fail('invalid_body', 'rawBody must be the raw request body (a string or Buffer), not parsed JSON: use express.raw()');
}

/** Every value of one header, whatever the case of its name. */
function headerValues(headers: CallbackHeaders, name: string): string[] {
  if (typeof (headers as Headers).get === 'function') {
    const value = (headers as Headers).get(name);
    return value === null ? [] : [value];
  }
  const values: string[] = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (typeof value === 'string') values.push(value);
    else values.push(...value);
  }
  return values;
}

function singleHeader(headers: CallbackHeaders, name: string): string {
  const values = headerValues(headers, name);
  if (values.length > 1) fail('invalid_header', `more than one ${name} header`);
  const value = values[0]?.trim();
  return value ? value : fail('missing_header', `missing ${name} header`);
}

function signatureOf(key: Buffer, id: string, timestamp: string, body: Uint8Array): string {
  return crypto.createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/** Constant-time comparison of two base64 signatures (their length, 44 characters for SHA-256, is public). */
function sameSignature(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b);
}

function eventOf(body: Uint8Array): CallbackEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    return fail('invalid_payload', 'the body is not UTF-8 JSON');
  }
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(parsed) || typeof parsed.type !== 'string' || typeof parsed.timestamp !== 'string' || !isObject(parsed.data))
    return fail('invalid_payload', 'the body is not a { type, timestamp, data } object');
  return parsed as unknown as CallbackEvent;
}

/**
 * Verifies a Patchbay callback and answers its event. Pass the RAW body exactly as received (a
 * string or Buffer, e.g. from `express.raw({ type: 'application/json' })`): the signature covers
 * those bytes, so JSON parsed and re-serialised will not verify. `secret` is the configuration's
 * callback secret (`whsec_…`), or several during a rotation: the callback is accepted when any of
 * them made any of the `v1,` signatures. `webhook-timestamp` must be within 5 minutes of now,
 * either way (`toleranceSeconds`). Throws {@link CallbackVerificationError}.
 *
 * A number as the fourth argument is the current time in milliseconds (the earlier signature).
 */
export function verifyCallback(
  rawBody: string | Uint8Array,
  headers: CallbackHeaders,
  secret: string | readonly string[],
  options: VerifyCallbackOptions | number = {},
): CallbackEvent {
  const { now = Date.now(), toleranceSeconds = CALLBACK_TOLERANCE_S } = typeof options === 'number' ? { now: options } : options;
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) throw new RangeError('toleranceSeconds must be a number ≥ 0');
  if (!Number.isFinite(now)) throw new RangeError('now must be milliseconds since the epoch');
  const keys = keysOf(secret);
  const body = bytesOf(rawBody);
  if (headers === null || typeof headers !== 'object') return fail('missing_header', 'no headers given');

  const id = singleHeader(headers, 'webhook-id');
  const timestamp = singleHeader(headers, 'webhook-timestamp');
  const signatures = headerValues(headers, 'webhook-signature').join(' ').trim();
  if (!signatures) fail('missing_header', 'missing webhook-signature header');

  if (!/^\d{1,12}$/.test(timestamp)) fail('invalid_header', 'webhook-timestamp must be Unix seconds');
  const age = Math.floor(now / 1000) - Number(timestamp);
  if (age > toleranceSeconds) fail('timestamp_too_old', `webhook-timestamp is ${age} s old (tolerance ${toleranceSeconds} s)`);
  if (-age > toleranceSeconds) fail('timestamp_too_new', `webhook-timestamp is ${-age} s ahead (tolerance ${toleranceSeconds} s)`);

  const given = signatures
    .split(/\s+/)
    .filter((entry) => entry.startsWith('v1,'))
    .map((entry) => entry.slice(3));
  if (given.length === 0) fail('no_matching_signature', 'webhook-signature holds no v1 signature');
  const expected = keys.map((key) => signatureOf(key, id, timestamp, body));
  // Every pair is compared, so the time taken says nothing about which one matched.
  let match = false;
  for (const signature of given) for (const candidate of expected) match = sameSignature(signature, candidate) || match;
  if (!match) fail('no_matching_signature', 'no signature matches the secret');
  return eventOf(body);
}

/** What {@link signCallback} needs. */
export interface SignCallbackOptions {
  /** The body exactly as it will be sent. */
  readonly body: string | Uint8Array;
  /** The callback secret(s); several give several signatures, as Patchbay sends during a rotation. */
  readonly secret: string | readonly string[];
  /** The event id (`webhook-id`). Default a random `msg_…`. */
  readonly id?: string;
  /** The time of sending, in milliseconds since the epoch. Default `Date.now()`. */
  readonly now?: number;
}

/** The three Standard Webhooks headers of one callback (a type literal, so it passes as {@link CallbackHeaders}). */
export type CallbackSignatureHeaders = {
  readonly 'webhook-id': string;
  readonly 'webhook-timestamp': string;
  readonly 'webhook-signature': string;
};

/**
 * Signs a body as Patchbay signs callbacks and answers the headers to send with it: for tests of
 * your receiver (post the same body with these headers) without a running Patchbay.
 */
export function signCallback(options: SignCallbackOptions): CallbackSignatureHeaders {
  const keys = keysOf(options.secret);
  const body = bytesOf(options.body);
  const id = options.id ?? `msg_${crypto.randomUUID().replaceAll('-', '')}`;
  const timestamp = String(Math.floor((options.now ?? Date.now()) / 1000));
  const signature = keys.map((key) => `v1,${signatureOf(key, id, timestamp, body)}`).join(' ');
  return { 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': signature };
}

import { REDACTED, secretRedactor } from '../services/proxy/secretRedaction.ts';

/**
 * What a run records of each call (docs/runs.md, "What is recorded"): method, the path with its
 * query values redacted, status, duration, attempt, size and a preview of at most 1 KB of the
 * answer — never a credential. Every secret `callUpstream` injected (it answers them), every
 * password input, and anything that looks like a credential (by its key, or a bearer token or a
 * JWT by its shape) is replaced by `[redacted]` before anything is stored. Request headers and
 * bodies are not recorded at all.
 */

/** Longest preview kept, in bytes of UTF-8. */
export const PREVIEW_BYTES = 1024;

/** One HTTP call of a step as recorded. */
export interface CallRecord {
  /** The `forEach` position, or null for a step without one. */
  readonly index: number | null;
  readonly method: string;
  /** The rendered path, query values redacted (`/contacts?list=[redacted]`). */
  readonly path: string;
  /** The upstream's status, or null when no answer came. */
  readonly status: number | null;
  readonly durationMs: number;
  /** Bytes of the answer read (up to the 5 MB cap). */
  readonly responseBytes: number;
  /** At most {@link PREVIEW_BYTES} of the answer, redacted; null when there was none. */
  readonly preview: string | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** A step as recorded. */
export interface StepRecord {
  readonly id: string;
  readonly status: 'success' | 'error' | 'skipped' | 'canceled';
  /** The run attempt it belongs to. */
  readonly attempt: number;
  readonly startedAt: string;
  readonly durationMs: number;
  /** Calls made (one, or one per `forEach` item). */
  readonly calls: number;
  readonly failedCalls: number;
  /** The first calls and every failed one, up to {@link MAX_CALL_RECORDS}. */
  readonly requests: readonly CallRecord[];
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** Calls kept per step: a `forEach` of 1,000 items records the first ones and the failures, not all. */
export const MAX_CALL_RECORDS = 20;

/** Keys whose values are credentials wherever they appear (JSON keys, query and form parameters). */
const CREDENTIAL_KEY =
  /(pass(word|wd|phrase)?|secret|token|api[-_]?key|apikey|auth(orization)?|bearer|cookie|session|signature|credential|private[-_]?key|client[-_]?secret|access[-_]?key)/i;

/** Whether a key names a credential (`access_token`, `X-Api-Key`, `password`, `clientSecret`). */
export function isCredentialKey(key: string): boolean {
  return CREDENTIAL_KEY.test(key);
}

/** The rendered path with every query value replaced (names kept, so the record still says what was asked). */
export function redactedPath(path: string): string {
  const q = path.indexOf('?');
  if (q === -1) return path;
  const names = path
    .slice(q + 1)
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
    });
  return `${path.slice(0, q)}?${names.join('&')}`;
}

/** Every form a secret takes in a stored text: as is and in its URL encodings (secretRedactor), and JSON-escaped. */
function secretForms(secrets: Iterable<string>): string[] {
  const out: string[] = [];
  for (const s of secrets) {
    if (s.length < 4) continue; // a one-letter password would redact every "a" of the preview
    out.push(s, JSON.stringify(s).slice(1, -1));
  }
  return out;
}

const BEARER = /\b(Bearer|Basic|Token)\s+[A-Za-z0-9._~+/=-]{8,}/gi;
const JWT = /\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g;
const KEY_VALUE_TEXT = new RegExp(`(["']?[\\w-]*${CREDENTIAL_KEY.source}[\\w-]*["']?\\s*[:=]\\s*)("[^"]*"|'[^']*'|[^\\s&,;}"']+)`, 'gi');

/** Replaces credential-looking values in a parsed JSON value (by key), recursively, without a prototype walk. */
function redactJson(value: unknown, depth = 0): unknown {
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => redactJson(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isCredentialKey(k) && v !== null && typeof v !== 'object' ? REDACTED : redactJson(v, depth + 1);
  }
  return out;
}

/** Cuts text to at most `bytes` of UTF-8 without splitting a character. */
export function cutUtf8(text: string, bytes: number): string {
  const buf = Buffer.from(text, 'utf8');
  if (buf.length <= bytes) return text;
  let end = bytes;
  while (end > 0 && ((buf[end] ?? 0) & 0xc0) === 0x80) end -= 1;
  return `${buf.subarray(0, end).toString('utf8')}`;
}

/** Builds the redaction of one run: the secrets it must never store (injected credentials, password inputs). */
export interface Redaction {
  /** Redacts a text: secrets in any encoding, credential-looking values, bearer tokens, JWTs. */
  text(text: string): string;
  /** A preview of an answer body, at most {@link PREVIEW_BYTES}, redacted; JSON re-serialised with credential keys redacted. */
  preview(body: Buffer, contentType: string | undefined): string | null;
}

/** A redaction for `secrets`; more secrets (each call's injected ones) are added with {@link Redaction} `with`. */
export function redaction(secrets: Iterable<string>): Redaction {
  const bySecret = secretRedactor(secretForms(secrets));
  const shapes = (t: string) => bySecret.redact(t).replace(BEARER, `$1 ${REDACTED}`).replace(JWT, REDACTED);
  const text = (t: string) => shapes(t).replace(KEY_VALUE_TEXT, `$1${REDACTED}`);
  return {
    text,
    preview(body, contentType) {
      if (body.length === 0) return null;
      const head = body.subarray(0, 64 * 1024);
      const type = (contentType ?? '').toLowerCase();
      if (head.includes(0) && !type.includes('json') && !type.startsWith('text/'))
        return `[${body.length} bytes of ${type || 'binary data'}]`;
      const raw = head.toString('utf8');
      // redact before cutting, so a secret cut in half by the limit is still found whole
      if (type.includes('json') || /^\s*[[{]/.test(raw)) {
        try {
          // JSON: credential keys by structure (a text rule would break the JSON), secrets and token shapes in every string
          const parsed: unknown = JSON.parse(body.length <= 64 * 1024 ? raw : body.toString('utf8'));
          return cutUtf8(shapes(JSON.stringify(redactJson(parsed))), PREVIEW_BYTES);
        } catch {
          // not JSON after all: treated as text
        }
      }
      return cutUtf8(text(raw), PREVIEW_BYTES);
    },
  };
}

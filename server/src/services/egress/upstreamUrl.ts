/**
 * Builds the URL of a call under a connector's `baseUrl` from a caller-supplied path (SECURITY.md,
 * S-01). The path is taken still percent-encoded, every segment is decoded (repeatedly, so double
 * encoding cannot hide anything) and checked, and the final URL must keep the base URL's origin and
 * stay under its path. A segment is checked as the upstream's stack might read it, not only as
 * WHATWG URL does: also after Unicode normalisation (NFKC: `．．` is `..`) and without its `;`
 * parameters (Tomcat, Jetty and Spring read `..;x` as `..`).
 */

/** A caller-supplied path that could leave the base URL, or is malformed; the message says why. */
export class UnsafePathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafePathError';
  }
}

/** Whether `s` holds a C0 control character or DEL (CR, LF and NUL included). */
function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}
// Raw characters never accepted in the encoded path besides controls: space, backslash, `@`.
const RAW_FORBIDDEN = /[ \\@]/;
// After decoding a segment, besides controls: a slash or backslash (an encoded separator), `@`.
const DECODED_FORBIDDEN = /[/\\@]/;
const MAX_DECODE_ROUNDS = 4;

function decodeFully(segment: string): string {
  let current = segment;
  for (let i = 0; i < MAX_DECODE_ROUNDS; i++) {
    let next: string;
    try {
      next = decodeURIComponent(current);
    } catch {
      throw new UnsafePathError('The path contains an invalid percent-encoding');
    }
    if (next === current) return current;
    current = next;
  }
  throw new UnsafePathError('The path is encoded too many times');
}

/**
 * Checks a still-encoded relative path (`users/42/notes`, no leading slash) and throws
 * {@link UnsafePathError} on anything that could leave the base: a scheme or absolute URL,
 * `//`, backslashes, `@`, `.`/`..` segments (also as `..;x` and in Unicode forms that normalise to
 * dots), encoded separators, control characters, invalid or nested encodings.
 */
export function assertSafeRelativePath(rawPath: string): void {
  if (rawPath.length > 4096) throw new UnsafePathError('The path is too long');
  if (rawPath.startsWith('/')) throw new UnsafePathError('The path must not start with "//" (scheme-relative URL)');
  if (hasControl(rawPath) || RAW_FORBIDDEN.test(rawPath))
    throw new UnsafePathError('The path contains a forbidden character (control character, space, "\\" or "@")');
  if (rawPath.includes('?') || rawPath.includes('#')) throw new UnsafePathError('The path contains "?" or "#"');
  const segments = rawPath.split('/');
  const first = decodeFully(segments[0] ?? '');
  if (/^[a-z][a-z0-9+.-]*:/i.test(first) || /^[a-z][a-z0-9+.-]*:/i.test(first.normalize('NFKC'))) {
    throw new UnsafePathError('The path must be relative, not an absolute URL');
  }
  segments.forEach((segment, i) => {
    if (segment === '' && i !== segments.length - 1) throw new UnsafePathError('The path contains an empty segment ("//")');
    const decoded = decodeFully(segment);
    for (const form of [decoded, decoded.normalize('NFKC')]) {
      const name = form.split(';', 1)[0];
      if (name === '.' || name === '..') throw new UnsafePathError('The path must not contain "." or ".." segments');
      if (hasControl(form) || DECODED_FORBIDDEN.test(form)) {
        throw new UnsafePathError('The path contains an encoded separator, "@" or a control character');
      }
    }
  });
}

/**
 * Joins a connector's base URL and a relative caller path (no leading slash): `https://api.x/v2` + `users/1` →
 * `https://api.x/v2/users/1`; `search` (with or without `?`) is appended as given. Throws
 * {@link UnsafePathError} when the path is unsafe or the result leaves the base.
 */
export function buildUpstreamUrl(baseUrl: string, rawPath: string, search = ''): URL {
  const base = new URL(baseUrl);
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname = `${base.pathname}/`;
  const relative = rawPath;
  if (relative !== '') assertSafeRelativePath(relative);
  // `./` keeps a first segment with a colon from being read as a scheme.
  const url = new URL(`./${relative}`, base);
  if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname)) {
    throw new UnsafePathError('The path leaves the connector\u2019s base URL');
  }
  if (search !== '' && search !== '?') {
    if (hasControl(search) || search.includes('#')) throw new UnsafePathError('The query string contains a forbidden character');
    url.search = search.startsWith('?') ? search : `?${search}`;
  }
  return url;
}

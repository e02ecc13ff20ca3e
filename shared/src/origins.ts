/**
 * Allowed-origin patterns of an embed configuration: exact origins (`https://app.acme.example`)
 * or one leading wildcard label (`https://*.acme.example`). Plain HTTP only for loopback hosts.
 */
const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const PORT = '(?::[0-9]{1,5})?';
const PATTERN = new RegExp(
  `^(?:https://(?:\\*\\.)?${HOST_LABEL}(?:\\.${HOST_LABEL})+${PORT}|https://localhost${PORT}|http://(?:localhost|127\\.0\\.0\\.1|\\[::1\\])${PORT})$`,
);

/** Whether `value` is an acceptable allowed-origin pattern (lower case, no path, no `*` alone). */
export function isOriginPattern(value: string): boolean {
  if (!PATTERN.test(value)) return false;
  const port = /:([0-9]+)$/.exec(value.replace(/^https?:\/\//, ''))?.[1];
  return port === undefined || (Number(port) >= 1 && Number(port) <= 65535);
}

/**
 * Whether a browser origin matches one pattern. A wildcard matches exactly one or more labels in
 * front of the suffix: `https://*.acme.example` matches `https://a.acme.example` and
 * `https://a.b.acme.example`, never `https://acme.example` or `https://evilacme.example`.
 */
export function originMatches(pattern: string, origin: string): boolean {
  if (origin === 'null' || origin.length > 300) return false;
  if (!pattern.includes('*')) return pattern === origin;
  const [scheme, rest] = pattern.split('://*.') as [string, string];
  const prefix = `${scheme}://`;
  if (!origin.startsWith(prefix)) return false;
  const host = origin.slice(prefix.length);
  if (!host.endsWith(`.${rest}`)) return false;
  const labels = host.slice(0, -rest.length - 1);
  return new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*$`).test(labels);
}

/** Whether `origin` matches any of `patterns`. */
export function originAllowed(patterns: readonly string[], origin: string): boolean {
  return patterns.some((p) => originMatches(p, origin));
}

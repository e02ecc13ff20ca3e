/**
 * Allowed-origin patterns of an embed configuration: exact origins (`https://app.acme.example`)
 * or one leading wildcard label (`https://*.acme.example`). Plain HTTP only for loopback hosts.
 * Patterns are written the way a browser serialises `Origin`: lower case, no default port, no
 * trailing slash, so a stored pattern compares with a real origin byte for byte.
 */
const HOST_LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const PORT = '(?::[1-9][0-9]{0,4})?';
const PATTERN = new RegExp(
  `^(?:https://(?:\\*\\.)?${HOST_LABEL}(?:\\.${HOST_LABEL})+${PORT}|https://localhost${PORT}|http://(?:localhost|127\\.0\\.0\\.1|\\[::1\\])${PORT})$`,
);
const LABELS = new RegExp(`^${HOST_LABEL}(?:\\.${HOST_LABEL})*$`);
const IPV4 = /^(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(\.(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])){3}$/;

function splitOrigin(value: string): { scheme: string; host: string; port: string | undefined } {
  const [scheme = '', rest = ''] = value.split('://');
  const match = /^(.*?)(?::([0-9]+))?$/.exec(rest);
  return { scheme, host: match?.[1] ?? '', port: match?.[2] };
}

/**
 * Whether `value` is an acceptable allowed-origin pattern: lower case, no path or query, no `*`
 * alone or over a single label, no default or out-of-range port, no numeric top-level label
 * (browsers read such a host as an IPv4 address) and no wildcard over an IP address.
 */
export function isOriginPattern(value: string): boolean {
  if (value.length > 300 || !PATTERN.test(value)) return false;
  const { scheme, host, port } = splitOrigin(value);
  if (port !== undefined) {
    const n = Number(port);
    if (n < 1 || n > 65_535) return false;
    if ((scheme === 'https' && n === 443) || (scheme === 'http' && n === 80)) return false;
  }
  const bare = host.startsWith('*.') ? host.slice(2) : host;
  const last = bare.split('.').at(-1) ?? '';
  if (/^[0-9]+$/.test(last)) return !host.startsWith('*.') && IPV4.test(bare);
  return true;
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
  return LABELS.test(labels);
}

/** Whether `origin` matches any of `patterns`. */
export function originAllowed(patterns: readonly string[], origin: string): boolean {
  return patterns.some((p) => originMatches(p, origin));
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * An anchored RegExp that accepts exactly the origins {@link originMatches} accepts for `pattern`
 * (for APIs such as penpal's `allowedOrigins` that take RegExps). At most 300 characters, like
 * `originMatches`; a wildcard stands for one or more host labels in front of the suffix.
 */
export function originPatternRegExp(pattern: string): RegExp {
  const limit = '(?=[^]{1,300}$)';
  if (!pattern.includes('*')) return new RegExp(`^${limit}${escapeRegExp(pattern)}$`);
  const [scheme, rest] = pattern.split('://*.') as [string, string];
  return new RegExp(`^${limit}${escapeRegExp(`${scheme}://`)}${HOST_LABEL}(?:\\.${HOST_LABEL})*\\.${escapeRegExp(rest)}$`);
}

/**
 * Takes secret values out of text an upstream sends back (SECURITY.md, S-07): a service that echoes
 * the API key, token or password it was sent into a `Location` or any other header must not hand it
 * to whoever reads the proxy's answer.
 */

/** What a redacted value is replaced with. */
export const REDACTED = '[redacted]';

/** Replaces every occurrence of the secrets it was built from; `found` says whether there was any. */
export interface SecretRedactor {
  redact(text: string): string;
  found(text: string): boolean;
}

/**
 * The forms a value takes in a URL or header: as is, percent-encoded (RFC 3986 and
 * `encodeURIComponent`), form-encoded (`+` for a space), encoded twice, and its UTF-8 bytes read
 * as Latin-1 (how Node decodes a header value). Hex case is covered by matching case-insensitively.
 */
function forms(value: string): string[] {
  const once = encodeURIComponent(value);
  const rfc3986 = once.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  const form = new URLSearchParams({ v: value }).toString().slice(2);
  return [value, once, rfc3986, form, encodeURIComponent(once), encodeURIComponent(form), Buffer.from(value, 'utf8').toString('latin1')];
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A redactor for `secrets` (empty strings are ignored); longer forms win where forms overlap. */
export function secretRedactor(secrets: Iterable<string>): SecretRedactor {
  const alternatives = [...new Set([...secrets].filter((s) => s !== '').flatMap(forms))].sort((a, b) => b.length - a.length);
  if (alternatives.length === 0) return { redact: (text) => text, found: () => false };
  const pattern = new RegExp(alternatives.map(escapeRegExp).join('|'), 'gi');
  return {
    redact: (text) => text.replace(pattern, REDACTED),
    found: (text) => text.replace(pattern, '') !== text,
  };
}

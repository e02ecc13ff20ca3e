/**
 * The pattern of a prefixed random id (`cfg_0h3k…`, `ct_…`, `flow_…`): the prefix, `_`, then 10 to
 * 40 lower-case letters and digits. A fresh RegExp each call (no shared `lastIndex` state).
 */
export function prefixedIdPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix}_[a-z0-9]{10,40}$`);
}

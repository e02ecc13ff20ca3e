/**
 * Which account at the service a connector auth is connected as (docs/domain.md, "Connector auth"):
 * read from the connector's validation answer when it names a field (`validation.accountField`),
 * else from the OpenID Connect ID token of the code exchange. Used to show the account and to
 * update the existing connection of the same account rather than add a twin. Nothing here is a
 * credential: only an identifier and a label are kept.
 */

/** The remote account: its stable id at the service and how to show it. */
export interface RemoteAccount {
  readonly id: string;
  readonly label: string;
}

const MAX = 200;

function text(v: unknown): string | null {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const clean = v.replace(/[\u0000-\u001f\u007f]/g, '').trim();
  return clean ? clean.slice(0, MAX) : null;
}

/** The value at a dotted path (`user.email`) of a JSON answer, as the account; null when absent or not a string/number. */
export function accountFromJson(body: Buffer | string, path: string): RemoteAccount | null {
  let value: unknown;
  try {
    value = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch {
    return null;
  }
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !Object.hasOwn(value, key)) return null;
    value = (value as Record<string, unknown>)[key];
  }
  const id = text(value);
  return id ? { id, label: id } : null;
}

/**
 * The account an ID token names: `sub` as its id (scoped by the issuer), labelled by `email`,
 * `preferred_username`, `name` or `sub`. The token came straight from the token endpoint over the
 * back channel, so its payload is read without checking the signature (OpenID Connect Core
 * §3.1.3.7); it only labels and matches a connection, it grants nothing.
 */
export function accountFromIdToken(idToken: string | null | undefined): RemoteAccount | null {
  if (!idToken) return null;
  const payload = idToken.split('.')[1];
  if (!payload) return null;
  let claims: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return null;
    claims = parsed as Record<string, unknown>;
  } catch {
    return null;
  }
  const sub = text(claims.sub);
  if (!sub) return null;
  const issuer = text(claims.iss);
  const label = text(claims.email) ?? text(claims.preferred_username) ?? text(claims.name) ?? sub;
  return { id: issuer ? `${issuer.slice(0, 100)}|${sub}` : sub, label };
}

/** The default name of a connection whose remote account is known: "Demo CRM — ada@crm.example". */
export function accountAuthName(connectorName: string, account: RemoteAccount): string {
  return `${connectorName} — ${account.label}`.slice(0, 200);
}

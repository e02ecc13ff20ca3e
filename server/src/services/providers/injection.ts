import crypto from 'node:crypto';
import OAuth from 'oauth-1.0a';
import type { AppContext } from '../../context.ts';
import type { ConnectorRow } from '../../db/repos/connectors.ts';
import type { Credentials } from '../connectors/credentials.ts';
import { type ConnectorDefinition, connectorClientSecret, connectorDefinition } from '../connectors/definition.ts';

/** A connector as injection needs it: its row, parsed definition, and (OAuth1 only) the consumer secret. */
export interface InjectableConnector {
  readonly row: ConnectorRow;
  readonly definition: ConnectorDefinition;
  /** `connectorClientSecret`: the OAuth1 consumer secret; null when none is stored. */
  readonly clientSecret: string | null;
}

/** Loads what {@link applyCredentials} needs from a connector row (opens the secret only for OAuth1). */
export function injectableConnector(ctx: AppContext, row: ConnectorRow): InjectableConnector {
  return {
    row,
    definition: connectorDefinition(row),
    clientSecret: row.auth_type === 'oauth1' ? connectorClientSecret(ctx, row) : null,
  };
}

/** An outgoing request being prepared; {@link applyCredentials} changes its headers and URL in place. */
export interface OutgoingRequest {
  readonly url: URL;
  readonly method: string;
  readonly headers: Record<string, string>;
  /** Only read for OAuth1 form bodies, whose parameters are signed (RFC 5849 §3.4.1.3). */
  readonly body?: Buffer | string | undefined;
}

/** The connector is not set up to inject these credentials (e.g. an API key connector without a placement). */
export class InjectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InjectionError';
  }
}

function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key.toLowerCase() === lower) delete headers[key];
  headers[lower] = value;
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

const HASHES = {
  'HMAC-SHA1': (base: string, key: string) => crypto.createHmac('sha1', key).update(base).digest('base64'),
  'HMAC-SHA256': (base: string, key: string) => crypto.createHmac('sha256', key).update(base).digest('base64'),
  PLAINTEXT: (_base: string, key: string) => key,
} as const;

function formParams(req: OutgoingRequest): Record<string, string | string[]> {
  const type = headerValue(req.headers, 'content-type') ?? '';
  if (req.body === undefined || !type.toLowerCase().startsWith('application/x-www-form-urlencoded')) return {};
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(req.body.toString())) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

function signOAuth1(connector: InjectableConnector, credentials: Extract<Credentials, { type: 'oauth1' }>, req: OutgoingRequest): string[] {
  const def = connector.definition.oauth1;
  if (!def) throw new InjectionError(`Connector ${connector.row.id} has no OAuth1 settings`);
  if (connector.clientSecret === null) throw new InjectionError(`Connector ${connector.row.id} has no consumer secret`);
  const method = def.signatureMethod;
  const oauth = new OAuth({
    consumer: { key: def.consumerKey, secret: connector.clientSecret },
    signature_method: method,
    hash_function: HASHES[method],
  });
  const data = oauth.authorize(
    { url: req.url.toString(), method: req.method.toUpperCase(), data: formParams(req) },
    { key: credentials.token, secret: credentials.tokenSecret },
  );
  setHeader(req.headers, 'authorization', oauth.toHeader(data).Authorization);
  // The secrets behind the signature too: PLAINTEXT sends them as the signature itself.
  return [credentials.token, data.oauth_signature, credentials.tokenSecret, connector.clientSecret];
}

/** `Bearer` → `Bearer ` (a word-like prefix gets its separating space); `Token=` or `Bearer ` stay as they are. */
function keyPrefix(prefix: string | null): string {
  if (!prefix) return '';
  return /[A-Za-z0-9]$/.test(prefix) ? `${prefix} ` : prefix;
}

/**
 * Injects an auth's credentials the way its connector says (docs/domain.md): OAuth2 →
 * `Authorization: Bearer`; OAuth1 → an RFC 5849 signature (the connector's method, HMAC-SHA1 by
 * default) over the final URL and form body; basic → `Authorization: Basic`; API key → the
 * configured header (with its prefix, plus a space after a word-like prefix) or query parameter;
 * proprietary and none → nothing. Whatever the caller set under the same name is replaced. Call it
 * last, once URL and body are final.
 *
 * Answers the secret values it put into the request (token, key, password and its base64 form,
 * OAuth1 token and signature), so whatever comes back can be redacted of them (S-07).
 */
export function applyCredentials(connector: InjectableConnector, credentials: Credentials, req: OutgoingRequest): string[] {
  switch (credentials.type) {
    case 'oauth2':
      setHeader(req.headers, 'authorization', `Bearer ${credentials.accessToken}`);
      return [credentials.accessToken];
    case 'oauth1':
      return signOAuth1(connector, credentials, req);
    case 'basic': {
      const encoded = Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64');
      setHeader(req.headers, 'authorization', `Basic ${encoded}`);
      return [credentials.password, encoded];
    }
    case 'api_key': {
      const placement = connector.definition.apiKey;
      if (!placement) throw new InjectionError(`Connector ${connector.row.id} does not say where its API key goes`);
      if (placement.in === 'query') {
        req.url.searchParams.set(placement.name, credentials.apiKey);
      } else {
        setHeader(req.headers, placement.name, `${keyPrefix(placement.prefix)}${credentials.apiKey}`);
      }
      return [credentials.apiKey];
    }
    case 'proprietary':
    case 'none':
      return [];
  }
}

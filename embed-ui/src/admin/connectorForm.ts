import type { CatalogEntryOut, Connector, connectorCreateSchema, connectorUpdateSchema } from '@patchbay/shared';
import type { z } from 'zod';
import type { Issue } from '../lib/api.ts';

type CreateBody = z.input<typeof connectorCreateSchema>;
type UpdateBody = z.input<typeof connectorUpdateSchema>;
/** A credential field shown to end users (basic / API key). */
export type FieldRow = { key: string; label: string; type: 'text' | 'password'; required: boolean };

/** The connector form's state: every input as the admin typed it. Secrets start empty (write-only). */
export interface ConnectorForm {
  id: string;
  name: string;
  authType: 'oauth2' | 'oauth1' | 'basic' | 'api_key';
  baseUrl: string;
  iconUrl: string;
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl: string;
  clientId: string;
  clientSecret: string;
  scopes: string;
  scopeDelimiter: string;
  pkce: boolean;
  grantType: 'authorization_code' | 'client_credentials';
  authorizeParams: string;
  requestTokenUrl: string;
  accessTokenUrl: string;
  consumerKey: string;
  consumerSecret: string;
  signatureMethod: 'HMAC-SHA1' | 'HMAC-SHA256' | 'PLAINTEXT';
  keyIn: 'header' | 'query';
  keyName: string;
  keyPrefix: string;
  fields: FieldRow[];
  validationPath: string;
  validationMethod: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';
  validationStatus: string;
}

/** A blank form for a custom service. */
export function emptyConnectorForm(): ConnectorForm {
  return {
    id: '',
    name: '',
    authType: 'oauth2',
    baseUrl: '',
    iconUrl: '',
    authorizeUrl: '',
    tokenUrl: '',
    revokeUrl: '',
    clientId: '',
    clientSecret: '',
    scopes: '',
    scopeDelimiter: ' ',
    pkce: true,
    grantType: 'authorization_code',
    authorizeParams: '',
    requestTokenUrl: '',
    accessTokenUrl: '',
    consumerKey: '',
    consumerSecret: '',
    signatureMethod: 'HMAC-SHA1',
    keyIn: 'header',
    keyName: 'X-Api-Key',
    keyPrefix: '',
    fields: [],
    validationPath: '',
    validationMethod: 'GET',
    validationStatus: '200',
  };
}

/** The form filled from a stored connector (for editing); secrets stay empty: a stored one is never answered. */
export function formFromConnector(c: Connector): ConnectorForm {
  const f = emptyConnectorForm();
  return {
    ...f,
    id: c.id,
    name: c.name,
    authType: c.authType === 'none' ? 'basic' : c.authType,
    baseUrl: c.baseUrl ?? '',
    iconUrl: c.iconUrl ?? '',
    authorizeUrl: c.oauth2?.authorizeUrl ?? c.oauth1?.authorizeUrl ?? '',
    tokenUrl: c.oauth2?.tokenUrl ?? '',
    revokeUrl: c.oauth2?.revokeUrl ?? '',
    clientId: c.oauth2?.clientId ?? '',
    scopes: c.oauth2?.scopes.join(' ') ?? '',
    scopeDelimiter: c.oauth2?.scopeDelimiter ?? ' ',
    pkce: c.oauth2?.pkce ?? true,
    grantType: c.oauth2?.grantType ?? 'authorization_code',
    authorizeParams: Object.entries(c.oauth2?.authorizeParams ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    requestTokenUrl: c.oauth1?.requestTokenUrl ?? '',
    accessTokenUrl: c.oauth1?.accessTokenUrl ?? '',
    consumerKey: c.oauth1?.consumerKey ?? '',
    signatureMethod: (c.oauth1?.signatureMethod as ConnectorForm['signatureMethod'] | undefined) ?? 'HMAC-SHA1',
    keyIn: c.apiKey?.in ?? 'header',
    keyName: c.apiKey?.name ?? f.keyName,
    keyPrefix: c.apiKey?.prefix ?? '',
    fields: c.fields.map((x) => ({ ...x })),
    validationPath: c.validation?.path ?? '',
    validationMethod: (c.validation?.method as ConnectorForm['validationMethod'] | undefined) ?? 'GET',
    validationStatus: String(c.validation?.expectStatus ?? 200),
  };
}

/** Scopes as typed: separated by spaces, commas or new lines. */
export const splitScopes = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

/** `key=value` lines as a record (blank lines and lines without `=` skipped). */
export function parseParams(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

const opt = <T>(value: T | '' | undefined): T | undefined => (value === '' || value === undefined ? undefined : value);

function validation(f: ConnectorForm): CreateBody['validation'] {
  if (!f.validationPath.trim()) return undefined;
  return { method: f.validationMethod, path: f.validationPath.trim(), expectStatus: Number(f.validationStatus) || 200 };
}

function strip<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The `POST /connectors` body of a custom service (only the parts of its auth type). */
export function createBody(f: ConnectorForm): CreateBody {
  const base = strip({
    id: f.id.trim(),
    name: f.name.trim(),
    authType: f.authType,
    baseUrl: opt(f.baseUrl.trim()),
    iconUrl: opt(f.iconUrl.trim()),
    validation: validation(f),
  });
  if (f.authType === 'oauth2') {
    const params = parseParams(f.authorizeParams);
    return {
      ...base,
      oauth2: strip({
        authorizeUrl: f.grantType === 'client_credentials' ? opt(f.authorizeUrl.trim()) : f.authorizeUrl.trim(),
        tokenUrl: f.tokenUrl.trim(),
        revokeUrl: opt(f.revokeUrl.trim()),
        clientId: f.clientId.trim(),
        clientSecret: opt(f.clientSecret),
        scopes: splitScopes(f.scopes),
        scopeDelimiter: f.scopeDelimiter || ' ',
        pkce: f.pkce,
        grantType: f.grantType,
        authorizeParams: Object.keys(params).length > 0 ? params : undefined,
      }),
    };
  }
  if (f.authType === 'oauth1') {
    return {
      ...base,
      oauth1: strip({
        requestTokenUrl: f.requestTokenUrl.trim(),
        authorizeUrl: f.authorizeUrl.trim(),
        accessTokenUrl: f.accessTokenUrl.trim(),
        consumerKey: f.consumerKey.trim(),
        consumerSecret: f.consumerSecret,
        signatureMethod: f.signatureMethod,
      }),
    };
  }
  const fields = f.fields.length > 0 ? f.fields.map((x) => ({ ...x, key: x.key.trim(), label: x.label.trim() })) : undefined;
  if (f.authType === 'api_key') {
    return strip({ ...base, apiKey: strip({ in: f.keyIn, name: f.keyName.trim(), prefix: opt(f.keyPrefix) }), fields });
  }
  return strip({ ...base, fields });
}

/** The `POST /connectors` body for a catalogue provider: its key, the client credentials, and the URLs when it needs a subdomain. */
export function catalogBody(entry: CatalogEntryOut, f: ConnectorForm): CreateBody {
  const urls = entry.needsSubdomain ? { authorizeUrl: f.authorizeUrl.trim(), tokenUrl: f.tokenUrl.trim() } : {};
  const base = strip({ id: f.id.trim(), catalogKey: entry.key, name: opt(f.name.trim()), baseUrl: opt(f.baseUrl.trim()) });
  if (entry.authType === 'oauth1') {
    return {
      ...base,
      oauth1: strip({
        consumerKey: f.consumerKey.trim(),
        consumerSecret: f.consumerSecret,
        ...(entry.needsSubdomain ? { authorizeUrl: f.authorizeUrl.trim(), accessTokenUrl: f.tokenUrl.trim() } : {}),
      }),
    };
  }
  return {
    ...base,
    oauth2: strip({ clientId: f.clientId.trim(), clientSecret: opt(f.clientSecret), scopes: splitScopes(f.scopes), ...urls }),
  };
}

/**
 * The `PATCH /connectors/{id}` body: every editable setting as it stands, a client or consumer
 * secret only when one was typed (an empty secret field keeps the stored one), and cleared URLs as
 * `null`.
 */
export function updateBody(f: ConnectorForm, original: Connector, force = false): UpdateBody {
  const body: UpdateBody = {
    name: f.name.trim(),
    baseUrl: f.baseUrl.trim() || null,
    iconUrl: f.iconUrl.trim() || null,
    validation: validation(f) ?? null,
  };
  if (original.authType === 'oauth2') {
    const params = parseParams(f.authorizeParams);
    body.oauth2 = strip({
      authorizeUrl: opt(f.authorizeUrl.trim()),
      tokenUrl: opt(f.tokenUrl.trim()),
      revokeUrl: f.revokeUrl.trim() || null,
      clientId: f.clientId.trim(),
      clientSecret: opt(f.clientSecret),
      scopes: splitScopes(f.scopes),
      scopeDelimiter: f.scopeDelimiter || ' ',
      pkce: f.pkce,
      grantType: f.grantType,
      authorizeParams: params,
    });
  } else if (original.authType === 'oauth1') {
    body.oauth1 = strip({
      requestTokenUrl: opt(f.requestTokenUrl.trim()),
      authorizeUrl: opt(f.authorizeUrl.trim()),
      accessTokenUrl: opt(f.accessTokenUrl.trim()),
      consumerKey: f.consumerKey.trim(),
      consumerSecret: opt(f.consumerSecret),
      signatureMethod: f.signatureMethod,
    });
  } else if (original.authType === 'api_key') {
    body.apiKey = strip({ in: f.keyIn, name: f.keyName.trim(), prefix: opt(f.keyPrefix) });
  }
  if (original.authType === 'basic' || original.authType === 'api_key') body.fields = f.fields;
  if (force) body.force = true;
  return body;
}

/** Which form input a server issue belongs to (`body.oauth2.tokenUrl` → `tokenUrl`); undefined for the rest. */
export function issueField(issue: Issue): keyof ConnectorForm | undefined {
  const path = issue.path.replace(/^body\./, '');
  const map: Record<string, keyof ConnectorForm> = {
    id: 'id',
    name: 'name',
    catalogKey: 'id',
    baseUrl: 'baseUrl',
    iconUrl: 'iconUrl',
    'oauth2.authorizeUrl': 'authorizeUrl',
    'oauth2.tokenUrl': 'tokenUrl',
    'oauth2.revokeUrl': 'revokeUrl',
    'oauth2.clientId': 'clientId',
    'oauth2.clientSecret': 'clientSecret',
    'oauth2.scopes': 'scopes',
    'oauth2.scopeDelimiter': 'scopeDelimiter',
    'oauth2.authorizeParams': 'authorizeParams',
    'oauth1.requestTokenUrl': 'requestTokenUrl',
    'oauth1.authorizeUrl': 'authorizeUrl',
    'oauth1.accessTokenUrl': 'accessTokenUrl',
    'oauth1.consumerKey': 'consumerKey',
    'oauth1.consumerSecret': 'consumerSecret',
    'apiKey.name': 'keyName',
    'apiKey.prefix': 'keyPrefix',
    'validation.path': 'validationPath',
    'validation.expectStatus': 'validationStatus',
  };
  const exact = map[path];
  if (exact) return exact;
  if (path.startsWith('fields')) return 'fields';
  const prefix = Object.keys(map).find((k) => path.startsWith(`${k}.`));
  return prefix ? map[prefix] : undefined;
}

/** Issues sorted onto form inputs, and the ones that belong to none. */
export function sortIssues(issues: readonly Issue[]): { byField: Partial<Record<keyof ConnectorForm, string>>; other: Issue[] } {
  const byField: Partial<Record<keyof ConnectorForm, string>> = {};
  const other: Issue[] = [];
  for (const issue of issues) {
    const field = issueField(issue);
    if (field && !byField[field]) byField[field] = issue.message;
    else if (!field) other.push(issue);
  }
  return { byField, other };
}

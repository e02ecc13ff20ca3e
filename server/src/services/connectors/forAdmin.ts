import type { AuthType, Connector, ConnectorCreate, ConnectorUpdate } from '@patchbay/shared';
import { requireAdminRole } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { seal } from '../../crypto/secretBox.ts';
import { listAuthsHoldingCredentials } from '../../db/repos/connectorAuths.ts';
import {
  type ConnectorRow,
  deleteConnector as deleteConnectorRow,
  findConnector,
  findConnectorReferences,
  insertConnector,
  updateConnector as updateConnectorRow,
} from '../../db/repos/connectors.ts';
import { AppError, type FieldIssue, invalidFields, notFound } from '../../errors.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { assertUrlsAllowed, type UrlField } from '../egress/urlPolicy.ts';
import { findCatalogEntry } from './catalog.ts';
import { dropCredentialsOfConnector, fieldsMovedToAnotherHost } from './credentialOrigins.ts';
import { type ConnectorDefinition, connectorDefinition, connectorDefinitionSchema, connectorRedirectUri, secretAt } from './definition.ts';

/** A connector as the API answers it: never the secret, only whether one is set. */
export function toConnector(ctx: AppContext, row: ConnectorRow): Connector {
  const def = connectorDefinition(row);
  const hasSecret = row.client_secret_enc !== null;
  return {
    id: row.id,
    name: row.name,
    authType: row.auth_type,
    catalogKey: row.catalog_key,
    baseUrl: row.base_url,
    iconUrl: row.icon_url,
    redirectUri: connectorRedirectUri(ctx, row),
    oauth2: def.oauth2 ? { ...def.oauth2, hasClientSecret: hasSecret } : null,
    oauth1: def.oauth1 ? { ...def.oauth1, hasConsumerSecret: hasSecret } : null,
    apiKey: def.apiKey,
    fields: def.fields,
    validation: def.validation,
    proxy: { forwardHeaders: def.proxy?.forwardHeaders ?? [] },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

const DEFAULT_FIELDS: Partial<Record<AuthType, ConnectorDefinition['fields']>> = {
  basic: [
    { key: 'username', label: 'Username', type: 'text', required: true },
    { key: 'password', label: 'Password', type: 'password', required: true },
  ],
  api_key: [{ key: 'apiKey', label: 'API key', type: 'password', required: true }],
};

/** Declared proxy headers as stored: lower case, each once, in the order given. */
function proxySettings(input: NonNullable<ConnectorCreate['proxy']> | null): NonNullable<ConnectorDefinition['proxy']> {
  return { forwardHeaders: [...new Set((input?.forwardHeaders ?? []).map((h) => h.toLowerCase()))] };
}

function fail(path: string, message: string): AppError {
  return invalidFields([{ path, message }]);
}

function urlFields(
  def: ConnectorDefinition,
  base: { baseUrl?: string | null | undefined; iconUrl?: string | null | undefined },
): UrlField[] {
  return [
    { path: 'body.baseUrl', value: base.baseUrl },
    { path: 'body.iconUrl', value: base.iconUrl },
    { path: 'body.oauth2.authorizeUrl', value: def.oauth2?.authorizeUrl },
    { path: 'body.oauth2.tokenUrl', value: def.oauth2?.tokenUrl },
    { path: 'body.oauth2.revokeUrl', value: def.oauth2?.revokeUrl },
    { path: 'body.oauth1.requestTokenUrl', value: def.oauth1?.requestTokenUrl },
    { path: 'body.oauth1.authorizeUrl', value: def.oauth1?.authorizeUrl },
    { path: 'body.oauth1.accessTokenUrl', value: def.oauth1?.accessTokenUrl },
  ];
}

interface Resolved {
  name: string;
  authType: AuthType;
  def: ConnectorDefinition;
  secret: string | null;
}

function resolveOauth2(
  input: NonNullable<ConnectorCreate['oauth2']>,
  defaults: { authorizeUrl?: string; tokenUrl?: string; scopeDelimiter: string },
) {
  return {
    authorizeUrl: input.authorizeUrl ?? defaults.authorizeUrl ?? null,
    tokenUrl: input.tokenUrl ?? defaults.tokenUrl ?? null,
    revokeUrl: input.revokeUrl ?? null,
    clientId: input.clientId,
    scopes: input.scopes ?? [],
    scopeDelimiter: input.scopeDelimiter ?? defaults.scopeDelimiter,
    pkce: input.pkce ?? true,
    grantType: input.grantType ?? 'authorization_code',
    authorizeParams: input.authorizeParams ?? {},
  };
}

/** Fills a catalogue entry's URLs and defaults into the admin's input. */
function resolveFromCatalog(input: ConnectorCreate & { catalogKey: string }): Resolved {
  const entry = findCatalogEntry(input.catalogKey);
  if (!entry) throw fail('body.catalogKey', `unknown catalogue key "${input.catalogKey}" (see GET /api/v1/connectors/catalog)`);
  const issues: FieldIssue[] = [];
  if (input.authType !== undefined && input.authType !== entry.authType) {
    issues.push({ path: 'body.authType', message: `catalogue entry "${entry.key}" uses ${entry.authType}` });
  }
  for (const key of ['apiKey', 'fields', entry.authType === 'oauth2' ? 'oauth1' : 'oauth2'] as const) {
    if (input[key] !== undefined)
      issues.push({ path: `body.${key}`, message: `not allowed for catalogue entry "${entry.key}" (${entry.authType})` });
  }
  const own = entry.authType === 'oauth2' ? input.oauth2 : input.oauth1;
  if (own === undefined) issues.push({ path: `body.${entry.authType}`, message: `required: the client credentials for "${entry.key}"` });
  if (entry.authType === 'oauth1' && input.oauth1 && !input.oauth1.consumerSecret) {
    issues.push({ path: 'body.oauth1.consumerSecret', message: 'required' });
  }
  if (issues.length > 0) throw invalidFields(issues);
  const name = input.name ?? entry.name;
  let def: ConnectorDefinition;
  let secret: string | null;
  if (entry.authType === 'oauth2') {
    const o = input.oauth2 as NonNullable<ConnectorCreate['oauth2']>;
    def = {
      oauth2: resolveOauth2(o, { authorizeUrl: entry.authorizeUrl, tokenUrl: entry.accessUrl, scopeDelimiter: entry.scopeDelimiter }),
      oauth1: null,
      apiKey: null,
      fields: [],
      validation: input.validation ?? null,
    };
    secret = o.clientSecret ?? null;
  } else {
    const o = input.oauth1 as NonNullable<ConnectorCreate['oauth1']>;
    def = {
      oauth2: null,
      oauth1: {
        requestTokenUrl: o.requestTokenUrl ?? entry.requestUrl ?? '',
        authorizeUrl: o.authorizeUrl ?? entry.authorizeUrl,
        accessTokenUrl: o.accessTokenUrl ?? entry.accessUrl,
        consumerKey: o.consumerKey,
        signatureMethod: o.signatureMethod ?? 'HMAC-SHA1',
      },
      apiKey: null,
      fields: [],
      validation: input.validation ?? null,
    };
    secret = o.consumerSecret ?? null;
  }
  const placeholders = urlFields(def, {}).filter((f) => f.value?.includes('[subdomain]'));
  if (placeholders.length > 0) {
    throw invalidFields(
      placeholders.map((f) => ({
        path: f.path,
        message: `"${entry.key}" lives on your own subdomain: give this URL with the subdomain filled in (${f.value})`,
      })),
    );
  }
  return { name, authType: entry.authType, def, secret };
}

/** A custom service: the schema has already checked which parts its auth type needs. */
function resolveCustom(input: ConnectorCreate): Resolved {
  const authType = input.authType as AuthType;
  const o2 = input.oauth2;
  const o1 = input.oauth1;
  if (authType === 'oauth1' && o1 && !o1.consumerSecret) throw fail('body.oauth1.consumerSecret', 'required');
  const def: ConnectorDefinition = {
    oauth2: o2 ? resolveOauth2(o2, { scopeDelimiter: ' ' }) : null,
    oauth1: o1
      ? {
          requestTokenUrl: o1.requestTokenUrl ?? '',
          authorizeUrl: o1.authorizeUrl ?? '',
          accessTokenUrl: o1.accessTokenUrl ?? '',
          consumerKey: o1.consumerKey,
          signatureMethod: o1.signatureMethod ?? 'HMAC-SHA1',
        }
      : null,
    apiKey: input.apiKey ? { in: input.apiKey.in, name: input.apiKey.name, prefix: input.apiKey.prefix ?? null } : null,
    fields: input.fields ?? DEFAULT_FIELDS[authType] ?? [],
    validation: input.validation ?? null,
  };
  return { name: input.name as string, authType, def, secret: o2?.clientSecret ?? o1?.consumerSecret ?? null };
}

/** Creates a connector (custom, or from the catalogue); the secret is sealed and never answered. */
export async function createConnector(ctx: AppContext, p: AdminPrincipal, input: ConnectorCreate, requestId: string): Promise<Connector> {
  requireAdminRole(p, 'create connectors');
  const resolved = input.catalogKey !== undefined ? resolveFromCatalog({ ...input, catalogKey: input.catalogKey }) : resolveCustom(input);
  if (input.proxy !== undefined) resolved.def.proxy = proxySettings(input.proxy);
  assertUrlsAllowed(urlFields(resolved.def, { baseUrl: input.baseUrl, iconUrl: input.iconUrl }), ctx.config);
  const now = nowIso(ctx);
  const row: ConnectorRow = {
    id: input.id,
    name: resolved.name,
    auth_type: resolved.authType,
    catalog_key: input.catalogKey ?? null,
    base_url: input.baseUrl ?? null,
    icon_url: input.iconUrl ?? null,
    definition: JSON.stringify(resolved.def),
    client_secret_enc: resolved.secret === null ? null : seal(ctx.keyring, secretAt(input.id), resolved.secret),
    created_at: now,
    updated_at: now,
  };
  await inTransaction(ctx, async (txCtx) => {
    if (await findConnector(txCtx.db, input.id)) throw new AppError('conflict', `Connector ${JSON.stringify(input.id)} already exists`);
    await insertConnector(txCtx.db, row);
    await recordAudit(txCtx, p, {
      action: 'connector.created',
      objectType: 'connector',
      objectId: row.id,
      details: { name: row.name, authType: row.auth_type, catalogKey: row.catalog_key },
      requestId,
    });
  });
  return toConnector(ctx, row);
}

/** Reads one connector. */
export async function getConnector(ctx: AppContext, id: string): Promise<Connector> {
  const row = await findConnector(ctx.db, id);
  if (!row) throw notFound('Connector', id);
  return toConnector(ctx, row);
}

/** JSON with object keys sorted, so equal settings compare equal whatever order they were written in. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** A connector's non-secret settings by audit field name (`name`, `baseUrl`, `oauth2.tokenUrl`, …). */
function auditedSettings(row: ConnectorRow): Map<string, unknown> {
  const def = connectorDefinition(row);
  const out = new Map<string, unknown>([
    ['name', row.name],
    ['baseUrl', row.base_url],
    ['iconUrl', row.icon_url],
  ]);
  for (const part of ['oauth2', 'oauth1'] as const) {
    for (const [key, value] of Object.entries(def[part] ?? {})) out.set(`${part}.${key}`, value);
  }
  out.set('apiKey', def.apiKey);
  out.set('fields', def.fields);
  out.set('validation', def.validation);
  return out;
}

/** One changed setting in a `connector.updated` audit event (neutral key names, so the values are not mistaken for secrets). */
interface SettingChange {
  field: string;
  from: unknown;
  to: unknown;
}

/**
 * What an update changed, for the audit trail: old and new values of every non-secret setting
 * that differs, and the names of all changed fields including a replaced client secret, whose
 * value is never recorded.
 */
function connectorChanges(before: ConnectorRow, after: ConnectorRow, secretField: string | null) {
  const from = auditedSettings(before);
  const changes: SettingChange[] = [];
  for (const [field, to] of auditedSettings(after)) {
    const was = from.get(field) ?? null;
    if (canonical(was) !== canonical(to)) changes.push({ field, from: was, to });
  }
  changes.sort((a, b) => (a.field < b.field ? -1 : 1));
  const changed = [...changes.map((c) => c.field), ...(secretField ? [secretField] : [])].sort();
  return { changed, changes };
}

/**
 * Updates a connector; `oauth2`/`oauth1` merge into what is stored, a given secret replaces the old one.
 * Moving a credential-bearing URL to another host while auths hold credentials (see
 * credentialOrigins.ts) is `409 conflict` with their count unless `force`, which drops those
 * credentials in the same transaction.
 */
export async function updateConnector(
  ctx: AppContext,
  p: AdminPrincipal,
  id: string,
  input: ConnectorUpdate,
  requestId: string,
): Promise<Connector> {
  requireAdminRole(p, 'change connectors');
  return inTransaction(ctx, async (txCtx) => {
    const row = await findConnector(txCtx.db, id);
    if (!row) throw notFound('Connector', id);
    const def = connectorDefinition(row);
    const issues: FieldIssue[] = [];
    const owner = { oauth2: 'oauth2', oauth1: 'oauth1', apiKey: 'api_key' } as const;
    for (const key of ['oauth2', 'oauth1', 'apiKey'] as const) {
      if (input[key] !== undefined && row.auth_type !== owner[key]) {
        issues.push({ path: `body.${key}`, message: `not allowed for authType ${row.auth_type}` });
      }
    }
    if (issues.length > 0) throw invalidFields(issues);
    let secretEnc = row.client_secret_enc;
    let secretField: string | null = null;
    if (input.oauth2 && def.oauth2) {
      const { clientSecret, ...rest } = input.oauth2;
      const merged = { ...def.oauth2 };
      for (const [k, v] of Object.entries(rest)) if (v !== undefined) Object.assign(merged, { [k]: v });
      def.oauth2 = merged;
      if (clientSecret !== undefined) {
        secretEnc = seal(txCtx.keyring, secretAt(id), clientSecret);
        secretField = 'oauth2.clientSecret';
      }
      if (merged.grantType === 'authorization_code' && merged.authorizeUrl === null) {
        throw fail('body.oauth2.authorizeUrl', 'required for authorization_code');
      }
    }
    if (input.oauth1 && def.oauth1) {
      const { consumerSecret, ...rest } = input.oauth1;
      const merged = { ...def.oauth1 };
      for (const [k, v] of Object.entries(rest)) if (v !== undefined) Object.assign(merged, { [k]: v });
      def.oauth1 = merged;
      if (consumerSecret !== undefined) {
        secretEnc = seal(txCtx.keyring, secretAt(id), consumerSecret);
        secretField = 'oauth1.consumerSecret';
      }
    }
    if (input.apiKey) def.apiKey = { in: input.apiKey.in, name: input.apiKey.name, prefix: input.apiKey.prefix ?? null };
    if (input.fields) def.fields = input.fields;
    if (input.validation !== undefined) def.validation = input.validation;
    if (input.proxy !== undefined) def.proxy = proxySettings(input.proxy);
    assertUrlsAllowed(
      [
        { path: 'body.baseUrl', value: input.baseUrl },
        { path: 'body.iconUrl', value: input.iconUrl },
        ...Object.entries(input.oauth2 ?? {})
          .filter(([k]) => k.endsWith('Url'))
          .map(([k, v]) => ({ path: `body.oauth2.${k}`, value: v as string | null })),
        ...Object.entries(input.oauth1 ?? {})
          .filter(([k]) => k.endsWith('Url'))
          .map(([k, v]) => ({ path: `body.oauth1.${k}`, value: v as string | null })),
      ],
      txCtx.config,
    );
    const next: ConnectorRow = {
      ...row,
      name: input.name ?? row.name,
      base_url: input.baseUrl === undefined ? row.base_url : input.baseUrl,
      icon_url: input.iconUrl === undefined ? row.icon_url : input.iconUrl,
      definition: JSON.stringify(connectorDefinitionSchema.parse(def)),
      client_secret_enc: secretEnc,
      updated_at: nowIso(txCtx),
    };
    const moved = fieldsMovedToAnotherHost({ baseUrl: row.base_url, def: connectorDefinition(row) }, { baseUrl: next.base_url, def });
    let dropped = 0;
    if (moved.length > 0) {
      const holding = (await listAuthsHoldingCredentials(txCtx.db, id)).length;
      if (holding > 0 && input.force !== true) {
        throw new AppError(
          'conflict',
          `Changing the host of ${moved.join(', ')} would send the credentials of ${holding} connector auth(s) to a host they were not ` +
            'issued for; send "force": true to drop those credentials (their users must reconnect)',
          { connectorAuthCount: holding, fields: moved },
        );
      }
      if (holding > 0) dropped = await dropCredentialsOfConnector(txCtx, p, requestId, id, moved);
    }
    await updateConnectorRow(txCtx.db, next);
    await recordAudit(txCtx, p, {
      action: 'connector.updated',
      objectType: 'connector',
      objectId: id,
      details: {
        ...connectorChanges(row, next, secretField),
        ...(dropped > 0 ? { reconnectRequired: { connectorAuthCount: dropped, fields: moved } } : {}),
      },
      requestId,
    });
    return toConnector(txCtx, next);
  });
}

/** Deletes a connector nothing refers to; otherwise `409 in_use` listing the references. */
export async function deleteConnector(ctx: AppContext, p: AdminPrincipal, id: string, requestId: string): Promise<void> {
  requireAdminRole(p, 'delete connectors');
  await inTransaction(ctx, async (txCtx) => {
    const row = await findConnector(txCtx.db, id);
    if (!row) throw notFound('Connector', id);
    const refs = await findConnectorReferences(txCtx.db, id);
    if (refs.connectorAuths.length + refs.flows.length + refs.embedConfigs.length > 0) {
      throw new AppError('in_use', `Connector ${JSON.stringify(id)} is still in use; remove these references first`, refs);
    }
    await deleteConnectorRow(txCtx.db, id);
    await recordAudit(txCtx, p, {
      action: 'connector.deleted',
      objectType: 'connector',
      objectId: id,
      details: { name: row.name, authType: row.auth_type },
      requestId,
    });
  });
}

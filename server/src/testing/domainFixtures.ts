import { type AppContext, inTransaction, nowIso } from '../context.ts';
import { seal, sealJson } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { newId } from '../crypto/tokens.ts';
import { insertConnectorAuthRow } from '../db/repos/connectorAuths.ts';
import { insertConnector as insertConnectorRow } from '../db/repos/connectors.ts';
import { insertEmbedConfig, insertEmbedGroup, replaceEmbedGroupFlows } from '../db/repos/embedConfigs.ts';
import { findEndUser, upsertEndUser } from '../db/repos/endUsers.ts';
import { insertFlow as insertFlowRow, insertFlowVersion } from '../db/repos/flows.ts';
import { insertIntegrationRow, replaceBindings, setIntegrationStatus, setLatestRun } from '../db/repos/integrations.ts';
import { sql } from '../db/sql.ts';

/**
 * Domain rows written straight through the repositories, so tests of one area do not depend on
 * another area's API (or its checks). Runs have no repository yet (nothing in the server writes
 * them), so {@link insertRun} inserts its row itself. Every helper stamps rows with the context's
 * clock: advance it between inserts to order them.
 */

/** Inserts a connector (a custom API-key service unless told otherwise); answers its id. */
export async function insertConnector(
  ctx: AppContext,
  opts: { id?: string; name?: string; authType?: 'oauth2' | 'oauth1' | 'basic' | 'api_key' | 'none'; clientSecret?: string } = {},
): Promise<string> {
  const id = opts.id ?? `conn-${newId('x').slice(2, 12)}`;
  const now = nowIso(ctx);
  const authType = opts.authType ?? 'api_key';
  // Shaped like the connectors area's stored definition, so its routes can read fixture rows back.
  const definition = {
    oauth2: null,
    oauth1: null,
    apiKey: authType === 'api_key' ? { in: 'header', name: 'X-Api-Key', prefix: null } : null,
    fields: [],
    validation: null,
  };
  await insertConnectorRow(ctx.db, {
    id,
    name: opts.name ?? `Connector ${id}`,
    auth_type: authType,
    catalog_key: null,
    base_url: 'https://api.example.test',
    icon_url: null,
    definition: JSON.stringify(definition),
    client_secret_enc: opts.clientSecret
      ? seal(ctx.keyring, secretLocation('connectors', 'client_secret_enc', id), opts.clientSecret)
      : null,
    created_at: now,
    updated_at: now,
  });
  return id;
}

/** Inserts an embed configuration (no signing keys); answers its id. */
export async function insertConfig(
  ctx: AppContext,
  opts: { name?: string; sharingLevel?: 'user' | 'account'; enabled?: boolean } = {},
): Promise<string> {
  const id = newId('cfg');
  const now = nowIso(ctx);
  await insertEmbedConfig(ctx.db, {
    id,
    name: opts.name ?? 'Fixture config',
    sharing_level: opts.sharingLevel ?? 'user',
    allowed_origins: '["https://app.example.test"]',
    consent: '{"enabled":false,"text":null}',
    branding: '{}',
    default_language: 'en',
    proprietary_connector_id: null,
    callback_url: null,
    callback_secret_enc: null,
    enabled: (opts.enabled ?? true) ? 1 : 0,
    created_at: now,
    updated_at: now,
  });
  return id;
}

/** Inserts a flow with version 1 (`definition` defaults to a manual flow with one slot per connector given). */
export async function insertFlow(
  ctx: AppContext,
  opts: { name?: string; connectorId?: string; definition?: Record<string, unknown> } = {},
): Promise<string> {
  const id = newId('flow');
  const now = nowIso(ctx);
  // Shaped like shared's flowDefinitionSchema (strict), so the flow area can read it back.
  const definition = opts.definition ?? {
    slots: opts.connectorId ? [{ key: 'main', connectorId: opts.connectorId, label: 'Main' }] : [],
    inputs: [],
    trigger: { type: 'manual' },
    steps: [],
  };
  await inTransaction(ctx, async (txCtx) => {
    await insertFlowRow(txCtx.db, {
      id,
      name: opts.name ?? 'Fixture flow',
      description: null,
      icon: null,
      current_version: 1,
      created_at: now,
      updated_at: now,
    });
    await insertFlowVersion(txCtx.db, { flow_id: id, version: 1, definition: JSON.stringify(definition), created_at: now });
  });
  return id;
}

/** Inserts a group of a configuration holding `flowIds`; answers its id. */
export async function insertGroup(
  ctx: AppContext,
  configId: string,
  opts: { name?: string; flowIds?: readonly string[]; position?: number } = {},
): Promise<string> {
  const id = newId('grp');
  await inTransaction(ctx, async (txCtx) => {
    await insertEmbedGroup(txCtx.db, {
      id,
      config_id: configId,
      name: opts.name ?? 'Fixture group',
      position: opts.position ?? 0,
      highlighted_connectors: '[]',
    });
    await replaceEmbedGroupFlows(txCtx.db, id, opts.flowIds ?? []);
  });
  return id;
}

/** Inserts an end user of a configuration (an identity already there is an error); answers its internal id (`eu_…`). */
export async function insertEndUser(
  ctx: AppContext,
  configId: string,
  opts: { userId?: string; accountId?: string; name?: string } = {},
): Promise<string> {
  const id = newId('eu');
  const now = nowIso(ctx);
  const { row, created } = await upsertEndUser(ctx.db, {
    id,
    config_id: configId,
    account_id: opts.accountId ?? 'acct-1',
    user_id: opts.userId ?? `user-${id.slice(3, 11)}`,
    name: opts.name ?? null,
    email: null,
    language: null,
    account_name: null,
    seen_at: now,
  });
  if (!created) throw new Error(`fixture: end user ${row.user_id} of account ${row.account_id} exists already`);
  return id;
}

/** Inserts a connector auth with sealed credentials; answers its id. */
export async function insertConnectorAuth(
  ctx: AppContext,
  opts: {
    configId: string;
    connectorId: string;
    endUserId?: string | null;
    accountId?: string | null;
    sharingLevel?: 'user' | 'account';
    status?: 'active' | 'needs_reauth' | 'revoked' | 'disabled';
    name?: string;
    scopes?: string[];
    credentials?: Record<string, unknown>;
    proprietary?: boolean;
    /** Who made it (the column's default, `end_user`, unless told); only vendor-owned auths may pre-fill a slot. */
    createdVia?: 'end_user' | 'vendor_api' | 'embed_token';
  },
): Promise<string> {
  const id = newId('ca');
  const now = nowIso(ctx);
  const accountId =
    opts.accountId !== undefined
      ? opts.accountId
      : opts.endUserId
        ? ((await findEndUser(ctx.db, opts.endUserId))?.account_id ?? null)
        : null;
  const credentials = sealJson(
    ctx.keyring,
    secretLocation('connector_auths', 'credentials_enc', id),
    opts.credentials ?? { apiKey: 'fixture' },
  );
  await insertConnectorAuthRow(ctx.db, {
    id,
    config_id: opts.configId,
    connector_id: opts.connectorId,
    name: opts.name ?? 'Fixture login',
    owner_end_user_id: opts.endUserId ?? null,
    account_id: accountId,
    sharing_level: opts.sharingLevel ?? 'user',
    proprietary: opts.proprietary ?? false,
    created_via: opts.createdVia ?? 'end_user',
    status: opts.status ?? 'active',
    scopes: JSON.stringify(opts.scopes ?? []),
    credentials_enc: credentials,
    // the column's default: a fixture auth has never had its credentials replaced
    credentials_version: 0,
    expires_at: null,
    created_at: now,
    last_refreshed_at: null,
  });
  return id;
}

/** Inserts an integration of an end user with its bindings; answers its id. */
export async function insertIntegration(
  ctx: AppContext,
  opts: {
    configId: string;
    flowId: string;
    endUserId: string;
    sharingLevel?: 'user' | 'account';
    status?: 'enabled' | 'disabled';
    /** Who disabled it (`user` unless told); only for `status: 'disabled'`. */
    disabledBy?: 'user' | 'admin' | 'system' | null;
    bindings?: Record<string, string>;
    inputs?: Record<string, unknown>;
    secretInputs?: Record<string, string>;
    nextRunAt?: string | null;
    latestRun?: { id: string; status: 'queued' | 'running' | 'success' | 'error'; at: string } | null;
  },
): Promise<string> {
  const id = newId('int');
  const now = nowIso(ctx);
  const owner = await findEndUser(ctx.db, opts.endUserId);
  if (!owner) throw new Error(`fixture: no end user ${opts.endUserId}`);
  const sharingLevel = opts.sharingLevel ?? 'user';
  const secretInputs = opts.secretInputs
    ? sealJson(ctx.keyring, secretLocation('integrations', 'secret_inputs_enc', id), opts.secretInputs)
    : null;
  await inTransaction(ctx, async (txCtx) => {
    await insertIntegrationRow(txCtx.db, {
      id,
      config_id: opts.configId,
      flow_id: opts.flowId,
      flow_version: 1,
      owner_end_user_id: opts.endUserId,
      account_id: owner.account_id,
      sharing_level: sharingLevel,
      scope_user_id: sharingLevel === 'account' ? '' : opts.endUserId,
      inputs: JSON.stringify(opts.inputs ?? {}),
      secret_inputs_enc: secretInputs,
      next_run_at: opts.nextRunAt ?? null,
      created_at: now,
    });
    if (opts.status === 'disabled') await setIntegrationStatus(txCtx.db, id, 'disabled', opts.disabledBy ?? 'user', now);
    if (opts.latestRun) await setLatestRun(txCtx.db, id, opts.latestRun);
    await replaceBindings(txCtx.db, id, opts.bindings ?? {});
  });
  return id;
}

/** Inserts a finished run of an integration and records it as the integration's latest run; answers its id. */
export async function insertRun(
  ctx: AppContext,
  integrationId: string,
  opts: { status?: 'queued' | 'running' | 'success' | 'error' } = {},
): Promise<string> {
  const id = newId('run');
  const now = nowIso(ctx);
  const status = opts.status ?? 'success';
  await inTransaction(ctx, async (txCtx) => {
    await txCtx.db.run(sql`INSERT INTO runs (id, integration_id, trigger, status, not_before, created_at, started_at, finished_at)
      VALUES (${id}, ${integrationId}, ${'manual'}, ${status}, ${now}, ${now}, ${now}, ${status === 'success' || status === 'error' ? now : null})`);
    await setLatestRun(txCtx.db, integrationId, { id, status, at: now });
  });
  return id;
}

/** Two groups of one configuration, each with its own flow, end user, connector auth and integration. */
export interface TwoGroupWorld {
  connectorId: string;
  configId: string;
  g1: { groupId: string; flowId: string; endUserId: string; connectorAuthId: string; integrationId: string };
  g2: { groupId: string; flowId: string; endUserId: string; connectorAuthId: string; integrationId: string };
}

/** Builds config C with groups G1 (flow F1) and G2 (flow F2), one user, auth and integration in each. */
export async function seedTwoGroups(ctx: AppContext): Promise<TwoGroupWorld> {
  const connectorId = await insertConnector(ctx);
  const configId = await insertConfig(ctx);
  const side = async (n: 1 | 2) => {
    const flowId = await insertFlow(ctx, { name: `Flow ${n}`, connectorId });
    const groupId = await insertGroup(ctx, configId, { name: `Group ${n}`, flowIds: [flowId], position: n });
    const endUserId = await insertEndUser(ctx, configId, { userId: `user-${n}`, accountId: `acct-${n}` });
    const connectorAuthId = await insertConnectorAuth(ctx, { configId, connectorId, endUserId });
    const integrationId = await insertIntegration(ctx, { configId, flowId, endUserId, bindings: { main: connectorAuthId } });
    return { groupId, flowId, endUserId, connectorAuthId, integrationId };
  };
  return { connectorId, configId, g1: await side(1), g2: await side(2) };
}

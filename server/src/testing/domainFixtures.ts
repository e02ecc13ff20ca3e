import { type AppContext, nowIso } from '../context.ts';
import { seal, sealJson } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { newId } from '../crypto/tokens.ts';
import { sql } from '../db/sql.ts';

/**
 * Domain rows inserted directly with SQL, so tests of one area do not depend on another area's
 * API. Every helper stamps rows with the context's clock: advance it between inserts to order them.
 */

/** Inserts a connector (a custom API-key service unless told otherwise); answers its id. */
export function insertConnector(
  ctx: AppContext,
  opts: { id?: string; name?: string; authType?: 'oauth2' | 'oauth1' | 'basic' | 'api_key' | 'none'; clientSecret?: string } = {},
): string {
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
  ctx.db.run(sql`INSERT INTO connectors (id, name, auth_type, base_url, definition, client_secret_enc, created_at, updated_at)
    VALUES (${id}, ${opts.name ?? `Connector ${id}`}, ${authType}, ${'https://api.example.test'}, ${JSON.stringify(definition)},
      ${opts.clientSecret ? seal(ctx.keyring, secretLocation('connectors', 'client_secret_enc', id), opts.clientSecret) : null}, ${now}, ${now})`);
  return id;
}

/** Inserts an embed configuration (no signing keys); answers its id. */
export function insertConfig(ctx: AppContext, opts: { name?: string; sharingLevel?: 'user' | 'account'; enabled?: boolean } = {}): string {
  const id = newId('cfg');
  const now = nowIso(ctx);
  ctx.db.run(sql`INSERT INTO embed_configs (id, name, sharing_level, allowed_origins, consent, branding, enabled, created_at, updated_at)
    VALUES (${id}, ${opts.name ?? 'Fixture config'}, ${opts.sharingLevel ?? 'user'}, ${'["https://app.example.test"]'},
      ${'{"enabled":false,"text":null}'}, ${'{}'}, ${opts.enabled ?? true}, ${now}, ${now})`);
  return id;
}

/** Inserts a flow with version 1 (`definition` defaults to a manual flow with one slot per connector given). */
export function insertFlow(
  ctx: AppContext,
  opts: { name?: string; connectorId?: string; definition?: Record<string, unknown> } = {},
): string {
  const id = newId('flow');
  const now = nowIso(ctx);
  // Shaped like shared's flowDefinitionSchema (strict), so the flow area can read it back.
  const definition = opts.definition ?? {
    slots: opts.connectorId ? [{ key: 'main', connectorId: opts.connectorId, label: 'Main' }] : [],
    inputs: [],
    trigger: { type: 'manual' },
    steps: [],
  };
  ctx.db.tx(() => {
    ctx.db.run(sql`INSERT INTO flows (id, name, current_version, created_at, updated_at)
      VALUES (${id}, ${opts.name ?? 'Fixture flow'}, ${1}, ${now}, ${now})`);
    ctx.db.run(
      sql`INSERT INTO flow_versions (flow_id, version, definition, created_at) VALUES (${id}, ${1}, ${JSON.stringify(definition)}, ${now})`,
    );
  });
  return id;
}

/** Inserts a group of a configuration holding `flowIds`; answers its id. */
export function insertGroup(
  ctx: AppContext,
  configId: string,
  opts: { name?: string; flowIds?: readonly string[]; position?: number } = {},
): string {
  const id = newId('grp');
  ctx.db.tx(() => {
    ctx.db.run(sql`INSERT INTO embed_groups (id, config_id, name, position, highlighted_connectors)
      VALUES (${id}, ${configId}, ${opts.name ?? 'Fixture group'}, ${opts.position ?? 0}, ${'[]'})`);
    (opts.flowIds ?? []).forEach((flowId, i) => {
      ctx.db.run(sql`INSERT INTO embed_group_flows (group_id, flow_id, position) VALUES (${id}, ${flowId}, ${i})`);
    });
  });
  return id;
}

/** Inserts an end user of a configuration; answers its internal id (`eu_…`). */
export function insertEndUser(
  ctx: AppContext,
  configId: string,
  opts: { userId?: string; accountId?: string; name?: string } = {},
): string {
  const id = newId('eu');
  const now = nowIso(ctx);
  ctx.db.run(sql`INSERT INTO end_users (id, config_id, account_id, user_id, name, first_seen_at, last_seen_at)
    VALUES (${id}, ${configId}, ${opts.accountId ?? 'acct-1'}, ${opts.userId ?? `user-${id.slice(3, 11)}`}, ${opts.name ?? null}, ${now}, ${now})`);
  return id;
}

/** Inserts a connector auth with sealed credentials; answers its id. */
export function insertConnectorAuth(
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
): string {
  const id = newId('ca');
  const now = nowIso(ctx);
  const accountId =
    opts.accountId !== undefined
      ? opts.accountId
      : opts.endUserId
        ? (ctx.db.get<{ account_id: string }>(sql`SELECT account_id FROM end_users WHERE id = ${opts.endUserId}`)?.account_id ?? null)
        : null;
  const credentials = sealJson(
    ctx.keyring,
    secretLocation('connector_auths', 'credentials_enc', id),
    opts.credentials ?? { apiKey: 'fixture' },
  );
  ctx.db.run(sql`INSERT INTO connector_auths (id, config_id, connector_id, name, owner_end_user_id, account_id, sharing_level, proprietary,
      created_via, status, scopes, credentials_enc, created_at, updated_at)
    VALUES (${id}, ${opts.configId}, ${opts.connectorId}, ${opts.name ?? 'Fixture login'}, ${opts.endUserId ?? null}, ${accountId},
      ${opts.sharingLevel ?? 'user'}, ${opts.proprietary ?? false}, ${opts.createdVia ?? 'end_user'}, ${opts.status ?? 'active'},
      ${JSON.stringify(opts.scopes ?? [])}, ${credentials}, ${now}, ${now})`);
  return id;
}

/** Inserts an integration of an end user with its bindings; answers its id. */
export function insertIntegration(
  ctx: AppContext,
  opts: {
    configId: string;
    flowId: string;
    endUserId: string;
    sharingLevel?: 'user' | 'account';
    status?: 'enabled' | 'disabled';
    disabledBy?: 'user' | 'admin' | 'system' | null;
    bindings?: Record<string, string>;
    inputs?: Record<string, unknown>;
    secretInputs?: Record<string, string>;
    nextRunAt?: string | null;
    latestRun?: { id: string; status: 'queued' | 'running' | 'success' | 'error'; at: string } | null;
  },
): string {
  const id = newId('int');
  const now = nowIso(ctx);
  const owner = ctx.db.get<{ account_id: string }>(sql`SELECT account_id FROM end_users WHERE id = ${opts.endUserId}`);
  if (!owner) throw new Error(`fixture: no end user ${opts.endUserId}`);
  const sharingLevel = opts.sharingLevel ?? 'user';
  const secretInputs = opts.secretInputs
    ? sealJson(ctx.keyring, secretLocation('integrations', 'secret_inputs_enc', id), opts.secretInputs)
    : null;
  ctx.db.tx(() => {
    ctx.db.run(sql`INSERT INTO integrations (id, config_id, flow_id, flow_version, owner_end_user_id, account_id, sharing_level, scope_user_id,
        status, disabled_by, inputs, secret_inputs_enc, next_run_at, latest_run_id, latest_run_status, latest_run_at, created_at, updated_at)
      VALUES (${id}, ${opts.configId}, ${opts.flowId}, ${1}, ${opts.endUserId}, ${owner.account_id}, ${sharingLevel},
        ${sharingLevel === 'account' ? '' : opts.endUserId}, ${opts.status ?? 'enabled'},
        ${opts.disabledBy ?? (opts.status === 'disabled' ? 'user' : null)}, ${JSON.stringify(opts.inputs ?? {})}, ${secretInputs},
        ${opts.nextRunAt ?? null}, ${opts.latestRun?.id ?? null}, ${opts.latestRun?.status ?? null}, ${opts.latestRun?.at ?? null}, ${now}, ${now})`);
    for (const [slot, authId] of Object.entries(opts.bindings ?? {})) {
      ctx.db.run(sql`INSERT INTO integration_bindings (integration_id, slot_key, connector_auth_id) VALUES (${id}, ${slot}, ${authId})`);
    }
  });
  return id;
}

/** Inserts a finished run of an integration and records it as the integration's latest run; answers its id. */
export function insertRun(
  ctx: AppContext,
  integrationId: string,
  opts: { status?: 'queued' | 'running' | 'success' | 'error' } = {},
): string {
  const id = newId('run');
  const now = nowIso(ctx);
  const status = opts.status ?? 'success';
  ctx.db.tx(() => {
    ctx.db.run(sql`INSERT INTO runs (id, integration_id, trigger, status, not_before, created_at, started_at, finished_at)
      VALUES (${id}, ${integrationId}, ${'manual'}, ${status}, ${now}, ${now}, ${now}, ${status === 'success' || status === 'error' ? now : null})`);
    ctx.db.run(
      sql`UPDATE integrations SET latest_run_id = ${id}, latest_run_status = ${status}, latest_run_at = ${now} WHERE id = ${integrationId}`,
    );
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
export function seedTwoGroups(ctx: AppContext): TwoGroupWorld {
  const connectorId = insertConnector(ctx);
  const configId = insertConfig(ctx);
  const side = (n: 1 | 2) => {
    const flowId = insertFlow(ctx, { name: `Flow ${n}`, connectorId });
    const groupId = insertGroup(ctx, configId, { name: `Group ${n}`, flowIds: [flowId], position: n });
    const endUserId = insertEndUser(ctx, configId, { userId: `user-${n}`, accountId: `acct-${n}` });
    const connectorAuthId = insertConnectorAuth(ctx, { configId, connectorId, endUserId });
    const integrationId = insertIntegration(ctx, { configId, flowId, endUserId, bindings: { main: connectorAuthId } });
    return { groupId, flowId, endUserId, connectorAuthId, integrationId };
  };
  return { connectorId, configId, g1: side(1), g2: side(2) };
}

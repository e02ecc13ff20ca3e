import crypto from 'node:crypto';
import {
  brandingSchema,
  type EmbedConfig,
  type EmbedConfigCreate,
  type EmbedConfigUpdate,
  type embedConfigCreatedSchema,
  languageSchema,
} from '@patchbay/shared';
import { z } from 'zod';
import { requireAdminRole } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { open, seal } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';
import { newId } from '../../crypto/tokens.ts';
import { setCallbackSecrets } from '../../db/repos/callbackDeliveries.ts';
import { existingConnectorIds } from '../../db/repos/connectors.ts';
import {
  deleteEmbedConfig as deleteEmbedConfigRow,
  deleteEmbedGroupsExcept,
  type EmbedConfigRow,
  embedConfigIntegrations,
  existingFlowIds,
  findEmbedConfig,
  insertEmbedConfig,
  insertEmbedGroup,
  listEmbedGroupFlows,
  listEmbedGroups,
  replaceEmbedGroupFlows,
  updateEmbedConfig as updateEmbedConfigRow,
  updateEmbedGroup,
} from '../../db/repos/embedConfigs.ts';
import { AppError, type FieldIssue, invalidFields, notFound } from '../../errors.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { assertUrlsAllowed } from '../egress/urlPolicy.ts';
import { assertConfigVisible } from './configVisibility.ts';
import { addConfigSecret, checkPublicKey, insertPublicKey } from './keys.ts';

type GroupInput = NonNullable<EmbedConfigCreate['groups']>[number];

/** What the create answer carries besides the configuration: secrets, each answered once. */
export type EmbedConfigCreated = z.input<typeof embedConfigCreatedSchema>;

const consentColumnSchema = z.object({ enabled: z.boolean(), text: z.string().nullable() });

/** A Standard Webhooks signing secret: `whsec_` + base64 of 24 random bytes. */
export function newCallbackSecret(): string {
  return `whsec_${crypto.randomBytes(24).toString('base64')}`;
}

/** Seals a callback secret into its column. */
export function sealCallbackSecret(ctx: AppContext, configId: string, secret: string): string {
  return seal(ctx.keyring, secretLocation('embed_configs', 'callback_secret_enc', configId), secret);
}

/** A configuration as the API answers it (JSON columns parsed strictly). */
export async function toEmbedConfig(ctx: AppContext, row: EmbedConfigRow): Promise<EmbedConfig> {
  const flows = await listEmbedGroupFlows(ctx.db, row.id);
  return {
    id: row.id,
    name: row.name,
    sharingLevel: row.sharing_level,
    allowedOrigins: z.array(z.string()).parse(JSON.parse(row.allowed_origins)),
    consent: consentColumnSchema.parse(JSON.parse(row.consent)),
    branding: brandingSchema.parse(JSON.parse(row.branding)),
    defaultLanguage: languageSchema.parse(row.default_language),
    groups: (await listEmbedGroups(ctx.db, row.id)).map((g) => ({
      id: g.id,
      name: g.name,
      flowIds: flows.filter((f) => f.group_id === g.id).map((f) => f.flow_id),
      highlightedConnectors: z.array(z.string()).parse(JSON.parse(g.highlighted_connectors)),
    })),
    proprietaryConnectorId: row.proprietary_connector_id,
    callbackUrl: row.callback_url,
    callbacksDisabledAt: row.callbacks_disabled_at ?? null,
    enabled: row.enabled === 1,
    embedUrl: `${ctx.config.publicUrl}/embed/${row.id}`,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Checks references the schema cannot: flows, connectors and kept group ids must exist. */
async function checkReferences(
  ctx: AppContext,
  input: { groups?: GroupInput[] | undefined; proprietaryConnectorId?: string | null | undefined },
  ownGroupIds: ReadonlySet<string>,
): Promise<void> {
  const groups = input.groups ?? [];
  const flows = await existingFlowIds(ctx.db, [...new Set(groups.flatMap((g) => g.flowIds))]);
  const connectorIds = groups.flatMap((g) => g.highlightedConnectors);
  if (input.proprietaryConnectorId) connectorIds.push(input.proprietaryConnectorId);
  const connectors = await existingConnectorIds(ctx.db, [...new Set(connectorIds)]);
  const issues: FieldIssue[] = [];
  const seenGroups = new Set<string>();
  groups.forEach((g, i) => {
    if (g.id !== undefined) {
      if (!ownGroupIds.has(g.id)) issues.push({ path: `body.groups.${i}.id`, message: `unknown group "${g.id}" of this configuration` });
      else if (seenGroups.has(g.id)) issues.push({ path: `body.groups.${i}.id`, message: `group "${g.id}" is listed twice` });
      seenGroups.add(g.id);
    }
    const seenFlows = new Set<string>();
    g.flowIds.forEach((flowId, j) => {
      if (!flows.has(flowId)) issues.push({ path: `body.groups.${i}.flowIds.${j}`, message: `unknown flow "${flowId}"` });
      else if (seenFlows.has(flowId)) issues.push({ path: `body.groups.${i}.flowIds.${j}`, message: `flow "${flowId}" is listed twice` });
      seenFlows.add(flowId);
    });
    g.highlightedConnectors.forEach((connectorId, j) => {
      if (!connectors.has(connectorId)) {
        issues.push({ path: `body.groups.${i}.highlightedConnectors.${j}`, message: `unknown connector "${connectorId}"` });
      }
    });
  });
  if (input.proprietaryConnectorId && !connectors.has(input.proprietaryConnectorId)) {
    issues.push({ path: 'body.proprietaryConnectorId', message: `unknown connector "${input.proprietaryConnectorId}"` });
  }
  if (issues.length > 0) throw invalidFields(issues);
}

/** Replaces the groups of a configuration: kept ids are updated in place, new groups get new ids. */
async function replaceGroups(ctx: AppContext, configId: string, groups: readonly GroupInput[]): Promise<void> {
  await deleteEmbedGroupsExcept(
    ctx.db,
    configId,
    groups.flatMap((g) => (g.id === undefined ? [] : [g.id])),
  );
  for (const [position, g] of groups.entries()) {
    const row = {
      id: g.id ?? newId('grp'),
      config_id: configId,
      name: g.name,
      position,
      highlighted_connectors: JSON.stringify(g.highlightedConnectors),
    };
    if (g.id === undefined) await insertEmbedGroup(ctx.db, row);
    else await updateEmbedGroup(ctx.db, row);
    await replaceEmbedGroupFlows(ctx.db, row.id, g.flowIds);
  }
}

function urlChecks(
  ctx: AppContext,
  input: { callbackUrl?: string | null | undefined; branding?: { logoUrl?: string | undefined } | undefined },
) {
  assertUrlsAllowed(
    [
      { path: 'body.callbackUrl', value: input.callbackUrl },
      { path: 'body.branding.logoUrl', value: input.branding?.logoUrl },
    ],
    ctx.config,
  );
}

/**
 * Creates a configuration with its groups, public keys, first HS256 secret and callback secret.
 * The secrets are answered here once and stored only sealed.
 */
export async function createEmbedConfig(
  ctx: AppContext,
  p: AdminPrincipal,
  input: EmbedConfigCreate,
  requestId: string,
): Promise<EmbedConfigCreated> {
  requireAdminRole(p, 'create embed configurations');
  urlChecks(ctx, input);
  const publicKeys = (input.publicKeys ?? []).map((k, i) => ({ ...k, pem: checkPublicKey(k, `body.publicKeys.${i}`) }));
  const kids = publicKeys.flatMap((k) => (k.kid === undefined ? [] : [k.kid]));
  if (new Set(kids).size !== kids.length) throw invalidFields([{ path: 'body.publicKeys', message: 'kids must be unique' }]);
  const id = newId('cfg');
  const now = nowIso(ctx);
  const callbackSecret = input.callbackUrl ? newCallbackSecret() : null;
  const row: EmbedConfigRow = {
    id,
    name: input.name,
    sharing_level: input.sharingLevel,
    allowed_origins: JSON.stringify(input.allowedOrigins),
    consent: JSON.stringify({ enabled: input.consent?.enabled ?? false, text: input.consent?.text ?? null }),
    branding: JSON.stringify(input.branding ?? {}),
    default_language: input.defaultLanguage ?? 'en',
    proprietary_connector_id: input.proprietaryConnectorId ?? null,
    callback_url: input.callbackUrl ?? null,
    callback_secret_enc: callbackSecret === null ? null : sealCallbackSecret(ctx, id, callbackSecret),
    enabled: input.enabled === false ? 0 : 1,
    created_at: now,
    updated_at: now,
  };
  return inTransaction(ctx, async (txCtx) => {
    await checkReferences(txCtx, input, new Set());
    await insertEmbedConfig(txCtx.db, row);
    await replaceGroups(txCtx, id, input.groups ?? []);
    const secret = input.createSecret ? await addConfigSecret(txCtx, id, now) : null;
    for (const key of publicKeys) await insertPublicKey(txCtx, id, key, now);
    await recordAudit(txCtx, p, {
      action: 'embed_config.created',
      objectType: 'embed_config',
      objectId: id,
      configId: id,
      details: {
        name: row.name,
        sharingLevel: row.sharing_level,
        allowedOrigins: input.allowedOrigins,
        signingKids: [...(secret ? [secret.kid] : []), ...publicKeys.map((k) => k.kid)],
        callbackUrl: row.callback_url,
      },
      requestId,
    });
    return { ...(await toEmbedConfig(txCtx, row)), secret, callbackSecret };
  });
}

/** Reads one configuration (members: only where they hold `view`). */
export async function getEmbedConfig(ctx: AppContext, p: AdminPrincipal, id: string): Promise<EmbedConfig> {
  await assertConfigVisible(ctx, p, id);
  const row = await findEmbedConfig(ctx.db, id);
  if (!row) throw notFound('Embed configuration', id);
  return toEmbedConfig(ctx, row);
}

/**
 * Updates a configuration. `groups` replaces all groups in one transaction (give `id` to keep a
 * group and its member permissions). A first `callbackUrl` creates a callback secret, answered once.
 */
export async function updateEmbedConfig(
  ctx: AppContext,
  p: AdminPrincipal,
  id: string,
  input: EmbedConfigUpdate,
  requestId: string,
): Promise<EmbedConfig & { callbackSecret?: string }> {
  await assertConfigVisible(ctx, p, id);
  requireAdminRole(p, 'change embed configurations');
  if (Object.hasOwn(input, 'sharingLevel')) {
    throw new AppError('validation_failed', 'sharingLevel is fixed at creation; create a new embed configuration to change it', {
      issues: [{ path: 'body.sharingLevel', message: 'is fixed at creation' }],
    });
  }
  urlChecks(ctx, input);
  return inTransaction(ctx, async (txCtx) => {
    const row = await findEmbedConfig(txCtx.db, id);
    if (!row) throw notFound('Embed configuration', id);
    await checkReferences(txCtx, input, new Set((await listEmbedGroups(txCtx.db, id)).map((g) => g.id)));
    let callbackSecret: string | undefined;
    let callbackSecretEnc = row.callback_secret_enc;
    if (input.callbackUrl === null) callbackSecretEnc = null;
    else if (input.callbackUrl !== undefined && callbackSecretEnc === null) {
      callbackSecret = newCallbackSecret();
      callbackSecretEnc = sealCallbackSecret(txCtx, id, callbackSecret);
    }
    const next: EmbedConfigRow = {
      ...row,
      name: input.name ?? row.name,
      allowed_origins: input.allowedOrigins ? JSON.stringify(input.allowedOrigins) : row.allowed_origins,
      consent: input.consent ? JSON.stringify({ enabled: input.consent.enabled, text: input.consent.text ?? null }) : row.consent,
      branding: input.branding ? JSON.stringify(input.branding) : row.branding,
      default_language: input.defaultLanguage ?? row.default_language,
      proprietary_connector_id: input.proprietaryConnectorId === undefined ? row.proprietary_connector_id : input.proprietaryConnectorId,
      callback_url: input.callbackUrl === undefined ? row.callback_url : input.callbackUrl,
      callback_secret_enc: callbackSecretEnc,
      enabled: input.enabled === undefined ? row.enabled : input.enabled ? 1 : 0,
      updated_at: nowIso(txCtx),
    };
    await updateEmbedConfigRow(txCtx.db, next);
    if (input.callbackUrl === null) {
      // no URL, no secrets: neither the current nor a previous one from a rotation is kept
      await setCallbackSecrets(txCtx.db, id, { current: null, previous: null, previousUntil: null, updatedAt: next.updated_at });
    }
    if (input.groups) await replaceGroups(txCtx, id, input.groups);
    await recordAudit(txCtx, p, {
      action: 'embed_config.updated',
      objectType: 'embed_config',
      objectId: id,
      configId: id,
      details: { changed: Object.keys(input), ...(callbackSecret ? { callbackSigningKeyIssued: true } : {}) },
      requestId,
    });
    const answer = await toEmbedConfig(txCtx, next);
    return callbackSecret === undefined ? answer : { ...answer, callbackSecret };
  });
}

/** Deletes a configuration; with integrations only when `force` (they, and its connector auths, go too). */
export async function deleteEmbedConfig(ctx: AppContext, p: AdminPrincipal, id: string, force: boolean, requestId: string): Promise<void> {
  await assertConfigVisible(ctx, p, id);
  requireAdminRole(p, 'delete embed configurations');
  await inTransaction(ctx, async (txCtx) => {
    const row = await findEmbedConfig(txCtx.db, id);
    if (!row) throw notFound('Embed configuration', id);
    const integrations = await embedConfigIntegrations(txCtx.db, id);
    if (integrations.count > 0 && !force) {
      throw new AppError(
        'in_use',
        `Embed configuration ${JSON.stringify(id)} has ${integrations.count} integration(s); pass ?force=true to delete them too`,
        { integrations: integrations.ids, integrationCount: integrations.count },
      );
    }
    await deleteEmbedConfigRow(txCtx.db, id);
    await recordAudit(txCtx, p, {
      action: 'embed_config.deleted',
      objectType: 'embed_config',
      objectId: id,
      configId: id,
      details: { name: row.name, force, integrationsDeleted: integrations.count },
      requestId,
    });
  });
}

/** How long the previous callback secret keeps signing after a rotation (docs/callbacks.md). */
export const CALLBACK_SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

/**
 * Issues a new callback signing secret (answered once). The previous one keeps signing beside it
 * for {@link CALLBACK_SECRET_OVERLAP_MS} (both signatures in `webhook-signature`), so the
 * receiver can switch without losing a callback; a second rotation within that time drops the
 * oldest (at most two secrets sign).
 */
export async function rotateCallbackSecret(
  ctx: AppContext,
  p: AdminPrincipal,
  id: string,
  requestId: string,
): Promise<{ callbackSecret: string }> {
  await assertConfigVisible(ctx, p, id);
  requireAdminRole(p, 'rotate callback secrets');
  return inTransaction(ctx, async (txCtx) => {
    const row = await findEmbedConfig(txCtx.db, id);
    if (!row) throw notFound('Embed configuration', id);
    const callbackSecret = newCallbackSecret();
    const now = nowIso(txCtx);
    const previous =
      row.callback_secret_enc === null
        ? null
        : seal(
            txCtx.keyring,
            secretLocation('embed_configs', 'callback_secret_prev_enc', id),
            open(txCtx.keyring, secretLocation('embed_configs', 'callback_secret_enc', id), row.callback_secret_enc),
          );
    const previousUntil = previous === null ? null : new Date(Date.parse(now) + CALLBACK_SECRET_OVERLAP_MS).toISOString();
    await setCallbackSecrets(txCtx.db, id, {
      current: sealCallbackSecret(txCtx, id, callbackSecret),
      previous,
      previousUntil,
      updatedAt: now,
    });
    await recordAudit(txCtx, p, {
      action: 'embed_config.callback_secret_rotated',
      objectType: 'embed_config',
      objectId: id,
      configId: id,
      details: { previousSignsUntil: previousUntil },
      requestId,
    });
    return { callbackSecret };
  });
}

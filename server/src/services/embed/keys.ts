import crypto from 'node:crypto';
import type { embedKeyCreateSchema, embedKeySchema } from '@patchbay/shared';
import type { z } from 'zod';
import { requireAdminRole } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { type AppContext, inTransaction, nowIso } from '../../context.ts';
import { seal } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';
import { newId, newSecret } from '../../crypto/tokens.ts';
import {
  type EmbedKeyRow,
  embedKeyRowKey,
  findActiveAccountKey,
  findEmbedConfig,
  findEmbedKey,
  insertEmbedKey,
  listEmbedKeys,
  retireEmbedSecrets,
  revokeEmbedKey,
} from '../../db/repos/embedConfigs.ts';
import { AppError, invalidFields, notFound } from '../../errors.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { assertConfigVisible } from './configVisibility.ts';

/** An embed key as answered: metadata, never the value. */
export type EmbedKey = z.infer<typeof embedKeySchema>;
/** A freshly issued HS256 secret: the value is answered once. */
export interface IssuedSecret {
  kid: string;
  value: string;
}

/** Key metadata of a row. */
export function toEmbedKey(row: EmbedKeyRow): EmbedKey {
  return {
    kid: row.kid,
    alg: row.alg,
    accountId: row.account_id,
    status: row.status,
    expiresAt: row.expires_at,
    createdAt: row.created_at,
    revokedAt: row.revoked_at,
  };
}

/**
 * Inserts a new HS256 secret: 32 bytes from the CSPRNG, base64url; vendors use the value string
 * as the HMAC key. The server always generates it, so a weak secret cannot be set (J-04).
 */
async function insertSecret(ctx: AppContext, configId: string, accountId: string | null, now: string): Promise<IssuedSecret> {
  const kid = newId('key');
  const value = newSecret('');
  await insertEmbedKey(ctx.db, {
    config_id: configId,
    kid,
    alg: 'HS256',
    account_id: accountId,
    secret_enc: seal(ctx.keyring, secretLocation('embed_config_keys', 'secret_enc', embedKeyRowKey(configId, kid)), value),
    public_key_pem: null,
    status: 'active',
    expires_at: null,
    created_at: now,
    revoked_at: null,
  });
  return { kid, value };
}

/** Adds a configuration-wide HS256 secret (inside the caller's transaction). */
export async function addConfigSecret(ctx: AppContext, configId: string, now: string): Promise<IssuedSecret> {
  return insertSecret(ctx, configId, null, now);
}

/**
 * Parses a PEM public key and checks it fits the algorithm: RS256 needs RSA of at least 2048
 * bits, ES256 an EC key on P-256. Answers the key re-exported as SPKI PEM; `400` otherwise.
 */
export function checkPublicKey(input: { alg: 'RS256' | 'ES256'; pem: string }, path: string): string {
  if (/PRIVATE KEY/.test(input.pem)) {
    throw invalidFields([{ path: `${path}.pem`, message: 'is a private key: register only the public key (and replace this one)' }]);
  }
  let key: crypto.KeyObject;
  try {
    key = crypto.createPublicKey({ key: input.pem, format: 'pem' });
  } catch {
    throw invalidFields([{ path: `${path}.pem`, message: 'is not a PEM public key' }]);
  }
  const details = key.asymmetricKeyDetails ?? {};
  if (input.alg === 'RS256' && !(key.asymmetricKeyType === 'rsa' && (details.modulusLength ?? 0) >= 2048)) {
    throw invalidFields([{ path: `${path}.pem`, message: 'RS256 needs an RSA public key of at least 2048 bits' }]);
  }
  if (input.alg === 'ES256' && !(key.asymmetricKeyType === 'ec' && details.namedCurve === 'prime256v1')) {
    throw invalidFields([{ path: `${path}.pem`, message: 'ES256 needs an EC public key on the P-256 curve' }]);
  }
  return key.export({ type: 'spki', format: 'pem' }).toString();
}

/** Inserts a checked public key (inside the caller's transaction); a kid already used is `409 conflict`. */
export async function insertPublicKey(
  ctx: AppContext,
  configId: string,
  key: { kid?: string | undefined; alg: 'RS256' | 'ES256'; pem: string },
  now: string,
): Promise<EmbedKeyRow> {
  const kid = key.kid ?? newId('key');
  if (await findEmbedKey(ctx.db, configId, kid))
    throw new AppError('conflict', `Key ${JSON.stringify(kid)} already exists on this configuration`);
  const row: EmbedKeyRow = {
    config_id: configId,
    kid,
    alg: key.alg,
    account_id: null,
    secret_enc: null,
    public_key_pem: key.pem,
    status: 'active',
    expires_at: null,
    created_at: now,
    revoked_at: null,
  };
  await insertEmbedKey(ctx.db, row);
  return row;
}

async function loadConfig(ctx: AppContext, configId: string) {
  const row = await findEmbedConfig(ctx.db, configId);
  if (!row) throw notFound('Embed configuration', configId);
  return row;
}

/** Lists the keys of a configuration by kid, never with values. */
export async function listKeys(ctx: AppContext, p: AdminPrincipal, configId: string): Promise<EmbedKey[]> {
  await assertConfigVisible(ctx, p, configId);
  return (await listEmbedKeys(ctx.db, configId)).map(toEmbedKey);
}

/**
 * Issues a new configuration-wide HS256 secret. The older active ones stay valid for
 * `graceSeconds` (never longer than they already would), or are revoked now when it is 0.
 */
export async function rotateSecret(
  ctx: AppContext,
  p: AdminPrincipal,
  configId: string,
  graceSeconds: number,
  requestId: string,
): Promise<IssuedSecret> {
  await assertConfigVisible(ctx, p, configId);
  requireAdminRole(p, 'rotate signing secrets');
  return inTransaction(ctx, async (txCtx) => {
    await loadConfig(txCtx, configId);
    const now = nowIso(txCtx);
    const until = graceSeconds === 0 ? null : new Date(txCtx.clock.now() + graceSeconds * 1000).toISOString();
    const retired = await retireEmbedSecrets(txCtx.db, configId, until, now);
    const issued = await insertSecret(txCtx, configId, null, now);
    await recordAudit(txCtx, p, {
      action: 'embed_config.secret_rotated',
      objectType: 'embed_config',
      objectId: configId,
      configId,
      details: { kid: issued.kid, graceSeconds, previousSecrets: retired },
      requestId,
    });
    return issued;
  });
}

/** Registers a public key, or issues a per-account secret (its value answered once). */
export async function createKey(
  ctx: AppContext,
  p: AdminPrincipal,
  configId: string,
  input: z.infer<typeof embedKeyCreateSchema>,
  requestId: string,
): Promise<EmbedKey & { value?: string }> {
  await assertConfigVisible(ctx, p, configId);
  requireAdminRole(p, 'add signing keys');
  const pem = input.type === 'publicKey' ? checkPublicKey(input, 'body') : null;
  return inTransaction(ctx, async (txCtx) => {
    await loadConfig(txCtx, configId);
    const now = nowIso(txCtx);
    let answer: EmbedKey & { value?: string };
    if (input.type === 'publicKey') {
      answer = toEmbedKey(await insertPublicKey(txCtx, configId, { kid: input.kid, alg: input.alg, pem: pem as string }, now));
    } else {
      const existing = await findActiveAccountKey(txCtx.db, configId, input.accountId);
      if (existing) {
        throw new AppError('conflict', `Account ${JSON.stringify(input.accountId)} already has an active secret; revoke it first`, {
          kid: existing.kid,
        });
      }
      const issued = await insertSecret(txCtx, configId, input.accountId, now);
      answer = { ...toEmbedKey((await findEmbedKey(txCtx.db, configId, issued.kid)) as EmbedKeyRow), value: issued.value };
    }
    await recordAudit(txCtx, p, {
      action: 'embed_config.key_added',
      objectType: 'embed_config',
      objectId: configId,
      configId,
      details: { kid: answer.kid, alg: answer.alg, accountId: answer.accountId },
      requestId,
    });
    return answer;
  });
}

/** Revokes a key at once; revoking a revoked key changes nothing and answers it again. */
export async function revokeKey(ctx: AppContext, p: AdminPrincipal, configId: string, kid: string, requestId: string): Promise<EmbedKey> {
  await assertConfigVisible(ctx, p, configId);
  requireAdminRole(p, 'revoke signing keys');
  return inTransaction(ctx, async (txCtx) => {
    await loadConfig(txCtx, configId);
    if (!(await findEmbedKey(txCtx.db, configId, kid))) throw notFound('Key', kid);
    if (await revokeEmbedKey(txCtx.db, configId, kid, nowIso(txCtx))) {
      await recordAudit(txCtx, p, {
        action: 'embed_config.key_revoked',
        objectType: 'embed_config',
        objectId: configId,
        configId,
        details: { kid },
        requestId,
      });
    }
    return toEmbedKey((await findEmbedKey(txCtx.db, configId, kid)) as EmbedKeyRow);
  });
}

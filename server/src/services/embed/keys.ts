import crypto from 'node:crypto';
import type { embedKeyCreateSchema, embedKeySchema } from '@patchbay/shared';
import type { z } from 'zod';
import { requireAdminRole } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { type AppContext, nowIso } from '../../context.ts';
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
function insertSecret(ctx: AppContext, configId: string, accountId: string | null, now: string): IssuedSecret {
  const kid = newId('key');
  const value = newSecret('');
  insertEmbedKey(ctx.db, {
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
export function addConfigSecret(ctx: AppContext, configId: string, now: string): IssuedSecret {
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
export function insertPublicKey(
  ctx: AppContext,
  configId: string,
  key: { kid?: string | undefined; alg: 'RS256' | 'ES256'; pem: string },
  now: string,
): EmbedKeyRow {
  const kid = key.kid ?? newId('key');
  if (findEmbedKey(ctx.db, configId, kid))
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
  insertEmbedKey(ctx.db, row);
  return row;
}

function loadConfig(ctx: AppContext, configId: string) {
  const row = findEmbedConfig(ctx.db, configId);
  if (!row) throw notFound('Embed configuration', configId);
  return row;
}

/** Lists the keys of a configuration by kid, never with values. */
export function listKeys(ctx: AppContext, p: AdminPrincipal, configId: string): EmbedKey[] {
  assertConfigVisible(ctx, p, configId);
  return listEmbedKeys(ctx.db, configId).map(toEmbedKey);
}

/**
 * Issues a new configuration-wide HS256 secret. The older active ones stay valid for
 * `graceSeconds` (never longer than they already would), or are revoked now when it is 0.
 */
export function rotateSecret(ctx: AppContext, p: AdminPrincipal, configId: string, graceSeconds: number, requestId: string): IssuedSecret {
  assertConfigVisible(ctx, p, configId);
  requireAdminRole(p, 'rotate signing secrets');
  return ctx.db.tx(() => {
    loadConfig(ctx, configId);
    const now = nowIso(ctx);
    const until = graceSeconds === 0 ? null : new Date(ctx.clock.now() + graceSeconds * 1000).toISOString();
    const retired = retireEmbedSecrets(ctx.db, configId, until, now);
    const issued = insertSecret(ctx, configId, null, now);
    recordAudit(ctx, p, {
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
export function createKey(
  ctx: AppContext,
  p: AdminPrincipal,
  configId: string,
  input: z.infer<typeof embedKeyCreateSchema>,
  requestId: string,
): EmbedKey & { value?: string } {
  assertConfigVisible(ctx, p, configId);
  requireAdminRole(p, 'add signing keys');
  const pem = input.type === 'publicKey' ? checkPublicKey(input, 'body') : null;
  return ctx.db.tx(() => {
    loadConfig(ctx, configId);
    const now = nowIso(ctx);
    let answer: EmbedKey & { value?: string };
    if (input.type === 'publicKey') {
      answer = toEmbedKey(insertPublicKey(ctx, configId, { kid: input.kid, alg: input.alg, pem: pem as string }, now));
    } else {
      const existing = findActiveAccountKey(ctx.db, configId, input.accountId);
      if (existing) {
        throw new AppError('conflict', `Account ${JSON.stringify(input.accountId)} already has an active secret; revoke it first`, {
          kid: existing.kid,
        });
      }
      const issued = insertSecret(ctx, configId, input.accountId, now);
      answer = { ...toEmbedKey(findEmbedKey(ctx.db, configId, issued.kid) as EmbedKeyRow), value: issued.value };
    }
    recordAudit(ctx, p, {
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
export function revokeKey(ctx: AppContext, p: AdminPrincipal, configId: string, kid: string, requestId: string): EmbedKey {
  assertConfigVisible(ctx, p, configId);
  requireAdminRole(p, 'revoke signing keys');
  return ctx.db.tx(() => {
    loadConfig(ctx, configId);
    if (!findEmbedKey(ctx.db, configId, kid)) throw notFound('Key', kid);
    if (revokeEmbedKey(ctx.db, configId, kid, nowIso(ctx))) {
      recordAudit(ctx, p, {
        action: 'embed_config.key_revoked',
        objectType: 'embed_config',
        objectId: configId,
        configId,
        details: { kid },
        requestId,
      });
    }
    return toEmbedKey(findEmbedKey(ctx.db, configId, kid) as EmbedKeyRow);
  });
}

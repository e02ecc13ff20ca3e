import crypto, { type KeyObject } from 'node:crypto';
import {
  EMBED_TOKEN_LEEWAY_S,
  type EmbedTokenClaims,
  embedTokenClaimsSchema,
  MAX_EMBED_TOKEN_LENGTH,
  MAX_EMBED_TOKEN_LIFETIME_S,
} from '@patchbay/shared';
import jwt from 'jsonwebtoken';
import { type AppContext, inTransaction, nowIso } from '../context.ts';
import { open } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { type EmbedConfigRow, type EmbedKeyRow, embedKeyRowKey, findEmbedConfigWithUsableKeys } from '../db/repos/embedConfigs.ts';
import { recordTokenId } from '../db/repos/usedTokenIds.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../log.ts';

/** A key id as accepted in a token header; anything else is refused before any lookup. */
export const KID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;

/** Header parameters that would make us fetch or trust key material named by the token itself (RFC 8725 §3.10). */
const FORBIDDEN_HEADERS = ['jku', 'x5u', 'jwk', 'x5c', 'crit'] as const;

/** The algorithms a key row can carry; nothing else is ever worth a lookup. */
const KNOWN_ALGS: ReadonlySet<string> = new Set(['HS256', 'RS256', 'ES256']);

const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** A token whose signature, audience, times and claims checked out. */
export interface VerifiedEmbedToken {
  readonly config: EmbedConfigRow;
  readonly key: Pick<EmbedKeyRow, 'kid' | 'alg' | 'account_id'>;
  readonly claims: EmbedTokenClaims;
}

/** What is known about a token while it is checked, for the rejection log line (never the token). */
interface Trace {
  configId: string | null;
  kid: string | null;
}

/**
 * Checks an embed token (docs/embed-token.md) without recording anything: shape, header,
 * configuration from `aud`, one key chosen by `kid`, the algorithm of that key only, signature,
 * times, claims. Throws `AppError` (401) with a `token_*` or `config_disabled` code.
 */
export async function inspectEmbedToken(
  ctx: AppContext,
  token: string,
  expectedConfigId?: string,
  log: Logger = ctx.log,
): Promise<VerifiedEmbedToken> {
  const trace: Trace = { configId: null, kid: null };
  try {
    return await inspect(ctx, token, expectedConfigId, trace);
  } catch (err) {
    if (err instanceof AppError) logRejection(log, err, trace);
    throw err;
  }
}

/**
 * Records the token's `jti` until the token is dead (exp + leeway); a second use throws
 * `401 token_replayed`. Call it inside the transaction that acts on the token.
 */
export async function recordTokenUse(ctx: AppContext, verified: VerifiedEmbedToken, log: Logger = ctx.log): Promise<void> {
  const { jti, exp } = verified.claims;
  if (jti === undefined) return;
  const fresh = await recordTokenId(ctx.db, {
    configId: verified.config.id,
    jti,
    expiresAt: new Date((exp + EMBED_TOKEN_LEEWAY_S) * 1000).toISOString(),
    nowIso: nowIso(ctx),
  });
  if (!fresh) {
    const err = new AppError('token_replayed', 'This embed token was already exchanged; mint a fresh one');
    logRejection(log, err, { configId: verified.config.id, kid: verified.key.kid });
    throw err;
  }
}

/** Verifies an embed token and records its `jti` (see {@link inspectEmbedToken} and {@link recordTokenUse}). */
export async function verifyEmbedToken(
  ctx: AppContext,
  token: string,
  expectedConfigId?: string,
  log: Logger = ctx.log,
): Promise<VerifiedEmbedToken> {
  const verified = await inspectEmbedToken(ctx, token, expectedConfigId, log);
  await inTransaction(ctx, (txCtx) => recordTokenUse(txCtx, verified, log));
  return verified;
}

function logRejection(log: Logger, err: AppError, trace: Trace): void {
  log.info('embed token rejected', { errorCode: err.code, configId: trace.configId, kid: trace.kid });
}

function invalid(message: string): AppError {
  return new AppError('token_invalid', message);
}

async function inspect(ctx: AppContext, token: string, expectedConfigId: string | undefined, trace: Trace): Promise<VerifiedEmbedToken> {
  if (typeof token !== 'string' || token.length === 0 || token.length > MAX_EMBED_TOKEN_LENGTH) {
    throw invalid(`The embed token must be a JWT of at most ${MAX_EMBED_TOKEN_LENGTH} characters`);
  }
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p)) || !parts[0] || !parts[1]) {
    throw invalid('The embed token is not a signed JWT (header.payload.signature)');
  }
  const header = decodePart(parts[0]);
  const payload = decodePart(parts[1]);

  const forbidden = FORBIDDEN_HEADERS.filter((name) => Object.hasOwn(header, name));
  if (forbidden.length > 0) throw invalid(`The token header must not carry ${forbidden.join(', ')}; keys are registered, never fetched`);
  if (Object.hasOwn(header, 'typ') && (typeof header.typ !== 'string' || header.typ.toUpperCase() !== 'JWT')) {
    throw invalid('The token header `typ` must be JWT');
  }
  const headerAlg = header.alg;
  if (typeof headerAlg !== 'string' || !KNOWN_ALGS.has(headerAlg)) {
    throw new AppError('token_algorithm', 'The token algorithm is not accepted; sign with the algorithm of the configuration key');
  }

  const { config, keys } = await selectConfig(ctx, payload.aud, expectedConfigId);
  trace.configId = config.id;
  if (config.enabled !== 1) throw new AppError('config_disabled', 'This embed configuration is disabled');

  const key = selectKey(keys, header, payload, trace);
  if (headerAlg !== key.alg) {
    throw new AppError('token_algorithm', 'The token algorithm does not match the key; the configuration decides the algorithm');
  }

  let verifiedPayload: unknown;
  try {
    verifiedPayload = jwt.verify(token, keyMaterial(ctx, key), {
      algorithms: [key.alg],
      audience: config.id,
      clockTimestamp: ctx.clock.now() / 1000,
      clockTolerance: EMBED_TOKEN_LEEWAY_S,
    });
  } catch (err) {
    throw mapVerifyError(err);
  }

  const claims = parseClaims(verifiedPayload);
  if (claims.exp - claims.iat > MAX_EMBED_TOKEN_LIFETIME_S) {
    throw new AppError('token_lifetime', `The token lifetime (exp − iat) must be at most ${MAX_EMBED_TOKEN_LIFETIME_S} seconds`);
  }
  if (claims.iat > ctx.clock.now() / 1000 + EMBED_TOKEN_LEEWAY_S) {
    throw new AppError('token_not_yet_valid', 'The token was issued in the future (iat); check the signing clock');
  }
  if (key.account_id !== null && claims.embed_account_id !== key.account_id) {
    throw invalid('This per-account key signs tokens for its own account only');
  }
  return { config, key: { kid: key.kid, alg: key.alg, account_id: key.account_id }, claims };
}

/** Base64url JSON → a plain object, refusing repeated member names (RFC 8725 §2.6). */
function decodePart(part: string): Record<string, unknown> {
  const text = Buffer.from(part, 'base64url').toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid('The embed token is not a JWT: a part is not JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalid('The embed token is not a JWT: header and payload must be JSON objects');
  }
  if (hasDuplicateKeys(text)) throw invalid('The embed token repeats a JSON member name');
  return value as Record<string, unknown>;
}

/** Scans JSON text already accepted by `JSON.parse` for an object with the same member name twice. */
export function hasDuplicateKeys(json: string): boolean {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const top = stack.at(-1);
      if (top && expectKey) {
        const name = JSON.parse(json.slice(i, j + 1)) as string;
        if (top.has(name)) return true;
        top.add(name);
        expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push(new Set());
      expectKey = true;
    } else if (c === '[') {
      stack.push(null);
      expectKey = false;
    } else if (c === '}' || c === ']') {
      stack.pop();
      expectKey = false;
    } else if (c === ',') {
      expectKey = stack.at(-1) instanceof Set;
    }
  }
  return false;
}

/** A configuration with the keys that verify tokens now (read in one statement). */
interface ConfigWithKeys {
  readonly config: EmbedConfigRow;
  readonly keys: EmbedKeyRow[];
}

/** The configuration named by `aud` (a string, or an array naming exactly one configuration), with its usable keys. */
async function selectConfig(ctx: AppContext, aud: unknown, expectedConfigId: string | undefined): Promise<ConfigWithKeys> {
  const wrongAudience = (message: string) => new AppError('token_audience', message);
  const audiences =
    typeof aud === 'string'
      ? [aud]
      : Array.isArray(aud) && aud.length <= 5 && aud.every((a): a is string => typeof a === 'string')
        ? aud
        : [];
  const candidates = [...new Set(audiences.filter((a) => a.length > 0 && a.length <= 64))];
  if (candidates.length === 0) throw wrongAudience('The token must name its embed configuration in `aud`');
  const now = nowIso(ctx);
  let config: ConfigWithKeys | undefined;
  if (expectedConfigId !== undefined) {
    if (!candidates.includes(expectedConfigId)) throw wrongAudience('The token is for another embed configuration');
    config = await findEmbedConfigWithUsableKeys(ctx.db, expectedConfigId, now);
  } else {
    const found: ConfigWithKeys[] = [];
    for (const id of candidates) {
      const c = await findEmbedConfigWithUsableKeys(ctx.db, id, now);
      if (c !== undefined) found.push(c);
    }
    if (found.length > 1) throw wrongAudience('The token `aud` must name exactly one embed configuration');
    config = found[0];
  }
  if (!config) throw wrongAudience('The token `aud` names no known embed configuration');
  return config;
}

/**
 * Exactly one key, never a trial of several: the one named by `kid`; without `kid`, the single
 * shared key, else the per-account key of the (not yet verified) `embed_account_id`, whose
 * claim is checked against the key after verification.
 */
function selectKey(
  keys: readonly EmbedKeyRow[],
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  trace: Trace,
): EmbedKeyRow {
  if (Object.hasOwn(header, 'kid')) {
    const kid = header.kid;
    if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) throw new AppError('token_kid', 'The token `kid` is not a valid key id');
    trace.kid = kid;
    const key = keys.find((k) => k.kid === kid);
    if (!key) throw new AppError('token_kid', 'No active key of this configuration has this `kid`');
    return key;
  }
  const shared = keys.filter((k) => k.account_id === null);
  const accountId = payload.embed_account_id;
  const key = shared.length === 1 ? shared[0] : typeof accountId === 'string' ? keys.find((k) => k.account_id === accountId) : undefined;
  if (!key) throw new AppError('token_kid', 'Name the signing key in the token `kid` header; this configuration has several');
  trace.kid = key.kid;
  return key;
}

/** The verification key of a row, always a `KeyObject` built from stored material (never from the request). */
function keyMaterial(ctx: AppContext, key: EmbedKeyRow): KeyObject {
  if (key.alg === 'HS256') {
    const at = secretLocation('embed_config_keys', 'secret_enc', embedKeyRowKey(key.config_id, key.kid));
    return crypto.createSecretKey(Buffer.from(open(ctx.keyring, at, key.secret_enc ?? ''), 'utf8'));
  }
  return crypto.createPublicKey(key.public_key_pem ?? '');
}

function mapVerifyError(err: unknown): AppError {
  if (err instanceof jwt.TokenExpiredError) return new AppError('token_expired', 'The embed token has expired; mint a fresh one');
  if (err instanceof jwt.NotBeforeError) return new AppError('token_not_yet_valid', 'The embed token is not valid yet (nbf)');
  if (err instanceof jwt.JsonWebTokenError) {
    if (err.message.startsWith('jwt audience invalid')) {
      return new AppError('token_audience', 'The token is for another embed configuration');
    }
    if (err.message === 'invalid algorithm') return new AppError('token_algorithm', 'The token algorithm is not accepted');
    // jsonwebtoken checks these types only after the signature, so naming the claim reveals nothing
    const badTime = /^invalid (exp|nbf) value$/.exec(err.message)?.[1];
    if (badTime) {
      return new AppError('token_claims', `The token claims are not valid: claims.${badTime}`, {
        issues: [{ path: `claims.${badTime}`, message: 'must be a NumericDate (seconds since the epoch)' }],
      });
    }
    return invalid('The embed token signature or encoding is not valid');
  }
  throw err;
}

/** Claims after verification; problems name the claim, never its value. */
function parseClaims(payload: unknown): EmbedTokenClaims {
  const record = (payload ?? {}) as Record<string, unknown>;
  const missing = (['exp', 'iat'] as const).filter((name) => record[name] === undefined);
  if (missing.length > 0) {
    throw new AppError('token_claims', `The token must carry ${missing.join(' and ')}`, {
      issues: missing.map((name) => ({ path: `claims.${name}`, message: 'required' })),
    });
  }
  const result = embedTokenClaimsSchema.safeParse(payload);
  if (!result.success) {
    const issues = result.error.issues.slice(0, 20).map((i) => ({ path: ['claims', ...i.path.map(String)].join('.'), message: i.message }));
    const names = [...new Set(issues.map((i) => i.path))].slice(0, 5).join(', ');
    throw new AppError('token_claims', `The token claims are not valid: ${names}`, { issues });
  }
  return result.data;
}

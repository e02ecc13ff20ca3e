/**
 * Test fixtures for embed configurations and embed tokens.
 *
 * ```ts
 * const fx = createEmbedFixture(s.app.ctx, { sharingLevel: 'account' });
 * const token = fx.token({ embed_user_name: 'Ada' });            // HS256, kid hs1, valid for 10 min
 * const rs = fx.token({}, { key: 'rs' });                        // RS256 with the registered public key
 * const acct = fx.token({}, { key: 'account' });                 // per-account secret, its own account
 * const bad = forgeToken({ alg: 'HS256' }, fx.claims(), { hmacSecret: fx.rs.publicPem });
 * ```
 * Everything goes through the repository functions, secrets sealed with `ctx.keyring`, exactly as
 * the API stores them. Times come from the context's clock, so `s.clock.advance()` applies.
 */
import crypto, { type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { type AppContext, nowIso } from '../context.ts';
import { seal } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { newId } from '../crypto/tokens.ts';
import { type EmbedConfigRow, type EmbedKeyRow, embedKeyRowKey, insertEmbedConfig, insertEmbedKey } from '../db/repos/embedConfigs.ts';
import type { TestServer } from './harness.ts';

/** An asymmetric key pair: the private key signs test tokens, the PEM is what a vendor registers. */
export interface TestKeyPair {
  readonly privateKey: KeyObject;
  readonly publicPem: string;
}

let rsaPair: TestKeyPair | undefined;
let ecPair: TestKeyPair | undefined;

function pemOf(publicKey: KeyObject): string {
  return publicKey.export({ type: 'spki', format: 'pem' }).toString();
}

/** An RSA-2048 pair, generated once per test process (generation is slow). */
export function testRsaKeyPair(): TestKeyPair {
  if (!rsaPair) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
    rsaPair = { privateKey, publicPem: pemOf(publicKey) };
  }
  return rsaPair;
}

/** A P-256 pair, generated once per test process. */
export function testEcKeyPair(): TestKeyPair {
  if (!ecPair) {
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' });
    ecPair = { privateKey, publicPem: pemOf(publicKey) };
  }
  return ecPair;
}

/** A random HS256 signing secret like the server generates (32 random bytes, base64url). */
export function randomSigningSecret(): string {
  return crypto.randomBytes(32).toString('base64url');
}

/** Options of {@link addSigningSecret}. */
export interface SigningSecretOptions {
  readonly kid: string;
  readonly secret?: string;
  /** Makes it a per-account secret. */
  readonly accountId?: string | null;
  readonly status?: 'active' | 'revoked';
  /** End of a rotation grace period (ISO). */
  readonly expiresAt?: string | null;
}

/** Stores an HS256 secret (sealed) for a configuration; answers its kid and plaintext value. */
export async function addSigningSecret(
  ctx: AppContext,
  configId: string,
  opts: SigningSecretOptions,
): Promise<{ kid: string; secret: string }> {
  const secret = opts.secret ?? randomSigningSecret();
  const now = nowIso(ctx);
  await insertEmbedKey(ctx.db, {
    config_id: configId,
    kid: opts.kid,
    alg: 'HS256',
    account_id: opts.accountId ?? null,
    secret_enc: seal(ctx.keyring, secretLocation('embed_config_keys', 'secret_enc', embedKeyRowKey(configId, opts.kid)), secret),
    public_key_pem: null,
    status: opts.status ?? 'active',
    expires_at: opts.expiresAt ?? null,
    created_at: now,
    revoked_at: opts.status === 'revoked' ? now : null,
  });
  return { kid: opts.kid, secret };
}

/** Registers an RS256/ES256 public key for a configuration. */
export async function addPublicKey(
  ctx: AppContext,
  configId: string,
  opts: { kid: string; alg: 'RS256' | 'ES256'; publicPem: string; status?: EmbedKeyRow['status'] },
): Promise<void> {
  const now = nowIso(ctx);
  await insertEmbedKey(ctx.db, {
    config_id: configId,
    kid: opts.kid,
    alg: opts.alg,
    account_id: null,
    secret_enc: null,
    public_key_pem: opts.publicPem,
    status: opts.status ?? 'active',
    expires_at: null,
    created_at: now,
    revoked_at: opts.status === 'revoked' ? now : null,
  });
}

/** Which fixture key signs a token. */
export type FixtureKey = 'hs' | 'rs' | 'es' | 'account';

/** Options of {@link createEmbedFixture}. */
export interface EmbedFixtureOptions {
  readonly sharingLevel?: 'user' | 'account';
  readonly enabled?: boolean;
  readonly name?: string;
  readonly consent?: { enabled: boolean; text?: string };
  readonly branding?: Record<string, unknown>;
  readonly defaultLanguage?: 'en' | 'de';
  /** Which keys to create; all four by default. */
  readonly keys?: readonly FixtureKey[];
}

/** Options of {@link EmbedFixture.token}. */
export interface FixtureTokenOptions {
  /** The signing key; `hs` by default. */
  readonly key?: FixtureKey;
  /** The `kid` header: the key's own kid by default, `null` to leave it out, or any string. */
  readonly kid?: string | null;
  /** Extra header parameters (merged over `alg`/`typ`/`kid`). */
  readonly header?: Record<string, unknown>;
}

/** A configuration with its keys, and helpers to mint tokens for it. */
export interface EmbedFixture {
  readonly configId: string;
  readonly config: EmbedConfigRow;
  /** The shared HS256 secret (kid `hs1`). */
  readonly hs: { readonly kid: string; readonly secret: string };
  /** The registered RS256 key (kid `rs1`). */
  readonly rs: TestKeyPair & { readonly kid: string };
  /** The registered ES256 key (kid `es1`). */
  readonly es: TestKeyPair & { readonly kid: string };
  /** The per-account HS256 secret (kid `acct1`) of account `onprem-1`. */
  readonly account: { readonly kid: string; readonly secret: string; readonly accountId: string };
  /** Valid claims at the context clock (user `user-1` of account `acme`, 10 minutes), with overrides. */
  claims(overrides?: Record<string, unknown>): Record<string, unknown>;
  /** A signed token; overrides set to `undefined` drop a claim. */
  token(overrides?: Record<string, unknown>, opts?: FixtureTokenOptions): string;
}

/**
 * Inserts an embed configuration (user level, enabled, by default with all four kinds of key:
 * HS256 `hs1`, RS256 `rs1`, ES256 `es1`, per-account HS256 `acct1` for `onprem-1`).
 * Note: with `hs` present, tokens without `kid` select `hs1`, the single shared secret.
 */
export async function createEmbedFixture(ctx: AppContext, opts: EmbedFixtureOptions = {}): Promise<EmbedFixture> {
  const configId = newId('cfg');
  const now = nowIso(ctx);
  const consent = opts.consent ?? { enabled: true, text: 'Allow Acme to connect your tools?' };
  const config: EmbedConfigRow = {
    id: configId,
    name: opts.name ?? 'Settings › Integrations',
    sharing_level: opts.sharingLevel ?? 'user',
    allowed_origins: JSON.stringify(['https://app.acme.example']),
    // stored as the configuration service writes it: `text` is null when unset
    consent: JSON.stringify({ enabled: consent.enabled, text: consent.text ?? null }),
    branding: JSON.stringify(opts.branding ?? { title: 'Acme integrations', mode: 'light' }),
    default_language: opts.defaultLanguage ?? 'en',
    proprietary_connector_id: null,
    callback_url: null,
    callback_secret_enc: null,
    enabled: opts.enabled === false ? 0 : 1,
    created_at: now,
    updated_at: now,
  };
  await insertEmbedConfig(ctx.db, config);

  const keys = new Set(opts.keys ?? ['hs', 'rs', 'es', 'account']);
  const hs = keys.has('hs') ? await addSigningSecret(ctx, configId, { kid: 'hs1' }) : { kid: 'hs1', secret: randomSigningSecret() };
  const rs = { kid: 'rs1', ...testRsaKeyPair() };
  if (keys.has('rs')) await addPublicKey(ctx, configId, { kid: rs.kid, alg: 'RS256', publicPem: rs.publicPem });
  const es = { kid: 'es1', ...testEcKeyPair() };
  if (keys.has('es')) await addPublicKey(ctx, configId, { kid: es.kid, alg: 'ES256', publicPem: es.publicPem });
  const accountId = 'onprem-1';
  const account = keys.has('account')
    ? { ...(await addSigningSecret(ctx, configId, { kid: 'acct1', accountId })), accountId }
    : { kid: 'acct1', secret: randomSigningSecret(), accountId };

  const claims = (overrides: Record<string, unknown> = {}) => {
    const iat = Math.floor(ctx.clock.now() / 1000);
    const all: Record<string, unknown> = {
      aud: configId,
      embed_user_id: 'user-1',
      embed_account_id: 'acme',
      embed_user_name: 'Ada Lovelace',
      iat,
      exp: iat + 600,
      ...overrides,
    };
    for (const [k, v] of Object.entries(all)) if (v === undefined) delete all[k];
    return all;
  };

  const signer = (key: FixtureKey): { alg: 'HS256' | 'RS256' | 'ES256'; key: string | KeyObject; kid: string } => {
    switch (key) {
      case 'hs':
        return { alg: 'HS256', key: hs.secret, kid: hs.kid };
      case 'rs':
        return { alg: 'RS256', key: rs.privateKey, kid: rs.kid };
      case 'es':
        return { alg: 'ES256', key: es.privateKey, kid: es.kid };
      case 'account':
        return { alg: 'HS256', key: account.secret, kid: account.kid };
    }
  };

  return {
    configId,
    config,
    hs,
    rs,
    es,
    account,
    claims,
    token(overrides = {}, o = {}) {
      const key = o.key ?? 'hs';
      const s = signer(key);
      const base = key === 'account' ? { embed_account_id: accountId, ...overrides } : overrides;
      const kid = o.kid === undefined ? s.kid : o.kid;
      return signToken(claims(base), {
        alg: s.alg,
        key: s.key,
        ...(kid === null ? {} : { kid }),
        ...(o.header ? { header: o.header } : {}),
      });
    },
  };
}

/** Signs claims with jsonwebtoken as a vendor backend would; `iat` is never added behind the test's back. */
export function signToken(
  claims: Record<string, unknown>,
  opts: { alg: jwt.Algorithm; key: string | Buffer | KeyObject; kid?: string; header?: Record<string, unknown> },
): string {
  return jwt.sign(claims, opts.key, {
    algorithm: opts.alg,
    // jsonwebtoken keeps a given iat but drops it under noTimestamp; only suppress the implicit one
    noTimestamp: claims.iat === undefined,
    ...(opts.kid === undefined ? {} : { keyid: opts.kid }),
    ...(opts.header ? { header: { alg: opts.alg, ...opts.header } } : {}),
  });
}

/**
 * Builds a token by hand for attacks jsonwebtoken refuses to sign: any header (`alg: nOnE`),
 * an HMAC over a public PEM, or a literal signature (empty by default).
 */
export function forgeToken(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  opts: { hmacSecret?: string | Buffer; hmacAlg?: 'sha256' | 'sha384' | 'sha512'; signature?: string } = {},
): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const signature =
    opts.hmacSecret === undefined
      ? (opts.signature ?? '')
      : crypto
          .createHmac(opts.hmacAlg ?? 'sha256', opts.hmacSecret)
          .update(input)
          .digest('base64url');
  return `${input}.${signature}`;
}

/** Base64url of a UTF-8 string (for raw header/payload JSON, e.g. with duplicate member names). */
export function b64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

/** Accepts the consent screen of a session answer when it asks for consent, as the iframe does (throws unless 200). */
export async function acceptConsent(
  s: TestServer,
  sessionToken: string,
  session: { config: { consent: { enabled: boolean; given: boolean } } },
): Promise<void> {
  if (!session.config.consent.enabled || session.config.consent.given) return;
  const res = await s.request('POST', '/embed/api/consent', { token: sessionToken });
  if (res.status !== 200) throw new Error(`consent failed: ${res.status} ${res.text}`);
}

import { z } from 'zod';
import { parseKey } from './crypto/keyring.ts';

const HOW_TO_MAKE_A_KEY =
  "Make one with `patchbay keys generate` or `node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"`.";

const keySchema = z
  .string({ error: `PATCHBAY_ENCRYPTION_KEY is missing. It must be 32 random bytes, base64. ${HOW_TO_MAKE_A_KEY}` })
  .refine((v) => parseKey(v) !== null, {
    message: `PATCHBAY_ENCRYPTION_KEY is malformed: it must be 32 random bytes, base64 (44 characters). ${HOW_TO_MAKE_A_KEY}`,
  });

function isPostgresUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'postgres:' || url.protocol === 'postgresql:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const booleanText = z.enum(['true', 'false', '1', '0', '']).transform((v) => v === 'true' || v === '1');

/** The environment Patchbay reads (docs/running.md); nothing else reads `process.env`. */
export const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  PATCHBAY_HOST: z.string().default('0.0.0.0'),
  PATCHBAY_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  PATCHBAY_DB: z.string().min(1).default('./data/patchbay.db'),
  PATCHBAY_DATABASE_URL: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === '' ? null : v))
    .refine((v) => v === null || isPostgresUrl(v), {
      message:
        'PATCHBAY_DATABASE_URL must be a postgres:// or postgresql:// URL, e.g. postgres://patchbay:secret@db.internal:5432/patchbay',
    }),
  PATCHBAY_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(1000).default(10),
  PATCHBAY_ENCRYPTION_KEY: keySchema,
  PATCHBAY_PREVIOUS_ENCRYPTION_KEYS: z
    .string()
    .default('')
    .refine(
      (v) =>
        v
          .split(',')
          .filter(Boolean)
          .every((k) => parseKey(k) !== null),
      {
        message: 'PATCHBAY_PREVIOUS_ENCRYPTION_KEYS must be a comma-separated list of base64 32-byte keys',
      },
    ),
  PATCHBAY_ALLOW_INSECURE_LOOPBACK: booleanText.default(false),
  PATCHBAY_TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  PATCHBAY_LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
  PATCHBAY_SESSION_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(120),
  PATCHBAY_LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  PATCHBAY_LOGIN_IP_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(30),
  PATCHBAY_PASSWORD_HASH_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(2),
  PATCHBAY_PASSWORD_HASH_MAX_WAIT_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  PATCHBAY_CREDENTIAL_USER_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  PATCHBAY_CREDENTIAL_CONFIG_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(300),
  PATCHBAY_WEBHOOK_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  PATCHBAY_WORKER: booleanText.default(true),
  PATCHBAY_RUN_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(30),
});

/** Parsed, frozen configuration passed down from the entry point. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Public base URL without a trailing slash, e.g. `https://patchbay.example.com`. */
  readonly publicUrl: string;
  /** The SQLite file, used unless {@link Config.databaseUrl} is set. */
  readonly dbFile: string;
  /** The PostgreSQL URL (`PATCHBAY_DATABASE_URL`); null selects SQLite at {@link Config.dbFile}. */
  readonly databaseUrl: string | null;
  /** Connections in the PostgreSQL pool. */
  readonly databasePoolSize: number;
  readonly encryptionKey: Buffer;
  readonly previousEncryptionKeys: readonly Buffer[];
  readonly allowInsecureLoopback: boolean;
  readonly trustProxyHops: number;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | 'silent';
  /** Embed token exchanges per minute per client IP. */
  readonly sessionRateLimit: number;
  /** Admin login attempts per 15 minutes per client IP and e-mail. */
  readonly loginRateLimit: number;
  /** Admin login attempts per 15 minutes per client IP, whatever the e-mail. */
  readonly loginIpRateLimit: number;
  /** Password checks (scrypt, on libuv's thread pool) running at once; the rest wait. */
  readonly passwordHashConcurrency: number;
  /** How long a password check waits for its turn before the sign-in answers 429. */
  readonly passwordHashMaxWaitMs: number;
  /** Basic/API-key credential checks from the iframe per 15 minutes per end user. */
  readonly credentialUserRateLimit: number;
  /** Basic/API-key credential checks from the iframe per 15 minutes per embed configuration. */
  readonly credentialConfigRateLimit: number;
  /** Inbound webhook requests (`POST /hooks/{token}`) per minute per webhook URL. */
  readonly webhookRateLimit: number;
  /** Whether `patchbay serve` runs the run worker and scheduler in-process (`PATCHBAY_WORKER`, default true; docs/runs.md). */
  readonly worker: boolean;
  /** Days finished runs are kept (`PATCHBAY_RUN_RETENTION_DAYS`, default 30). */
  readonly runRetentionDays: number;
}

/** Configuration could not be parsed; the message names each variable and what is wrong. */
export class ConfigError extends Error {}

/** Parses the environment once. Throws {@link ConfigError} with one line per problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = envSchema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => {
      const name = String(i.path[0] ?? 'environment');
      return i.message.startsWith(name) ? i.message : `${name}: ${i.message}`;
    });
    throw new ConfigError(`Patchbay cannot start:\n- ${lines.join('\n- ')}`);
  }
  const e = result.data;
  const publicUrl = (e.PATCHBAY_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    port: e.PORT,
    host: e.PATCHBAY_HOST,
    publicUrl,
    dbFile: e.PATCHBAY_DB,
    databaseUrl: e.PATCHBAY_DATABASE_URL,
    databasePoolSize: e.PATCHBAY_DATABASE_POOL_SIZE,
    encryptionKey: parseKey(e.PATCHBAY_ENCRYPTION_KEY) as Buffer,
    previousEncryptionKeys: Object.freeze(
      e.PATCHBAY_PREVIOUS_ENCRYPTION_KEYS.split(',')
        .filter(Boolean)
        .map((k) => parseKey(k) as Buffer),
    ),
    allowInsecureLoopback: e.PATCHBAY_ALLOW_INSECURE_LOOPBACK,
    trustProxyHops: e.PATCHBAY_TRUST_PROXY,
    logLevel: e.PATCHBAY_LOG_LEVEL,
    sessionRateLimit: e.PATCHBAY_SESSION_RATE_LIMIT,
    loginRateLimit: e.PATCHBAY_LOGIN_RATE_LIMIT,
    loginIpRateLimit: e.PATCHBAY_LOGIN_IP_RATE_LIMIT,
    passwordHashConcurrency: e.PATCHBAY_PASSWORD_HASH_CONCURRENCY,
    passwordHashMaxWaitMs: e.PATCHBAY_PASSWORD_HASH_MAX_WAIT_MS,
    credentialUserRateLimit: e.PATCHBAY_CREDENTIAL_USER_RATE_LIMIT,
    credentialConfigRateLimit: e.PATCHBAY_CREDENTIAL_CONFIG_RATE_LIMIT,
    webhookRateLimit: e.PATCHBAY_WEBHOOK_RATE_LIMIT,
    worker: e.PATCHBAY_WORKER,
    runRetentionDays: e.PATCHBAY_RUN_RETENTION_DAYS,
  });
}

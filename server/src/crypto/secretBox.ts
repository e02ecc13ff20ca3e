import crypto from 'node:crypto';
import type { Keyring } from './keyring.ts';

/** Where a ciphertext belongs. It is bound into the GCM tag, so a ciphertext moved elsewhere fails. */
export interface SecretLocation {
  readonly table: string;
  readonly row: string;
  readonly field: string;
}

/** Decryption failed: wrong key, wrong place, or tampered data. Never carries plaintext. */
export class DecryptError extends Error {
  constructor(
    readonly location: SecretLocation,
    reason: string,
  ) {
    super(`cannot decrypt ${location.table}.${location.field} of ${location.row}: ${reason}`);
  }
}

const VERSION = 'v1';

function aad(kid: string, at: SecretLocation): Buffer {
  return Buffer.from(JSON.stringify([VERSION, kid, at.table, at.row, at.field]), 'utf8');
}

/** The key id a ciphertext was written under, or null if it is not secretBox text. */
export function ciphertextKid(sealed: string): string | null {
  const parts = sealed.split('.');
  return parts.length === 5 && parts[0] === VERSION ? (parts[1] ?? null) : null;
}

/**
 * Encrypts with AES-256-GCM under the current key, a fresh 12-byte IV, and associated data that
 * binds the ciphertext to its table, row, field and key id. Format: `v1.kid.iv.ciphertext.tag`.
 */
export function seal(keyring: Keyring, at: SecretLocation, plaintext: string): string {
  const { kid, key } = keyring.current;
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(aad(kid, at));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, kid, iv.toString('base64url'), body.toString('base64url'), tag.toString('base64url')].join('.');
}

/** Decrypts what {@link seal} wrote for the same location; throws {@link DecryptError} otherwise. */
export function open(keyring: Keyring, at: SecretLocation, sealed: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) throw new DecryptError(at, 'not a sealed value');
  const [, kid, ivText, bodyText, tagText] = parts as [string, string, string, string, string];
  const dataKey = keyring.find(kid);
  if (!dataKey) throw new DecryptError(at, `key ${kid} is not in the keyring`);
  const iv = Buffer.from(ivText, 'base64url');
  const tag = Buffer.from(tagText, 'base64url');
  if (iv.length !== 12 || tag.length !== 16) throw new DecryptError(at, 'malformed');
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', dataKey.key, iv, { authTagLength: 16 });
    decipher.setAAD(aad(kid, at));
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(Buffer.from(bodyText, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new DecryptError(at, 'authentication failed');
  }
}

/** Seals a JSON value. */
export function sealJson(keyring: Keyring, at: SecretLocation, value: unknown): string {
  return seal(keyring, at, JSON.stringify(value));
}

/** Opens a sealed JSON value (parse it with a schema after). */
export function openJson(keyring: Keyring, at: SecretLocation, sealed: string): unknown {
  return JSON.parse(open(keyring, at, sealed));
}

import crypto from 'node:crypto';

/** A 32-byte AES key with its id. The id is derived from the key, so it cannot disagree with it. */
export interface DataKey {
  readonly kid: string;
  readonly key: Buffer;
}

/** The current key (all new ciphertext) and the previous ones (still readable, being rotated away). */
export interface Keyring {
  readonly current: DataKey;
  readonly previous: readonly DataKey[];
  /** Looks a key up by id. */
  find(kid: string): DataKey | undefined;
}

/** Derives the key id: the first 8 bytes of HMAC-SHA256(key, "patchbay key id"), hex. */
export function keyId(key: Buffer): string {
  return crypto.createHmac('sha256', key).update('patchbay key id').digest('hex').slice(0, 16);
}

/** A check value stored beside the key id, proving later that a key given at start-up is the same key. */
export function keyCheckValue(key: Buffer): string {
  return crypto.createHmac('sha256', key).update('patchbay key check').digest('base64url');
}

/** Parses a base64 key that must decode to exactly 32 bytes. Answers null when it does not. */
export function parseKey(base64: string): Buffer | null {
  const trimmed = base64.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed)) return null;
  const key = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return key.length === 32 ? key : null;
}

/** Builds a keyring from raw keys; the first is current. */
export function createKeyring(current: Buffer, previous: readonly Buffer[] = []): Keyring {
  const toKey = (key: Buffer): DataKey => ({ kid: keyId(key), key });
  const all = [toKey(current), ...previous.map(toKey)];
  const byId = new Map(all.map((k) => [k.kid, k]));
  return { current: all[0] as DataKey, previous: all.slice(1), find: (kid) => byId.get(kid) };
}

/** A new random key, base64 (what `patchbay keys generate` prints). */
export function generateKey(): string {
  return crypto.randomBytes(32).toString('base64');
}

import { z } from 'zod';
import type { Queryable } from '../db/database.ts';
import { findConsentState } from '../db/repos/endUsers.ts';
import { AppError } from '../errors.ts';
import type { EndUserPrincipal } from './principal.ts';

/** The consent column of an embed configuration, as the configuration service writes it (`text` null when unset). */
export const consentColumnSchema = z.object({ enabled: z.boolean(), text: z.string().nullish() });

const CONSENT_REQUIRED = {
  user: "The end user has not accepted this configuration's consent text yet; accept it first (POST /embed/api/consent)",
  account: "No one of this account has accepted this configuration's consent text yet; accept it first (POST /embed/api/consent)",
} as const;

/**
 * Whether the end user's configuration asks for consent and their sharing scope has not given it
 * (once per user at `user` level, once per account at `account` level). An unknown end user
 * counts as without consent.
 */
export async function consentMissing(db: Queryable, endUserId: string): Promise<boolean> {
  const state = await findConsentState(db, endUserId);
  if (!state) return true;
  return consentColumnSchema.parse(JSON.parse(state.consent)).enabled && state.given !== 1;
}

/** Throws `403 consent_required` unless the caller may change things (see {@link consentMissing}). */
export async function requireConsent(db: Queryable, p: EndUserPrincipal): Promise<void> {
  if (await consentMissing(db, p.endUserId)) throw new AppError('consent_required', CONSENT_REQUIRED[p.sharingLevel]);
}

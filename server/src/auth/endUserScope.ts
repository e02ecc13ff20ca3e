import { sql } from '../db/sql.ts';
import type { EndUserPrincipal } from './principal.ts';

/**
 * SQL condition: the connector auth (alias given) is visible to and usable by this end user
 * (docs/domain.md#sharing-levels). User level: only its owner. Account level: everyone of the same
 * account. Never across configurations. Vendor-owned auths (no owner, no account) are not end-user
 * objects.
 */
export function authUsableBy(p: EndUserPrincipal, alias = 'ca') {
  const a = sql.raw(alias);
  return sql`(${a}.config_id = ${p.configId} AND (
    (${a}.sharing_level = 'user' AND ${a}.owner_end_user_id = ${p.endUserId}) OR
    (${a}.sharing_level = 'account' AND ${a}.account_id = ${p.embedAccountId})))`;
}

/** SQL condition: the integration (alias given) is visible to and changeable by this end user. */
export function integrationUsableBy(p: EndUserPrincipal, alias = 'i') {
  const a = sql.raw(alias);
  return sql`(${a}.config_id = ${p.configId} AND (
    (${a}.sharing_level = 'user' AND ${a}.owner_end_user_id = ${p.endUserId}) OR
    (${a}.sharing_level = 'account' AND ${a}.account_id = ${p.embedAccountId})))`;
}

import type { AdminRole, ApiTokenScope } from '@patchbay/shared';

/** A member's permissions on one group. */
export interface GroupPermission {
  readonly view: boolean;
  readonly run: boolean;
  readonly manage: boolean;
}

/** An admin acting through an API token or the console's cookie session. */
export interface AdminPrincipal {
  readonly kind: 'admin';
  readonly via: 'api_token' | 'session';
  readonly adminUserId: string;
  readonly tokenId: string | null;
  readonly role: AdminRole;
  /** Scopes of the API token; a console session has all. */
  readonly scopes: ReadonlySet<ApiTokenScope>;
  /** Group permissions; only consulted for members. */
  readonly groups: ReadonlyMap<string, GroupPermission>;
  /** When the console session ends at the latest (console sessions only). */
  readonly sessionExpiresAt?: string;
}

/** An end user inside the iframe, identified by a verified embed token's session. */
export interface EndUserPrincipal {
  readonly kind: 'end_user';
  readonly endUserId: string;
  readonly configId: string;
  readonly embedUserId: string;
  readonly embedAccountId: string;
  readonly sharingLevel: 'user' | 'account';
  readonly sessionExpiresAt: string;
}

/** Who is calling. */
export type Principal = AdminPrincipal | EndUserPrincipal;

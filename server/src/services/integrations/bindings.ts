import type { FlowDefinition } from '@patchbay/shared';
import { authUsableBy } from '../../auth/endUserScope.ts';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import type { AppContext } from '../../context.ts';
import { findActiveProprietaryAuthId, findConnectorAuth } from '../../db/repos/connectorAuths.ts';
import { findEmbedConfig } from '../../db/repos/embedConfigs.ts';
import { vendorAuthConnectors } from '../../db/repos/flows.ts';
import { sql } from '../../db/sql.ts';
import type { FieldIssue } from '../../errors.ts';
import { AppError } from '../../errors.ts';

/**
 * Checks slot bindings against a flow's slots and answers the full set to store, for an
 * integration of the caller's configuration (`p.configId`) and sharing scope. `given` slots must
 * name a connector auth the caller may use there ({@link authUsableBy}), of the slot's connector,
 * and active; pre-filled slots take the vendor's auth and cannot be chosen, and that auth is only
 * bound when it is a vendor-owned, active auth of this configuration and of the slot's connector
 * (any other answers as a missing one: another configuration's auth never becomes this
 * integration's); a slot of the configuration's proprietary connector left out takes the caller's
 * proprietary auth; every other slot must end up bound (from `given`, else from `existing`).
 * Problems are named `body.bindings.<slot>`. Keys are looked up as own properties only, so a slot
 * named like an `Object.prototype` member is a slot like any other.
 */
export async function checkBindings(
  ctx: AppContext,
  p: EndUserPrincipal,
  def: FlowDefinition,
  given: Readonly<Record<string, string>>,
  existing: Readonly<Record<string, string>> = {},
): Promise<{ bindings: Record<string, string>; issues: FieldIssue[] }> {
  const issues: FieldIssue[] = [];
  const where = (slot: string) => `body.bindings.${slot}`;
  const slots = new Map(def.slots.map((s) => [s.key, s]));
  for (const key of Object.keys(given)) {
    const slot = slots.get(key);
    if (!slot) issues.push({ path: where(key), message: 'is not a connector slot of this flow' });
    else if (slot.connectorAuthId !== undefined)
      issues.push({ path: where(key), message: 'is pre-filled by the vendor and cannot be chosen' });
  }
  const vendorAuths = await vendorAuthConnectors(
    ctx.db,
    def.slots.flatMap((s) => (s.connectorAuthId ? [s.connectorAuthId] : [])),
    sql`ca.config_id = ${p.configId} AND ca.status = 'active'`,
  );
  const proprietaryConnector = (await findEmbedConfig(ctx.db, p.configId))?.proprietary_connector_id ?? null;
  const bindings: Record<string, string> = Object.create(null);
  for (const slot of def.slots) {
    if (slot.connectorAuthId !== undefined) {
      if (vendorAuths.get(slot.connectorAuthId) !== slot.connectorId) {
        throw new AppError('unprocessable', `The vendor's connection for "${slot.label}" is missing; this flow cannot be enabled now`);
      }
      bindings[slot.key] = slot.connectorAuthId;
      continue;
    }
    const chosen = Object.hasOwn(given, slot.key) ? given[slot.key] : undefined;
    if (chosen === undefined) {
      const kept =
        (Object.hasOwn(existing, slot.key) ? existing[slot.key] : undefined) ??
        (slot.connectorId === proprietaryConnector ? await proprietaryAuthOf(ctx, p, slot.connectorId) : undefined);
      if (kept === undefined) issues.push({ path: where(slot.key), message: `choose a connection for "${slot.label}"` });
      else bindings[slot.key] = kept;
      continue;
    }
    const auth = await findConnectorAuth(ctx.db, chosen, authUsableBy(p));
    if (!auth) issues.push({ path: where(slot.key), message: `connector auth "${chosen}" not found` });
    else if (auth.connector_id !== slot.connectorId) {
      issues.push({ path: where(slot.key), message: `must be a connection to "${slot.connectorId}", not "${auth.connector_id}"` });
    } else if (auth.status !== 'active') {
      issues.push({ path: where(slot.key), message: `the connection is ${auth.status.replace('_', ' ')}; reconnect or enable it first` });
    } else bindings[slot.key] = chosen;
  }
  return { bindings, issues };
}

/** The caller's active proprietary auth for a connector (credentials from the embed token), if any. */
async function proprietaryAuthOf(ctx: AppContext, p: EndUserPrincipal, connectorId: string): Promise<string | undefined> {
  return findActiveProprietaryAuthId(ctx.db, connectorId, authUsableBy(p));
}

import type { AppContext } from '../context.ts';
import { newId } from '../crypto/tokens.ts';
import { sql } from '../db/sql.ts';

/**
 * Rows other areas own (flows, end users, connector auths, integrations), written straight to
 * the database so the connector and embed-configuration tests do not depend on those APIs.
 */
export const fixtures = {
  /** A flow whose versions have the given slot connector ids; `current` picks the current version. */
  flow(ctx: AppContext, versions: string[][], current = versions.length): string {
    const id = newId('flow');
    const now = new Date(ctx.clock.now()).toISOString();
    ctx.db.run(sql`INSERT INTO flows (id, name, description, icon, current_version, created_at, updated_at)
      VALUES (${id}, ${`Flow ${id}`}, NULL, NULL, ${current}, ${now}, ${now})`);
    versions.forEach((connectorIds, i) => {
      const definition = {
        slots: connectorIds.map((connectorId, j) => ({ key: `s${j}`, connectorId, label: connectorId })),
        inputs: [],
        trigger: { type: 'manual' },
        steps: [],
      };
      ctx.db.run(sql`INSERT INTO flow_versions (flow_id, version, definition, created_at)
        VALUES (${id}, ${i + 1}, ${JSON.stringify(definition)}, ${now})`);
    });
    return id;
  },

  /** An end user of a configuration. */
  endUser(ctx: AppContext, configId: string): string {
    const id = newId('eu');
    const now = new Date(ctx.clock.now()).toISOString();
    ctx.db.run(sql`INSERT INTO end_users (id, config_id, account_id, user_id, first_seen_at, last_seen_at)
      VALUES (${id}, ${configId}, 'acct-1', ${id}, ${now}, ${now})`);
    return id;
  },

  /** A connector auth of an end user. */
  connectorAuth(ctx: AppContext, configId: string, connectorId: string): string {
    const id = newId('ca');
    const owner = fixtures.endUser(ctx, configId);
    const now = new Date(ctx.clock.now()).toISOString();
    ctx.db.run(sql`INSERT INTO connector_auths (id, config_id, connector_id, name, owner_end_user_id, account_id, sharing_level, status,
        created_at, updated_at)
      VALUES (${id}, ${configId}, ${connectorId}, 'Login', ${owner}, 'acct-1', 'user', 'active', ${now}, ${now})`);
    return id;
  },

  /** An enabled integration of a flow, bound to a connector auth in slot `s0`, with one run. */
  integration(ctx: AppContext, configId: string, flowId: string, connectorAuthId: string, flowVersion = 1): string {
    const id = newId('int');
    const owner = fixtures.endUser(ctx, configId);
    const now = new Date(ctx.clock.now()).toISOString();
    ctx.db.run(sql`INSERT INTO integrations (id, config_id, flow_id, flow_version, owner_end_user_id, account_id, sharing_level, scope_user_id,
        status, created_at, updated_at)
      VALUES (${id}, ${configId}, ${flowId}, ${flowVersion}, ${owner}, 'acct-1', 'user', ${owner}, 'enabled', ${now}, ${now})`);
    ctx.db.run(
      sql`INSERT INTO integration_bindings (integration_id, slot_key, connector_auth_id) VALUES (${id}, 's0', ${connectorAuthId})`,
    );
    ctx.db.run(sql`INSERT INTO runs (id, integration_id, trigger, status, not_before, created_at)
      VALUES (${newId('run')}, ${id}, 'manual', 'success', ${now}, ${now})`);
    return id;
  },
};

import type { AppContext } from '../context.ts';
import { newId } from '../crypto/tokens.ts';
import { insertConnectorAuthRow } from '../db/repos/connectorAuths.ts';
import { upsertEndUser } from '../db/repos/endUsers.ts';
import { insertFlow, insertFlowVersion } from '../db/repos/flows.ts';
import { insertIntegrationRow, replaceBindings } from '../db/repos/integrations.ts';
import { sql } from '../db/sql.ts';

/**
 * Rows other areas own (flows, end users, connector auths, integrations), written straight
 * through the repositories so the connector and embed-configuration tests do not depend on those
 * APIs. Runs have no repository yet (nothing in the server writes them), so their row is inserted
 * here.
 */
export const fixtures = {
  /** A flow whose versions have the given slot connector ids; `current` picks the current version. */
  async flow(ctx: AppContext, versions: string[][], current = versions.length): Promise<string> {
    const id = newId('flow');
    const now = new Date(ctx.clock.now()).toISOString();
    await insertFlow(ctx.db, {
      id,
      name: `Flow ${id}`,
      description: null,
      icon: null,
      current_version: current,
      created_at: now,
      updated_at: now,
    });
    for (const [i, connectorIds] of versions.entries()) {
      const definition = {
        slots: connectorIds.map((connectorId, j) => ({ key: `s${j}`, connectorId, label: connectorId })),
        inputs: [],
        trigger: { type: 'manual' },
        steps: [],
      };
      await insertFlowVersion(ctx.db, { flow_id: id, version: i + 1, definition: JSON.stringify(definition), created_at: now });
    }
    return id;
  },

  /** An end user of a configuration. */
  async endUser(ctx: AppContext, configId: string): Promise<string> {
    const id = newId('eu');
    const now = new Date(ctx.clock.now()).toISOString();
    await upsertEndUser(ctx.db, {
      id,
      config_id: configId,
      account_id: 'acct-1',
      user_id: id,
      name: null,
      email: null,
      language: null,
      account_name: null,
      seen_at: now,
    });
    return id;
  },

  /** A connector auth of an end user. */
  async connectorAuth(ctx: AppContext, configId: string, connectorId: string): Promise<string> {
    const id = newId('ca');
    const owner = await fixtures.endUser(ctx, configId);
    const now = new Date(ctx.clock.now()).toISOString();
    await insertConnectorAuthRow(ctx.db, {
      id,
      config_id: configId,
      connector_id: connectorId,
      name: 'Login',
      owner_end_user_id: owner,
      account_id: 'acct-1',
      sharing_level: 'user',
      proprietary: false,
      created_via: 'end_user',
      status: 'active',
      scopes: '[]',
      credentials_enc: null,
      credentials_version: 0,
      expires_at: null,
      created_at: now,
      last_refreshed_at: null,
    });
    return id;
  },

  /** An enabled integration of a flow, bound to a connector auth in slot `s0`, with one run. */
  async integration(ctx: AppContext, configId: string, flowId: string, connectorAuthId: string, flowVersion = 1): Promise<string> {
    const id = newId('int');
    const owner = await fixtures.endUser(ctx, configId);
    const now = new Date(ctx.clock.now()).toISOString();
    await insertIntegrationRow(ctx.db, {
      id,
      config_id: configId,
      flow_id: flowId,
      flow_version: flowVersion,
      owner_end_user_id: owner,
      account_id: 'acct-1',
      sharing_level: 'user',
      scope_user_id: owner,
      inputs: '{}',
      secret_inputs_enc: null,
      next_run_at: null,
      created_at: now,
    });
    await replaceBindings(ctx.db, id, { s0: connectorAuthId });
    await ctx.db.run(sql`INSERT INTO runs (id, integration_id, trigger, status, not_before, created_at)
      VALUES (${newId('run')}, ${id}, 'manual', 'success', ${now}, ${now})`);
    return id;
  },
};

import { type EmbedFlow, type EmbedFlowGroups, type FlowDefinition, storedFlowDefinitionSchema } from '@patchbay/shared';
import { z } from 'zod';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import type { AppContext } from '../../context.ts';
import { listConnectorSummaries } from '../../db/repos/connectors.ts';
import { listEmbedGroupFlows, listEmbedGroups } from '../../db/repos/embedConfigs.ts';
import { type FlowWithDefinitionRow, findFlowOfferedBy, findFlowVersion, listFlowsByIds } from '../../db/repos/flows.ts';
import { AppError } from '../../errors.ts';

/**
 * The flows a configuration offers its end users (`GET /embed/api/flows`): its groups in display
 * order, each flow's current version reduced to what the end user needs (slots, form, trigger),
 * never its steps.
 */

const highlightedSchema = z.array(z.string());

/** Parses a stored flow definition; a stored one that no longer parses is a server fault, not the caller's. */
export function parseDefinition(text: string, flowId: string, version: number): FlowDefinition {
  const parsed = storedFlowDefinitionSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new AppError('server_error', `The stored definition of flow ${flowId} version ${version} is invalid`);
  return parsed.data;
}

/** The definition of one version of a flow. */
export async function definitionOfVersion(ctx: AppContext, flowId: string, version: number): Promise<FlowDefinition> {
  const row = await findFlowVersion(ctx.db, flowId, version);
  if (!row) throw new AppError('server_error', `Flow ${flowId} has no version ${version}`);
  return parseDefinition(row.definition, flowId, version);
}

/** A flow as the end user sees it: no steps, no pre-filled auth ids, no default for a password input. */
export function toEmbedFlow(row: FlowWithDefinitionRow, def: FlowDefinition): EmbedFlow {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    icon: row.icon,
    version: row.current_version,
    slots: def.slots.map((s) => ({ key: s.key, connectorId: s.connectorId, label: s.label, prefilled: s.connectorAuthId !== undefined })),
    inputs: def.inputs.map((input) => {
      if (input.type !== 'password' || input.default === undefined) return input;
      const { default: _hidden, ...rest } = input;
      return rest;
    }),
    trigger: def.trigger,
  };
}

/** A flow offered by the configuration (in one of its groups) with its current definition, or undefined. */
export async function findOfferedFlow(
  ctx: AppContext,
  configId: string,
  flowId: string,
): Promise<{ row: FlowWithDefinitionRow; def: FlowDefinition } | undefined> {
  const row = await findFlowOfferedBy(ctx.db, configId, flowId);
  return row ? { row, def: parseDefinition(row.definition, row.id, row.current_version) } : undefined;
}

/** `GET /embed/api/flows`: the configuration's groups in order, with their flows and highlighted connectors. */
export async function listEmbedFlowGroups(ctx: AppContext, p: EndUserPrincipal): Promise<EmbedFlowGroups> {
  const groups = await listEmbedGroups(ctx.db, p.configId);
  const memberships = await listEmbedGroupFlows(ctx.db, p.configId);
  const flowIds = [...new Set(memberships.map((m) => m.flow_id))];
  const flows = new Map<string, EmbedFlow>();
  for (const row of await listFlowsByIds(ctx.db, flowIds)) {
    flows.set(row.id, toEmbedFlow(row, parseDefinition(row.definition, row.id, row.current_version)));
  }
  const highlightedIds = new Map(groups.map((g) => [g.id, highlightedSchema.parse(JSON.parse(g.highlighted_connectors))]));
  const allHighlighted = [...new Set([...highlightedIds.values()].flat())];
  const connectors = new Map(
    (await listConnectorSummaries(ctx.db, allHighlighted)).map((c) => [c.id, { id: c.id, name: c.name, iconUrl: c.icon_url }]),
  );
  return {
    groups: groups.map((g) => ({
      id: g.id,
      name: g.name,
      highlightedConnectors: (highlightedIds.get(g.id) ?? []).flatMap((id) => {
        const c = connectors.get(id);
        return c ? [c] : [];
      }),
      flows: memberships
        .filter((m) => m.group_id === g.id)
        .flatMap((m) => {
          const f = flows.get(m.flow_id);
          return f ? [f] : [];
        }),
    })),
  };
}

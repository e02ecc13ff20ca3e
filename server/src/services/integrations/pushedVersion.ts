import type { FlowDefinition } from '@patchbay/shared';
import { z } from 'zod';
import { enqueue, integrationSubject } from '../../callbacks/outbox.ts';
import { type AppContext, nowIso } from '../../context.ts';
import { sealJson } from '../../crypto/secretBox.ts';
import { secretLocation } from '../../crypto/secretColumns.ts';
import { listIntegrationsOfFlow, setIntegrationStatus, setNextRunAt, updateIntegrationInputs } from '../../db/repos/integrations.ts';
import { recordAudit } from '../audit/recordAudit.ts';
import { armTrigger } from './enabling.ts';
import { openSecretInputs } from './forEmbed.ts';
import { type InputValue, inputIssues } from './inputs.ts';

/**
 * A new flow version pushed to the flow's integrations (docs/runs.md, "Schedules"): every one is
 * checked against the new form and re-armed, in the push's transaction.
 *
 * - Inputs: stored values of inputs the new version dropped are left out; defaults of new inputs
 *   are filled in; what is left must pass the new form (types, options, patterns, required). An
 *   enabled integration whose inputs no longer fit is disabled by `system`: an audit event
 *   `integration.disabled` with `reason: "inputs_invalid"` and the problems, and the
 *   `integration.disabled` callback (with `disabledBy` and `reason`). The end user can fix the
 *   inputs and enable it again.
 * - Trigger: an enabled integration's `nextRunAt` is computed anew from the push (`everyMinutes`
 *   counts from now, `cron` takes its next slot, other triggers clear it); a webhook version gives
 *   it an inbound URL.
 */

const plainSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));

/** What the push did to the flow's integrations. */
export interface PushOutcome {
  /** Integrations disabled because their inputs do not fit the new version. */
  readonly disabled: readonly string[];
}

/** The reason recorded when a pushed version disables an integration. */
export const INPUTS_INVALID = 'inputs_invalid';

/** Re-checks and re-arms every integration of `flowId` on its new version `def`; see the module comment. */
export async function applyPushedVersion(txCtx: AppContext, flowId: string, def: FlowDefinition): Promise<PushOutcome> {
  const known = new Set(def.inputs.map((i) => i.key));
  const disabled: string[] = [];
  const now = nowIso(txCtx);
  for (const row of await listIntegrationsOfFlow(txCtx.db, flowId)) {
    const parsed = plainSchema.safeParse(JSON.parse(row.inputs));
    const given: Record<string, InputValue> = Object.create(null);
    for (const [k, v] of Object.entries(parsed.success ? parsed.data : {})) if (known.has(k)) given[k] = v;
    const storedSecrets = openSecretInputs(txCtx, row.id, row.secret_inputs_enc ?? undefined);
    const { checked, issues } = inputIssues(def.inputs, given, { where: 'inputs', storedSecrets });
    if (issues.length > 0) {
      if (row.status !== 'enabled') continue;
      await setIntegrationStatus(txCtx.db, row.id, 'disabled', 'system', now);
      await setNextRunAt(txCtx.db, row.id, null);
      const subject = await integrationSubject(txCtx.db, row.id);
      await recordAudit(
        txCtx,
        { kind: 'system' },
        {
          action: 'integration.disabled',
          objectType: 'integration',
          objectId: row.id,
          configId: subject?.configId ?? null,
          details: { flowId, reason: INPUTS_INVALID, issues: issues.map((i) => ({ path: i.path, message: i.message })) },
        },
      );
      if (subject) {
        const { flowId: _flow, status, ...who } = subject;
        await enqueue(txCtx, {
          type: 'integration.disabled',
          subject: who,
          objectId: row.id,
          fields: { integrationId: row.id, flowId, status, disabledBy: 'system', reason: INPUTS_INVALID },
        });
      }
      disabled.push(row.id);
      continue;
    }
    const plainText = JSON.stringify(checked.plain);
    const secretKeys = Object.keys(checked.secret);
    const secretsChanged = secretKeys.length !== Object.keys(storedSecrets).length;
    if (plainText !== JSON.stringify(parsed.success ? parsed.data : {}) || secretsChanged) {
      const sealed =
        secretKeys.length === 0
          ? null
          : sealJson(txCtx.keyring, secretLocation('integrations', 'secret_inputs_enc', row.id), checked.secret);
      await updateIntegrationInputs(txCtx.db, row.id, plainText, sealed, now);
    }
    if (row.status === 'enabled') await armTrigger(txCtx, row.id, def);
  }
  return { disabled };
}

import type { FlowDefinition } from '@patchbay/shared';
import type { AppContext } from '../../context.ts';
import { setNextRunAt } from '../../db/repos/integrations.ts';
import { firstRunAt, scheduleOf } from '../../runs/schedule.ts';
import { ensureWebhookToken } from './webhooks.ts';

/**
 * What enabling an integration (first time, again by the end user or an admin, or moving it to a
 * new flow version) sets up for its trigger (docs/runs.md, "Schedules", "Webhooks").
 */

/** When a scheduled integration enabled at `nowMs` first runs (`everyMinutes` and `cron` alike); null for other triggers. */
export function firstRunIso(def: Pick<FlowDefinition, 'trigger'>, nowMs: number): string | null {
  const schedule = scheduleOf(def.trigger);
  const at = schedule ? firstRunAt(schedule, nowMs) : null;
  return at === null ? null : new Date(at).toISOString();
}

/**
 * An integration is (again) enabled on `def`: its first schedule slot counts from now, and a webhook
 * flow's integration gets its inbound URL. Call inside the enabling transaction.
 */
export async function armTrigger(txCtx: AppContext, integrationId: string, def: Pick<FlowDefinition, 'trigger'>): Promise<void> {
  await setNextRunAt(txCtx.db, integrationId, firstRunIso(def, txCtx.clock.now()));
  if (def.trigger.type === 'webhook') await ensureWebhookToken(txCtx, integrationId);
}

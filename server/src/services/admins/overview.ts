import type { Overview } from '@patchbay/shared';
import { configVisible, integrationVisible } from '../../auth/permissions.ts';
import type { AdminPrincipal } from '../../auth/principal.ts';
import { type AppContext, nowIso } from '../../context.ts';
import { countCallbacksFailedSince } from '../../db/repos/callbackDeliveries.ts';
import {
  countConnectorAuthsInStatus,
  countIntegrationsByStatus,
  countRunsByDayAndStatus,
  countRunsFinishedSince,
} from '../../db/repos/overview.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
/** Days in the chart, today included. */
const CHART_DAYS = 7;

/**
 * The console's landing numbers over what `p` may view: integrations by status, connector auths
 * that need reconnecting, runs that failed or succeeded and callback deliveries that failed for good
 * (created) in the last 24 hours, and runs per UTC day
 * by status over the last 7 days (each day present, oldest first).
 */
export async function overviewFor(ctx: AppContext, p: AdminPrincipal): Promise<Overview> {
  const at = nowIso(ctx);
  const now = Date.parse(at);
  const dayAgo = new Date(now - DAY_MS).toISOString();
  const firstDay = new Date(now - (CHART_DAYS - 1) * DAY_MS).toISOString().slice(0, 10);
  const runVisible = integrationVisible(p, 'view', 'i.config_id', 'i.flow_id');
  const [integrations, needsReauth, runsFailed, runsSucceeded, byDay, callbacksFailed] = await Promise.all([
    countIntegrationsByStatus(ctx.db, runVisible),
    countConnectorAuthsInStatus(ctx.db, 'needs_reauth', configVisible(p, 'view', 'ca.config_id')),
    countRunsFinishedSince(ctx.db, 'error', dayAgo, runVisible),
    countRunsFinishedSince(ctx.db, 'success', dayAgo, runVisible),
    countRunsByDayAndStatus(ctx.db, `${firstDay}T00:00:00.000Z`, runVisible),
    countCallbacksFailedSince(ctx.db, dayAgo, configVisible(p, 'view', 'd.config_id')),
  ]);
  const runsByDay: Overview['runsByDay'] = [];
  for (let k = CHART_DAYS - 1; k >= 0; k -= 1) {
    const date = new Date(now - k * DAY_MS).toISOString().slice(0, 10);
    const day = { date, success: 0, error: 0, canceled: 0, pending: 0 };
    for (const r of byDay) {
      if (r.day !== date) continue;
      if (r.status === 'success' || r.status === 'error' || r.status === 'canceled') day[r.status] += r.n;
      else day.pending += r.n;
    }
    runsByDay.push(day);
  }
  return {
    at,
    integrations,
    connectorAuths: { needsReauth },
    last24h: { runsFailed, runsSucceeded, callbacksFailed },
    runsByDay,
  };
}

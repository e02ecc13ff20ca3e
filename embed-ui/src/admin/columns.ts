import type { CallbackDelivery, ConnectorAuth, Integration, Run } from '@patchbay/shared';
import type { Lookups } from './context.ts';
import type { MessageKey, Translate } from './i18n.ts';

/** What a column's text needs besides its row. */
export interface CellContext {
  t: Translate;
  lookups: Lookups;
  date(iso: string | null | undefined): string;
}

/** A column of a console table: its header (a dictionary key) and the text of a row's cell. */
export interface ColumnDef<Row> {
  key: string;
  header: MessageKey;
  text(row: Row, c: CellContext): string;
}

const DASH = '—';

/** The names of the groups of a configuration that offer a flow. */
export function groupNames(lookups: Lookups, configId: string, flowId: string): string {
  const groups = lookups.configs.get(configId)?.groups.filter((g) => g.flowIds.includes(flowId)) ?? [];
  return groups.length > 0 ? groups.map((g) => g.name).join(', ') : DASH;
}

/** "Enabled", "Disabled by an administrator", … */
export function integrationStatusText(row: Pick<Integration, 'status' | 'disabledBy'>, t: Translate): string {
  if (row.status === 'enabled') return t('statusEnabled');
  return row.disabledBy === 'admin'
    ? t('disabledByAdmin')
    : row.disabledBy === 'system'
      ? t('disabledBySystem')
      : row.disabledBy === 'user'
        ? t('disabledByUser')
        : t('statusDisabled');
}

const RUN_STATUS: Record<Run['status'], MessageKey> = {
  queued: 'runQueued',
  running: 'runRunning',
  success: 'runSuccess',
  error: 'runError',
  canceled: 'runCanceled',
};

/** "Queued", "Running", "Succeeded", "Failed", "Canceled". */
export const runStatusText = (status: Run['status'], t: Translate): string => t(RUN_STATUS[status]);

/** The badge tone of a run status. */
export const runTone = (status: Run['status']): 'ok' | 'bad' | 'info' | 'off' =>
  status === 'success' ? 'ok' : status === 'error' ? 'bad' : status === 'canceled' ? 'off' : 'info';

/** What started a run: "Schedule", "Webhook", "End user", "Admin", "Retry". */
export const triggerText = (trigger: Run['trigger'], t: Translate): string => t(`trigger_${trigger}` as MessageKey);

/** A duration for people: "850 ms", "12.3 s", "4 min 5 s"; "—" for none. */
export function durationText(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${s % 60} s`;
}

/** The Runs table: status, trigger, integration, duration, attempt (SPEC §12); the first column links to the run. */
export const RUN_COLUMNS: readonly ColumnDef<Run>[] = [
  { key: 'id', header: 'colRun', text: (r) => r.id },
  { key: 'status', header: 'colStatus', text: (r, c) => runStatusText(r.status, c.t) },
  { key: 'trigger', header: 'colTrigger', text: (r, c) => triggerText(r.trigger, c.t) },
  { key: 'integration', header: 'colIntegration', text: (r) => r.integrationId },
  { key: 'flow', header: 'colEmbedFlow', text: (r, c) => c.lookups.flows.get(r.flowId)?.name ?? r.flowId },
  { key: 'userId', header: 'colUserId', text: (r) => r.userId },
  { key: 'created', header: 'created', text: (r, c) => c.date(r.createdAt) },
  { key: 'duration', header: 'colDuration', text: (r) => durationText(r.durationMs) },
  { key: 'attempt', header: 'colAttempt', text: (r, c) => c.t('attemptOf', { n: r.attempt, max: r.maxAttempts }) },
];

/** "Pending", "Delivered", "Failed". */
export const deliveryStatusText = (status: CallbackDelivery['status'], t: Translate): string => t(`delivery_${status}` as MessageKey);

/** The badge tone of a delivery status. */
export const deliveryTone = (status: CallbackDelivery['status']): 'ok' | 'bad' | 'info' =>
  status === 'delivered' ? 'ok' : status === 'failed' ? 'bad' : 'info';

/** The Callbacks table: each delivery with its status and attempts. */
export const DELIVERY_COLUMNS: readonly ColumnDef<CallbackDelivery>[] = [
  { key: 'id', header: 'colDelivery', text: (r) => r.id },
  { key: 'eventType', header: 'colEventType', text: (r) => r.eventType },
  { key: 'status', header: 'colStatus', text: (r, c) => deliveryStatusText(r.status, c.t) },
  { key: 'configName', header: 'colConfigName', text: (r, c) => c.lookups.configs.get(r.configId)?.name ?? r.configId },
  { key: 'attempts', header: 'colAttempts', text: (r) => String(r.attemptCount) },
  { key: 'lastStatus', header: 'colLastStatusCode', text: (r) => (r.lastStatusCode === null ? DASH : String(r.lastStatusCode)) },
  { key: 'created', header: 'created', text: (r, c) => c.date(r.createdAt) },
  {
    key: 'next',
    header: 'colNextAttempt',
    text: (r, c) => (r.status === 'delivered' ? `${c.t('colDelivered')} ${c.date(r.deliveredAt)}` : c.date(r.nextAttemptAt)),
  },
];

/** The integration's latest run (`latestRun`): status and when, or "No runs yet". */
export function latestRunText(row: Pick<Integration, 'latestRun'>, c: Pick<CellContext, 't' | 'date'>): string {
  if (!row.latestRun) return c.t('noRunsYet');
  return `${runStatusText(row.latestRun.status, c.t)} · ${c.date(row.latestRun.at)}`;
}

/** "User" or "Account". */
export const sharingText = (level: 'user' | 'account', t: Translate): string => t(level === 'user' ? 'sharingUser' : 'sharingAccount');

/** The Integrations table, in Locoia's order (SPEC §12); the first column links to the detail view. */
export const INTEGRATION_COLUMNS: readonly ColumnDef<Integration>[] = [
  { key: 'id', header: 'colIntegration', text: (r) => r.id },
  { key: 'status', header: 'colStatus', text: (r, c) => integrationStatusText(r, c.t) },
  { key: 'latestRun', header: 'colLatestRun', text: (r, c) => latestRunText(r, c) },
  { key: 'flow', header: 'colEmbedFlow', text: (r, c) => c.lookups.flows.get(r.flowId)?.name ?? r.flowId },
  { key: 'configId', header: 'colConfigId', text: (r) => r.configId },
  { key: 'configName', header: 'colConfigName', text: (r, c) => c.lookups.configs.get(r.configId)?.name ?? DASH },
  { key: 'group', header: 'colGroupName', text: (r, c) => groupNames(c.lookups, r.configId, r.flowId) },
  { key: 'userId', header: 'colUserId', text: (r) => r.userId },
  { key: 'accountId', header: 'colAccountId', text: (r) => r.accountId },
  { key: 'sharing', header: 'colSharingLevel', text: (r, c) => sharingText(r.sharingLevel, c.t) },
];

const AUTH_STATUS: Record<ConnectorAuth['status'], MessageKey> = {
  active: 'authActive',
  needs_reauth: 'authNeedsReauth',
  revoked: 'authRevoked',
  disabled: 'authDisabled',
};

/** "Active", "Needs reconnect", "Revoked", "Disabled by an administrator", … */
export function authStatusText(row: Pick<ConnectorAuth, 'status' | 'disabledBy'>, t: Translate): string {
  if (row.status === 'disabled' && row.disabledBy === 'admin') return t('disabledByAdmin');
  if (row.status === 'disabled' && row.disabledBy === 'user') return t('disabledByUser');
  return t(AUTH_STATUS[row.status]);
}

/** The Connector auths table (SPEC §12). */
export const CONNECTOR_AUTH_COLUMNS: readonly ColumnDef<ConnectorAuth>[] = [
  { key: 'name', header: 'colAuthName', text: (r) => r.name },
  { key: 'connector', header: 'colConnector', text: (r, c) => c.lookups.connectors.get(r.connectorId)?.name ?? r.connectorId },
  { key: 'status', header: 'colStatus', text: (r, c) => authStatusText(r, c.t) },
  { key: 'userId', header: 'colUserId', text: (r) => r.userId ?? DASH },
  { key: 'accountId', header: 'colAccountId', text: (r) => r.accountId ?? DASH },
  { key: 'sharing', header: 'colSharingLevel', text: (r, c) => sharingText(r.sharingLevel, c.t) },
  { key: 'proprietary', header: 'colProprietary', text: (r, c) => c.t(r.proprietary ? 'yes' : 'no') },
  { key: 'lastRefreshed', header: 'colLastRefreshed', text: (r, c) => c.date(r.lastRefreshedAt) },
  { key: 'lastUsed', header: 'colLastUsed', text: (r, c) => c.date(r.lastUsedAt) },
];

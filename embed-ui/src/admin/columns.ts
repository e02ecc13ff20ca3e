import type { ConnectorAuth, Integration } from '@patchbay/shared';
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

const RUN_STATUS: Record<NonNullable<Integration['latestRun']>['status'], MessageKey> = {
  queued: 'runQueued',
  running: 'runRunning',
  success: 'runSuccess',
  error: 'runError',
};

/** The integration's latest run (`latestRun`): status and when, or "No runs yet". */
export function latestRunText(row: Pick<Integration, 'latestRun'>, c: Pick<CellContext, 't' | 'date'>): string {
  if (!row.latestRun) return c.t('noRunsYet');
  return `${c.t(RUN_STATUS[row.latestRun.status])} · ${c.date(row.latestRun.at)}`;
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

import type { Integration, Run } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import { type CellContext, INTEGRATION_COLUMNS } from '../columns.ts';
import type { TableColumn } from '../components/DataTable.tsx';
import { Badge, Empty, ErrorAlert } from '../components/Feedback.tsx';
import { Filters } from '../components/Filters.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { type ConsoleContext, useConsole } from '../context.ts';
import { usePagedList } from '../hooks.ts';
import { canOnIntegration } from '../permissions.ts';
import { readFilters, sectionPath } from '../router.ts';
import { QueuedRunNotice, RunNowButton } from './Runs.tsx';

/** The Integrations list's URL filters. */
export const INTEGRATION_FILTERS = {
  configId: 'text',
  flowId: 'text',
  status: ['enabled', 'disabled'],
  userId: 'text',
  accountId: 'text',
} as const;

/** Columns holding ids, shown in monospace and never broken. */
const MONO = new Set(['configId', 'userId', 'accountId']);

/** Disables an enabled integration or enables a disabled one, and says so; answers the changed integration. */
export async function toggleIntegration(c: ConsoleContext, row: Integration): Promise<Integration> {
  const route = row.status === 'enabled' ? 'POST /integrations/{id}/disable' : 'POST /integrations/{id}/enable';
  const updated = await c.api.call(route, { params: { id: row.id } });
  c.announce(c.t(updated.status === 'enabled' ? 'integrationEnabledMsg' : 'integrationDisabledMsg', { id: updated.id }));
  return updated;
}

/** Disable / Enable for one integration, shown only with `manage` on its group. */
export function IntegrationToggle({
  row,
  onChanged,
  onError,
}: {
  row: Integration;
  onChanged(i: Integration): void;
  onError(e: unknown): void;
}) {
  const c = useConsole();
  const [busy, setBusy] = useState(false);
  if (!canOnIntegration(c.me, 'manage', c.lookups.configs, row.configId, row.flowId)) return null;
  const click = async () => {
    setBusy(true);
    try {
      onChanged(await toggleIntegration(c, row));
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class="pb-btn pb-btn-small" disabled={busy} onClick={() => void click()}>
      {c.t(row.status === 'enabled' ? 'disable' : 'enable')}
    </button>
  );
}

/** The integration with a just-queued run as its latest run. */
export const withQueuedRun = (row: Integration, run: Run): Integration => ({
  ...row,
  latestRun: { id: run.id, status: 'queued', at: run.createdAt },
});

/** Every end user's integrations (a member's: those of the groups it may view), filtered on the server, paged by cursor. */
export function Integrations({ search }: { search: string }) {
  const c = useConsole();
  const { t, api, lookups } = c;
  const filters = readFilters(search, INTEGRATION_FILTERS);
  const [actionError, setActionError] = useState<unknown>();
  const [queued, setQueued] = useState<Run>();
  const list = usePagedList(
    (cursor) => api.call('GET /integrations', { query: { ...filters, cursor, limit: 50 } }),
    (i) => i.id,
    [search],
  );
  const cellContext: CellContext = { t, lookups, date: c.date };
  const columns: TableColumn<Integration>[] = INTEGRATION_COLUMNS.map((col) => ({
    key: col.key,
    header: t(col.header),
    cell: (row: Integration) => {
      const text = col.text(row, cellContext);
      if (col.key === 'id')
        return (
          <Link href={sectionPath('integrations', row.id)} class="pb-mono">
            {text}
          </Link>
        );
      if (col.key === 'status') return <Badge tone={row.status === 'enabled' ? 'ok' : 'off'}>{text}</Badge>;
      return MONO.has(col.key) ? <span class="pb-mono">{text}</span> : text;
    },
  }));
  columns.push({
    key: 'actions',
    header: t('colActions'),
    actions: true,
    cell: (row) => (
      <div class="pb-actions">
        <RunNowButton
          row={row}
          onQueued={(run) => {
            setActionError(undefined);
            setQueued(run);
            list.replace(withQueuedRun(row, run));
          }}
          onError={setActionError}
        />
        <IntegrationToggle row={row} onChanged={list.replace} onError={setActionError} />
      </div>
    ),
  });
  const filtered = Object.keys(filters).length > 0;
  return (
    <>
      <PageHeader title={t('navIntegrations')} />
      <Filters
        label={t('filtersOf', { list: t('navIntegrations') })}
        pathname={sectionPath('integrations')}
        values={filters}
        fields={[
          {
            key: 'configId',
            label: t('filterConfiguration'),
            kind: 'select',
            options: [...lookups.configs.values()].map((x) => ({ value: x.id, label: x.name })),
          },
          {
            key: 'flowId',
            label: t('filterFlow'),
            kind: 'select',
            options: [...lookups.flows.values()].map((x) => ({ value: x.id, label: x.name })),
          },
          {
            key: 'status',
            label: t('colStatus'),
            kind: 'select',
            options: [
              { value: 'enabled', label: t('statusEnabled') },
              { value: 'disabled', label: t('statusDisabled') },
            ],
          },
          { key: 'userId', label: t('colUserId'), kind: 'text' },
          { key: 'accountId', label: t('colAccountId'), kind: 'text' },
        ]}
      />
      <ErrorAlert error={actionError} />
      <QueuedRunNotice run={queued} />
      <PagedTable
        list={list}
        caption={t('navIntegrations')}
        columns={columns}
        rowKey={(r) => r.id}
        clearFiltersHref={filtered ? sectionPath('integrations') : undefined}
        empty={
          <Empty title={t('noIntegrations')}>
            <p>{t('noIntegrationsNext')}</p>
          </Empty>
        }
      />
    </>
  );
}

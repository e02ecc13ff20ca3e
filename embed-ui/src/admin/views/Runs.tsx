import type { Integration, Run } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import { type CellContext, RUN_COLUMNS, runStatusText, runTone } from '../columns.ts';
import type { TableColumn } from '../components/DataTable.tsx';
import { Badge, Empty } from '../components/Feedback.tsx';
import { Filters } from '../components/Filters.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { useConsole } from '../context.ts';
import { type PagedList, usePagedList } from '../hooks.ts';
import { canOnIntegration } from '../permissions.ts';
import { readFilters, sectionPath } from '../router.ts';
import { localToIso } from './AuditLog.tsx';

const STATUSES = ['queued', 'running', 'success', 'error', 'canceled'] as const;
const TRIGGERS = ['schedule', 'webhook', 'manual', 'admin', 'retry'] as const;

/** The Runs list's URL filters (the run API's own names). */
export const RUN_FILTERS = {
  status: STATUSES,
  trigger: TRIGGERS,
  integrationId: 'text',
  configId: 'text',
  flowId: 'text',
  userId: 'text',
  accountId: 'text',
  createdAfter: 'text',
  createdBefore: 'text',
} as const;

/** Columns holding ids, shown in monospace. */
const MONO = new Set(['integration', 'userId']);

/** The runs table's columns: the run links to its page, the integration to its own. */
export function runColumns(c: CellContext): TableColumn<Run>[] {
  return RUN_COLUMNS.map((col) => ({
    key: col.key,
    header: c.t(col.header),
    cell: (row: Run) => {
      const text = col.text(row, c);
      if (col.key === 'id')
        return (
          <Link href={sectionPath('runs', row.id)} class="pb-mono">
            {text}
          </Link>
        );
      if (col.key === 'status') return <Badge tone={runTone(row.status)}>{runStatusText(row.status, c.t)}</Badge>;
      if (col.key === 'integration')
        return (
          <Link href={sectionPath('integrations', row.integrationId)} class="pb-mono">
            {text}
          </Link>
        );
      return MONO.has(col.key) ? <span class="pb-mono">{text}</span> : text;
    },
  }));
}

/** A paged table of runs with its states. */
export function RunTable({
  list,
  caption,
  clearFiltersHref,
}: {
  list: PagedList<Run>;
  caption: string;
  clearFiltersHref?: string | undefined;
}) {
  const c = useConsole();
  return (
    <PagedTable
      list={list}
      caption={caption}
      columns={runColumns({ t: c.t, lookups: c.lookups, date: c.date })}
      rowKey={(r) => r.id}
      clearFiltersHref={clearFiltersHref}
      empty={
        <Empty title={c.t('noRuns')}>
          <p>
            {c.t('noRunsNext')} <Link href={sectionPath('integrations')}>{c.t('navIntegrations')}</Link>
          </p>
        </Empty>
      }
    />
  );
}

/**
 * "Run now" for one integration (trigger `admin`), shown only with `run` on its group and while it
 * is enabled; says the run is queued and links to it.
 */
export function RunNowButton({ row, onQueued, onError }: { row: Integration; onQueued(run: Run): void; onError(e: unknown): void }) {
  const c = useConsole();
  const [busy, setBusy] = useState(false);
  if (row.status !== 'enabled' || !canOnIntegration(c.me, 'run', c.lookups.configs, row.configId, row.flowId)) return null;
  const click = async () => {
    setBusy(true);
    try {
      const { run } = await c.api.call('POST /integrations/{id}/runs', { params: { id: row.id }, body: {} });
      c.announce(c.t('runQueuedMsg', { id: run.id }));
      onQueued(run);
    } catch (e) {
      onError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <button type="button" class="pb-btn pb-btn-small" disabled={busy} onClick={() => void click()}>
      {c.t('runNow')}
    </button>
  );
}

/** Where the last "Run now" went: a link to the queued run. */
export function QueuedRunNotice({ run }: { run: Run | undefined }) {
  const { t } = useConsole();
  if (!run) return null;
  return (
    <p class="pb-notice">
      {t('runQueuedMsg', { id: run.id })} <Link href={sectionPath('runs', run.id)}>{t('openRun', { id: run.id })}</Link>
    </p>
  );
}

/** Every run an admin may view, newest first, filtered on the server (filters in the URL), paged by cursor. */
export function Runs({ search }: { search: string }) {
  const c = useConsole();
  const { t, api, lookups } = c;
  const filters = readFilters(search, RUN_FILTERS);
  const list = usePagedList(
    (cursor) =>
      api.call('GET /runs', {
        query: {
          ...filters,
          // Typed as local time (datetime-local), asked as ISO timestamps.
          createdAfter: localToIso(filters.createdAfter),
          createdBefore: localToIso(filters.createdBefore),
          cursor,
          limit: 50,
        },
      }),
    (r) => r.id,
    [search],
  );
  const filtered = Object.keys(filters).length > 0;
  return (
    <>
      <PageHeader title={t('navRuns')} />
      <Filters
        label={t('filtersOf', { list: t('navRuns') })}
        pathname={sectionPath('runs')}
        values={filters}
        fields={[
          {
            key: 'status',
            label: t('colStatus'),
            kind: 'select',
            options: STATUSES.map((s) => ({ value: s, label: runStatusText(s, t) })),
          },
          {
            key: 'trigger',
            label: t('colTrigger'),
            kind: 'select',
            options: TRIGGERS.map((s) => ({ value: s, label: t(`trigger_${s}`) })),
          },
          { key: 'integrationId', label: t('filterIntegration'), kind: 'text' },
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
          { key: 'userId', label: t('colUserId'), kind: 'text' },
          { key: 'accountId', label: t('colAccountId'), kind: 'text' },
          { key: 'createdAfter', label: t('runsCreatedAfter'), kind: 'datetime' },
          { key: 'createdBefore', label: t('runsCreatedBefore'), kind: 'datetime' },
        ]}
      />
      <RunTable list={list} caption={t('navRuns')} clearFiltersHref={filtered ? sectionPath('runs') : undefined} />
    </>
  );
}

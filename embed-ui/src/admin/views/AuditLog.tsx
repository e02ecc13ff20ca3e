import type { AuditEvent } from '@patchbay/shared';
import { Empty } from '../components/Feedback.tsx';
import { Filters } from '../components/Filters.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { useConsole } from '../context.ts';
import { allPages, useLoad, usePagedList } from '../hooks.ts';
import type { MessageKey } from '../i18n.ts';
import { isAdmin } from '../permissions.ts';
import { readFilters, sectionPath } from '../router.ts';

/** The audit log's URL filters. */
export const AUDIT_FILTERS = {
  action: 'text',
  actorType: ['admin', 'api_token', 'end_user', 'system'],
  objectType: 'text',
  objectId: 'text',
  configId: 'text',
  since: 'text',
  until: 'text',
} as const;

const ACTOR: Record<AuditEvent['actorType'], MessageKey> = {
  admin: 'actorAdmin',
  api_token: 'actorApiToken',
  end_user: 'actorEndUser',
  system: 'actorSystem',
};

/** A `datetime-local` value (local time, as typed) as an ISO timestamp; undefined when empty or not a date. */
export function localToIso(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** Who did what, on which object, when: newest first, filtered on the server (owners and admins). */
export function AuditLog({ search }: { search: string }) {
  const c = useConsole();
  const { t, api, lookups } = c;
  const admin = isAdmin(c.me);
  const filters = readFilters(search, AUDIT_FILTERS);
  const list = usePagedList(
    (cursor) =>
      admin
        ? api.call('GET /audit-events', {
            query: { ...filters, since: localToIso(filters.since), until: localToIso(filters.until), cursor, limit: 50 },
          })
        : Promise.resolve({ items: [], nextCursor: null }),
    (e) => e.id,
    [search, admin],
  );
  const admins = useLoad(
    async () =>
      admin
        ? new Map((await allPages((cursor) => api.call('GET /admin-users', { query: { cursor, limit: 200 } }))).map((a) => [a.id, a]))
        : new Map(),
    [admin],
  );
  if (!admin) {
    return (
      <>
        <PageHeader title={t('navAudit')} />
        <Empty title={t('auditAdminsOnly')} />
      </>
    );
  }
  const who = (e: AuditEvent) => {
    const name = e.actorType === 'admin' && e.actorId ? admins.data?.get(e.actorId)?.name : undefined;
    return `${t(ACTOR[e.actorType])}${name ? `: ${name}` : e.actorId ? ` ${e.actorId}` : ''}`;
  };
  const filtered = Object.keys(filters).length > 0;
  return (
    <>
      <PageHeader title={t('navAudit')} />
      <Filters
        label={t('filtersOf', { list: t('navAudit') })}
        pathname={sectionPath('audit')}
        values={filters}
        fields={[
          { key: 'action', label: t('auditAction'), kind: 'text', placeholder: 'integration.disabled' },
          {
            key: 'actorType',
            label: t('auditActorType'),
            kind: 'select',
            options: AUDIT_FILTERS.actorType.map((a) => ({ value: a, label: t(ACTOR[a]) })),
          },
          { key: 'objectType', label: t('auditObjectType'), kind: 'text', placeholder: 'integration' },
          { key: 'objectId', label: t('auditObjectId'), kind: 'text' },
          {
            key: 'configId',
            label: t('filterConfiguration'),
            kind: 'select',
            options: [...lookups.configs.values()].map((x) => ({ value: x.id, label: x.name })),
          },
          { key: 'since', label: t('auditSince'), kind: 'datetime' },
          { key: 'until', label: t('auditUntil'), kind: 'datetime' },
        ]}
      />
      <PagedTable
        list={list}
        caption={t('navAudit')}
        rowKey={(e) => e.id}
        clearFiltersHref={filtered ? sectionPath('audit') : undefined}
        empty={<Empty title={t('noAuditEvents')} />}
        columns={[
          { key: 'who', header: t('auditWho'), cell: who },
          { key: 'what', header: t('auditWhat'), cell: (e) => <span class="pb-mono">{e.action}</span> },
          {
            key: 'object',
            header: t('auditObject'),
            cell: (e) => (
              <span>
                {e.objectType} <span class="pb-mono pb-muted">{e.objectId ?? ''}</span>
              </span>
            ),
          },
          {
            key: 'config',
            header: t('colConfigName'),
            cell: (e) => (e.configId ? (lookups.configs.get(e.configId)?.name ?? e.configId) : '—'),
          },
          { key: 'when', header: t('auditWhen'), cell: (e) => c.date(e.at) },
          {
            key: 'details',
            header: t('details'),
            cell: (e) =>
              Object.keys(e.details).length > 0 ? (
                <details>
                  <summary>{t('showDetails')}</summary>
                  <pre class="pb-pre">{JSON.stringify(e.details, null, 2)}</pre>
                </details>
              ) : (
                '—'
              ),
          },
        ]}
      />
    </>
  );
}

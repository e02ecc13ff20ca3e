import { sharingText } from '../columns.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Badge, Empty, ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { Link } from '../components/Link.tsx';
import { ListFooter, PageHeader } from '../components/Page.tsx';
import { useConsole } from '../context.ts';
import { usePagedList } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';
import { sectionPath } from '../router.ts';

/** The embed configurations (a member's: those with a group it may view); "New configuration" for owners and admins. */
export function EmbedConfigs() {
  const c = useConsole();
  const { t, api } = c;
  const list = usePagedList(
    (cursor) => api.call('GET /embed-configs', { query: { cursor, limit: 50 } }),
    (x) => x.id,
    [],
  );
  return (
    <>
      <PageHeader
        title={t('navEmbedConfigs')}
        actions={
          isAdmin(c.me) && (
            <Link href={sectionPath('embedConfigs', 'new')} class="pb-btn pb-btn-primary">
              {t('newConfig')}
            </Link>
          )
        }
      />
      <ErrorAlert error={list.error} onRetry={() => void list.reload()} />
      {!list.items && list.loading && <Skeleton />}
      {list.items?.length === 0 && (
        <Empty title={t('noConfigs')}>
          <p>{t(isAdmin(c.me) ? 'noConfigsNext' : 'askAnAdmin')}</p>
        </Empty>
      )}
      {list.items && list.items.length > 0 && (
        <>
          <DataTable
            caption={t('navEmbedConfigs')}
            rows={list.items}
            rowKey={(x) => x.id}
            columns={[
              { key: 'name', header: t('name'), cell: (x) => <Link href={sectionPath('embedConfigs', x.id)}>{x.name}</Link> },
              { key: 'id', header: t('colConfigId'), cell: (x) => <span class="pb-mono">{x.id}</span> },
              { key: 'sharing', header: t('colSharingLevel'), cell: (x) => sharingText(x.sharingLevel, t) },
              { key: 'origins', header: t('allowedOrigins'), cell: (x) => x.allowedOrigins.join(', ') },
              { key: 'groups', header: t('groups'), cell: (x) => x.groups.map((g) => g.name).join(', ') || '—' },
              {
                key: 'enabled',
                header: t('colStatus'),
                cell: (x) => <Badge tone={x.enabled ? 'ok' : 'off'}>{t(x.enabled ? 'statusEnabled' : 'statusDisabled')}</Badge>,
              },
            ]}
          />
          <ListFooter
            shown={list.items.length}
            hasMore={Boolean(list.nextCursor)}
            loading={list.loading}
            onMore={() => void list.loadMore()}
          />
        </>
      )}
    </>
  );
}

import { sharingText } from '../columns.ts';
import { Badge, Empty } from '../components/Feedback.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
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
      <PagedTable
        list={list}
        caption={t('navEmbedConfigs')}
        rowKey={(x) => x.id}
        empty={
          <Empty title={t('noConfigs')}>
            <p>{t(isAdmin(c.me) ? 'noConfigsNext' : 'askAnAdmin')}</p>
          </Empty>
        }
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
    </>
  );
}

import type { Connector } from '@patchbay/shared';
import { Empty } from '../components/Feedback.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { useConsole } from '../context.ts';
import { usePagedList } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';
import { sectionPath } from '../router.ts';

/** The connectors: name, id, auth type, whether a client secret is set; "Add connector" for owners and admins. */
export function Connectors() {
  const c = useConsole();
  const { t, api } = c;
  const list = usePagedList(
    (cursor) => api.call('GET /connectors', { query: { cursor, limit: 50 } }),
    (x) => x.id,
    [],
  );
  const secret = (x: Connector) =>
    x.oauth2 ? t(x.oauth2.hasClientSecret ? 'yes' : 'no') : x.oauth1 ? t(x.oauth1.hasConsumerSecret ? 'yes' : 'no') : '—';
  return (
    <>
      <PageHeader
        title={t('navConnectors')}
        actions={
          isAdmin(c.me) && (
            <Link href={sectionPath('connectors', 'new')} class="pb-btn pb-btn-primary">
              {t('addConnector')}
            </Link>
          )
        }
      />
      <PagedTable
        list={list}
        caption={t('navConnectors')}
        rowKey={(x) => x.id}
        empty={
          <Empty title={t('noConnectors')}>
            <p>{t(isAdmin(c.me) ? 'noConnectorsNext' : 'askAnAdmin')}</p>
          </Empty>
        }
        columns={[
          { key: 'name', header: t('name'), cell: (x) => <Link href={sectionPath('connectors', x.id)}>{x.name}</Link> },
          { key: 'id', header: t('connectorId'), cell: (x) => <span class="pb-mono">{x.id}</span> },
          { key: 'type', header: t('authType'), cell: (x) => t(`auth_${x.authType}`) },
          { key: 'catalog', header: t('catalogKey'), cell: (x) => x.catalogKey ?? t('customService') },
          { key: 'secret', header: t('clientSecretSet'), cell: secret },
          { key: 'updated', header: t('updated'), cell: (x) => c.date(x.updatedAt) },
        ]}
      />
    </>
  );
}

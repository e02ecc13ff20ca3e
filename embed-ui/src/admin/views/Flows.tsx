import type { Flow } from '@patchbay/shared';
import { Empty } from '../components/Feedback.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { useConsole } from '../context.ts';
import { definitionView } from '../flowDefinition.ts';
import { usePagedList } from '../hooks.ts';
import type { MessageKey } from '../i18n.ts';
import { isAdmin } from '../permissions.ts';
import { sectionPath } from '../router.ts';

const TRIGGER: Record<string, MessageKey> = { manual: 'triggerManual', schedule: 'triggerSchedule', webhook: 'triggerWebhook' };

/** The trigger of a flow's current definition, in words. */
export const triggerText = (flow: Pick<Flow, 'definition'>, t: (k: MessageKey) => string): string =>
  t(TRIGGER[definitionView(flow.definition).trigger] ?? 'triggerManual');

/** The flows (a member's: those of groups it may view); "New flow" for owners and admins. */
export function Flows() {
  const c = useConsole();
  const { t, api } = c;
  const list = usePagedList(
    (cursor) => api.call('GET /flows', { query: { cursor, limit: 50 } }),
    (f) => f.id,
    [],
  );
  return (
    <>
      <PageHeader
        title={t('navFlows')}
        actions={
          isAdmin(c.me) && (
            <Link href={sectionPath('flows', 'new')} class="pb-btn pb-btn-primary">
              {t('newFlow')}
            </Link>
          )
        }
      />
      <PagedTable
        list={list}
        caption={t('navFlows')}
        rowKey={(f) => f.id}
        empty={
          <Empty title={t('noFlows')}>
            <p>{t(isAdmin(c.me) ? 'noFlowsNext' : 'askAnAdmin')}</p>
          </Empty>
        }
        columns={[
          { key: 'name', header: t('name'), cell: (f) => <Link href={sectionPath('flows', f.id)}>{f.name}</Link> },
          { key: 'id', header: t('flowId'), cell: (f) => <span class="pb-mono">{f.id}</span> },
          { key: 'version', header: t('version'), cell: (f) => String(f.version) },
          { key: 'trigger', header: t('trigger'), cell: (f) => triggerText(f, t) },
          {
            key: 'slots',
            header: t('connectors'),
            cell: (f) =>
              definitionView(f.definition)
                .slots.map((s) => s.connectorId)
                .join(', ') || '—',
          },
          { key: 'updated', header: t('updated'), cell: (f) => c.date(f.updatedAt) },
        ]}
      />
    </>
  );
}

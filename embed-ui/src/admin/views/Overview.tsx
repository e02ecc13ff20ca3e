import { Empty, ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { useConsole } from '../context.ts';
import { useLoad } from '../hooks.ts';
import { sectionPath, withFilters } from '../router.ts';

/** Counting stops here; more is shown as "1,000+". */
const COUNT_CAP = 1000;

/** Counts a list's items page by page (200 a page) up to {@link COUNT_CAP}; `capped` when there are more. */
async function countUpTo(fetchPage: (cursor: string | undefined) => Promise<{ items: unknown[]; nextCursor: string | null }>) {
  let n = 0;
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    n += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor && n < COUNT_CAP);
  return { n: Math.min(n, COUNT_CAP), capped: Boolean(cursor) };
}

/**
 * The landing page: what the existing lists can count (enabled and disabled integrations,
 * connector auths that need reconnecting), each a link to the filtered list. Run and callback
 * numbers come with their APIs.
 */
export function Overview() {
  const { t, api, lang } = useConsole();
  const counts = useLoad(async () => {
    const [enabled, disabled, reauth] = await Promise.all([
      countUpTo((cursor) => api.call('GET /integrations', { query: { status: 'enabled', limit: 200, cursor } })),
      countUpTo((cursor) => api.call('GET /integrations', { query: { status: 'disabled', limit: 200, cursor } })),
      countUpTo((cursor) => api.call('GET /connector-auths', { query: { status: 'needs_reauth', limit: 200, cursor } })),
    ]);
    return { enabled, disabled, reauth };
  }, [api]);
  const fmt = (c: { n: number; capped: boolean }) => `${c.n.toLocaleString(lang === 'de' ? 'de-DE' : 'en-GB')}${c.capped ? '+' : ''}`;
  const data = counts.data;
  return (
    <>
      <PageHeader title={t('overviewTitle')} />
      <ErrorAlert error={counts.error} onRetry={() => void counts.reload()} />
      {!data && counts.loading && <Skeleton rows={2} />}
      {data && (
        <ul class="pb-stats">
          <li>
            <Link href={withFilters(sectionPath('integrations'), { status: 'enabled' })} class="pb-stat">
              <span class="pb-stat-value">{fmt(data.enabled)}</span>
              <span class="pb-stat-label">{t('statIntegrationsEnabled')}</span>
            </Link>
          </li>
          <li>
            <Link href={withFilters(sectionPath('integrations'), { status: 'disabled' })} class="pb-stat">
              <span class="pb-stat-value">{fmt(data.disabled)}</span>
              <span class="pb-stat-label">{t('statIntegrationsDisabled')}</span>
            </Link>
          </li>
          <li>
            <Link href={withFilters(sectionPath('connectorAuths'), { status: 'needs_reauth' })} class="pb-stat">
              <span class="pb-stat-value">{fmt(data.reauth)}</span>
              <span class="pb-stat-label">{t('statAuthsNeedReauth')}</span>
            </Link>
          </li>
        </ul>
      )}
      <Empty title={t('overviewRunsLater')}>
        <p>{t('overviewRunsLaterNext')}</p>
      </Empty>
    </>
  );
}

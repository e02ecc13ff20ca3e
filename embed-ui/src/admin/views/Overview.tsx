import type { Overview as OverviewData } from '@patchbay/shared';
import { ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { useConsole } from '../context.ts';
import { useLoad } from '../hooks.ts';
import { sectionPath, withFilters } from '../router.ts';

type Day = OverviewData['runsByDay'][number];
const SERIES = ['success', 'error', 'canceled', 'pending'] as const;

/**
 * The landing page: integrations enabled and disabled, connector auths that need reconnecting,
 * runs that failed or succeeded in the last 24 hours (each a link to the filtered list), and a
 * chart of runs per day by status over the last 7 days. The numbers come from one call
 * (`GET /admin/api/overview`), counted by the server over what the signed-in admin may view.
 */
export function Overview() {
  const { t, api, lang } = useConsole();
  const load = useLoad(() => api.call('GET /overview', {}), [api]);
  const locale = lang === 'de' ? 'de-DE' : 'en-GB';
  const fmt = (n: number) => n.toLocaleString(locale);
  const data = load.data;
  return (
    <>
      <PageHeader title={t('overviewTitle')} />
      <ErrorAlert error={load.error} onRetry={() => void load.reload()} />
      {!data && load.loading && <Skeleton rows={3} />}
      {data && (
        <>
          <ul class="pb-stats">
            <Stat
              href={withFilters(sectionPath('integrations'), { status: 'enabled' })}
              value={fmt(data.integrations.enabled)}
              label={t('statIntegrationsEnabled')}
            />
            <Stat
              href={withFilters(sectionPath('integrations'), { status: 'disabled' })}
              value={fmt(data.integrations.disabled)}
              label={t('statIntegrationsDisabled')}
            />
            <Stat
              href={withFilters(sectionPath('connectorAuths'), { status: 'needs_reauth' })}
              value={fmt(data.connectorAuths.needsReauth)}
              label={t('statAuthsNeedReauth')}
            />
            <Stat
              href={withFilters(sectionPath('runs'), { status: 'error' })}
              value={fmt(data.last24h.runsFailed)}
              label={t('statRunsFailed24h')}
            />
            <Stat
              href={withFilters(sectionPath('runs'), { status: 'success' })}
              value={fmt(data.last24h.runsSucceeded)}
              label={t('statRunsSucceeded24h')}
            />
            {data.last24h.callbacksFailed !== null && (
              <Stat
                href={withFilters(sectionPath('callbacks'), { status: 'failed' })}
                value={fmt(data.last24h.callbacksFailed)}
                label={t('statCallbacksFailed24h')}
              />
            )}
          </ul>
          <RunsChart days={data.runsByDay} locale={locale} />
        </>
      )}
    </>
  );
}

function Stat(props: { href: string; value: string; label: string }) {
  return (
    <li>
      <Link href={props.href} class="pb-stat">
        <span class="pb-stat-value">{props.value}</span>
        <span class="pb-stat-label">{props.label}</span>
      </Link>
    </li>
  );
}

/**
 * Runs per day as a table (what assistive technology reads) whose last column draws each day's
 * runs as one stacked bar, scaled to the busiest day.
 */
function RunsChart(props: { days: readonly Day[]; locale: string }) {
  const { t } = useConsole();
  const total = (d: Day) => d.success + d.error + d.canceled + d.pending;
  const max = Math.max(1, ...props.days.map(total));
  const label = {
    success: t('overviewChartSucceeded'),
    error: t('overviewChartFailed'),
    canceled: t('overviewChartCanceled'),
    pending: t('overviewChartPending'),
  };
  const dayName = (date: string) =>
    new Date(`${date}T00:00:00Z`).toLocaleDateString(props.locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
  const empty = props.days.every((d) => total(d) === 0);
  return (
    <section class="pb-chart" aria-labelledby="pb-chart-title">
      <h2 id="pb-chart-title">{t('overviewChartTitle')}</h2>
      {empty && <p class="pb-muted">{t('overviewChartEmpty')}</p>}
      <div class="pb-table-wrap">
        <table class="pb-table pb-chart-table">
          <thead>
            <tr>
              <th scope="col">{t('overviewChartDay')}</th>
              {SERIES.map((k) => (
                <th scope="col" key={k}>
                  <span class={`pb-chart-key pb-chart-${k}`} aria-hidden="true" />
                  {label[k]}
                </th>
              ))}
              <th scope="col" class="pb-chart-bar-col">
                <span class="pb-sr">{t('overviewChartTitle')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {props.days.map((d) => (
              <tr key={d.date}>
                <th scope="row">
                  <time dateTime={d.date}>{dayName(d.date)}</time>
                </th>
                {SERIES.map((k) => (
                  <td key={k} class="pb-num">
                    {d[k].toLocaleString(props.locale)}
                  </td>
                ))}
                <td class="pb-chart-bar-col" aria-hidden="true">
                  <div class="pb-chart-bar">
                    {SERIES.map((k) =>
                      d[k] > 0 ? <span key={k} class={`pb-chart-seg pb-chart-${k}`} style={{ width: `${(d[k] / max) * 100}%` }} /> : null,
                    )}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

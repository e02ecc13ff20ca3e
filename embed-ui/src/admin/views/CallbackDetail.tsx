import { deliveryStatusText, deliveryTone, durationText } from '../columns.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Badge, ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { Section } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { useConsole } from '../context.ts';
import { useLoad } from '../hooks.ts';
import { sectionPath } from '../router.ts';
import { RedeliverButton } from './Callbacks.tsx';

/** One delivery: its facts, the event body it sends, and every attempt (time, duration, status code, error, answer excerpt); "Redeliver". */
export function CallbackDetail({ id }: { id: string }) {
  const c = useConsole();
  const { t, api, lookups } = c;
  const loaded = useLoad(() => api.call('GET /callback-deliveries/{id}', { params: { id } }), [id]);
  const d = loaded.data;
  return (
    <>
      <PageHeader title={t('deliveryTitle', { id })} actions={d && <RedeliverButton delivery={d} onDone={() => void loaded.reload()} />}>
        <Link href={sectionPath('callbacks')}>{t('backToList', { list: t('navCallbacks') })}</Link>
      </PageHeader>
      <ErrorAlert error={loaded.error} onRetry={() => void loaded.reload()} />
      {!d && loaded.loading && <Skeleton rows={4} />}
      {d && (
        <div class="pb-stack-lg">
          <Section title={t('details')} id="delivery-details">
            <dl class="pb-dl">
              <dt>{t('colStatus')}</dt>
              <dd>
                <Badge tone={deliveryTone(d.status)}>{deliveryStatusText(d.status, t)}</Badge>
              </dd>
              <dt>{t('colEventType')}</dt>
              <dd class="pb-mono">{d.eventType}</dd>
              <dt>{t('colConfigName')}</dt>
              <dd>
                <Link href={sectionPath('embedConfigs', d.configId)}>{lookups.configs.get(d.configId)?.name ?? d.configId}</Link>
              </dd>
              <dt>{t('colAttempts')}</dt>
              <dd>{d.attemptCount}</dd>
              <dt>{t('colLastStatusCode')}</dt>
              <dd>{d.lastStatusCode ?? '—'}</dd>
              {d.lastError && (
                <>
                  <dt>{t('colError')}</dt>
                  <dd>{d.lastError}</dd>
                </>
              )}
              <dt>{t('created')}</dt>
              <dd>{c.date(d.createdAt)}</dd>
              <dt>{t('colNextAttempt')}</dt>
              <dd>{c.date(d.nextAttemptAt)}</dd>
              <dt>{t('colDelivered')}</dt>
              <dd>{c.date(d.deliveredAt)}</dd>
            </dl>
          </Section>
          <Section title={t('attempts')} id="delivery-attempts">
            {d.attempts.length === 0 ? (
              <p class="pb-muted">{t('noAttempts')}</p>
            ) : (
              <DataTable
                caption={t('attempts')}
                rows={d.attempts}
                rowKey={(a) => a.id}
                columns={[
                  { key: 'at', header: t('colTime'), cell: (a) => c.date(a.at) },
                  { key: 'duration', header: t('colDuration'), cell: (a) => durationText(a.durationMs) },
                  { key: 'status', header: t('colStatusCode'), cell: (a) => (a.statusCode === null ? '—' : String(a.statusCode)) },
                  { key: 'error', header: t('colError'), cell: (a) => a.error ?? '—' },
                  {
                    key: 'excerpt',
                    header: t('colExcerpt'),
                    cell: (a) => (a.responseExcerpt ? <pre class="pb-pre pb-code">{a.responseExcerpt}</pre> : '—'),
                  },
                ]}
              />
            )}
          </Section>
          <Section title={t('payload')} id="delivery-payload">
            <pre class="pb-pre pb-code">{JSON.stringify(d.payload, null, 2)}</pre>
          </Section>
        </div>
      )}
    </>
  );
}

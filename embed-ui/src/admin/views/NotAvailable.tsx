import { Empty } from '../components/Feedback.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { useConsole } from '../context.ts';
import { BASE, sectionPath } from '../router.ts';

/**
 * Runs and Callbacks: their pages exist in the navigation, but the server has no API for them yet,
 * so they say so and point at what exists today instead of showing made-up data.
 */
export function NotAvailable({ kind }: { kind: 'runs' | 'callbacks' }) {
  const { t } = useConsole();
  return (
    <>
      <PageHeader title={t(kind === 'runs' ? 'navRuns' : 'navCallbacks')} />
      <Empty title={t(kind === 'runs' ? 'runsNotAvailable' : 'callbacksNotAvailable')}>
        {kind === 'runs' ? (
          <p>
            {t('runsNotAvailableNext')} <Link href={sectionPath('integrations')}>{t('navIntegrations')}</Link>
          </p>
        ) : (
          <p>
            {t('callbacksNotAvailableNext')} <Link href={sectionPath('embedConfigs')}>{t('navEmbedConfigs')}</Link>
          </p>
        )}
      </Empty>
    </>
  );
}

/** A console URL that names no page. */
export function NotFound() {
  const { t } = useConsole();
  return (
    <>
      <PageHeader title={t('notFoundTitle')} />
      <Empty title={t('notFoundText')}>
        <p>
          <Link href={BASE}>{t('overviewTitle')}</Link>
        </p>
      </Empty>
    </>
  );
}

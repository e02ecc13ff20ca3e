import { Empty } from '../components/Feedback.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { useConsole } from '../context.ts';
import { BASE } from '../router.ts';

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

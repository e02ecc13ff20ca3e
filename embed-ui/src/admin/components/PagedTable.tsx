import type { ComponentChildren } from 'preact';
import { useConsole } from '../context.ts';
import type { PagedList } from '../hooks.ts';
import { DataTable, type TableColumn } from './DataTable.tsx';
import { Empty, ErrorAlert, Skeleton } from './Feedback.tsx';
import { Link } from './Link.tsx';

/** "Load more" while the server has another page, and how many rows are shown. */
export function ListFooter({ shown, hasMore, loading, onMore }: { shown: number; hasMore: boolean; loading: boolean; onMore(): void }) {
  const { t } = useConsole();
  return (
    <div class="pb-list-footer">
      <span class="pb-muted">{t(hasMore ? 'shownMore' : 'shownAll', { n: shown })}</span>
      {hasMore && (
        <button type="button" class="pb-btn" onClick={onMore} disabled={loading}>
          {t('loadMore')}
        </button>
      )}
    </div>
  );
}

/**
 * A server-paged list as a table, with its states: the error (with Retry), placeholders while the
 * first page loads, the empty state (or, when filters are set, "nothing matches" with a link that
 * clears them), and "Load more".
 */
export function PagedTable<Row>({
  list,
  caption,
  columns,
  rowKey,
  empty,
  clearFiltersHref,
  skeletonRows,
}: {
  list: PagedList<Row>;
  caption: string;
  columns: readonly TableColumn<Row>[];
  rowKey(row: Row): string;
  /** What an empty list says (and what to do next). */
  empty: ComponentChildren;
  /** Set while filters are applied: an empty list then offers to clear them. */
  clearFiltersHref?: string | undefined;
  skeletonRows?: number;
}) {
  const { t } = useConsole();
  return (
    <>
      <ErrorAlert error={list.error} onRetry={() => void list.reload()} />
      {!list.items && list.loading && <Skeleton {...(skeletonRows ? { rows: skeletonRows } : {})} />}
      {list.items?.length === 0 &&
        (clearFiltersHref ? (
          <Empty title={t('noMatch')}>
            <Link href={clearFiltersHref}>{t('clearFilters')}</Link>
          </Empty>
        ) : (
          empty
        ))}
      {list.items && list.items.length > 0 && (
        <>
          <DataTable caption={caption} columns={columns} rows={list.items} rowKey={rowKey} />
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

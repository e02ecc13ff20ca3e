import type { EmbedRunDetail } from '@patchbay/shared';
import { useEffect, useRef, useState } from 'preact/hooks';
import { formatDateTime, type MessageKey } from '../../lib/i18n.ts';
import { Badge, ErrorAlert } from '../components/Feedback.tsx';
import { usePortal } from '../context.ts';

/**
 * An integration's run history (loaded on demand, its own chunk: not part of the first view):
 * newest first with status, trigger, when and duration, "Load more" by cursor, and per run its
 * end-user log (overview, per-entity details, error list). While a shown run is queued or running,
 * the first page is polled until it settles.
 */

type Run = Omit<EmbedRunDetail, 'integrationId' | 'steps' | 'endUserLog'>;
type Page = { items: Run[]; nextCursor: string | null };

const PAGE = 10;
const POLL_MS = 1500;
const STATUS: Record<Run['status'], [MessageKey, 'ok' | 'warn' | 'off' | 'bad']> = {
  queued: ['runQueued', 'off'],
  running: ['runRunning', 'warn'],
  success: ['runSuccess', 'ok'],
  error: ['runError', 'bad'],
  canceled: ['runCanceled', 'off'],
};
const TRIGGER: Record<Run['trigger'], MessageKey> = {
  manual: 'runByYou',
  admin: 'runByAdmin',
  schedule: 'runBySchedule',
  webhook: 'runByWebhook',
  retry: 'runByRetry',
};
const LOG_STATUS: Record<string, MessageKey> = { success: 'logSuccess', warning: 'logWarning', error: 'logError' };
const settled = (r: Run) => r.status !== 'queued' && r.status !== 'running';

/** Seconds (or minutes) a run took, in words short enough for a list. */
function duration(ms: number | null, t: ReturnType<typeof usePortal>['t']): string {
  if (ms === null) return '';
  if (ms < 1000) return t('durationMs', { n: ms });
  if (ms < 120_000) return t('durationS', { n: Math.round(ms / 100) / 10 });
  return t('durationMin', { n: Math.round(ms / 60_000) });
}

interface Props {
  integrationId: string;
  /** A run just started here ("Run now"): shown at once, then followed by polling. */
  started: Run | undefined;
  /** Called when the runs followed by polling have all settled (the integration's latest run changed). */
  onSettled?(): void;
}

/** The history of one integration's runs. */
export function RunHistory({ integrationId, started, onSettled }: Props) {
  const { t, lang, api } = usePortal();
  const [runs, setRuns] = useState<Run[]>(started ? [started] : []);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<unknown>();
  const [more, setMore] = useState(false);
  const [open, setOpen] = useState<string>();
  const base = `/integrations/${encodeURIComponent(integrationId)}/runs?limit=${PAGE}`;
  const alive = useRef(true);
  useEffect(
    () => () => {
      alive.current = false;
    },
    [],
  );

  // The first page replaces what it covers and keeps runs loaded further down.
  const loadFirst = async () => {
    try {
      const page = await api.get<Page>(base);
      if (!alive.current) return;
      setRuns((old) => {
        const fresh = new Set(page.items.map((r) => r.id));
        const oldest = page.items.at(-1)?.createdAt ?? '';
        const extra = old.filter((r) => !fresh.has(r.id) && r.createdAt < oldest);
        return [...page.items, ...extra];
      });
      if (!loaded) setCursor(page.nextCursor);
      setLoaded(true);
      setError(undefined);
    } catch (e) {
      if (alive.current) setError(e);
    }
  };
  useEffect(() => {
    void loadFirst();
  }, [integrationId, started?.id]);

  const pending = runs.some((r) => !settled(r));
  const wasPending = useRef(false);
  useEffect(() => {
    if (wasPending.current && !pending) onSettled?.();
    wasPending.current = pending;
    if (!pending) return;
    const timer = setTimeout(() => void loadFirst(), POLL_MS);
    return () => clearTimeout(timer);
  }, [runs, pending]);

  const loadMore = async () => {
    if (!cursor) return;
    setMore(true);
    try {
      const page = await api.get<Page>(`${base}&cursor=${encodeURIComponent(cursor)}`);
      setRuns((old) => [...old, ...page.items.filter((r) => !old.some((o) => o.id === r.id))]);
      setCursor(page.nextCursor);
    } catch (e) {
      setError(e);
    } finally {
      setMore(false);
    }
  };

  const headingId = `runs-${integrationId}`;
  return (
    <section class="pb-runs" aria-labelledby={headingId} aria-busy={!loaded}>
      <h4 id={headingId} class="pb-runs-title">
        {t('runHistory')}
      </h4>
      {error !== undefined && <ErrorAlert error={error} onRetry={() => void loadFirst()} />}
      {loaded && runs.length === 0 && <p class="pb-muted pb-small">{t('noRunsYet')}</p>}
      {!loaded && runs.length === 0 && error === undefined && <p class="pb-muted pb-small">{t('loading')}</p>}
      {runs.length > 0 && (
        <ul class="pb-run-list">
          {runs.map((run) => {
            const [key, tone] = STATUS[run.status];
            const expanded = open === run.id;
            return (
              <li key={run.id} class="pb-run">
                <div class="pb-row pb-wrap">
                  <Badge tone={tone}>{t(key)}</Badge>
                  <span class="pb-small">
                    {[t(TRIGGER[run.trigger]), formatDateTime(lang, run.createdAt), duration(run.durationMs, t)]
                      .filter(Boolean)
                      .join(' · ')}
                  </span>
                  <button
                    type="button"
                    class="pb-btn pb-btn-ghost pb-small"
                    aria-expanded={expanded}
                    aria-controls={`log-${run.id}`}
                    onClick={() => setOpen(expanded ? undefined : run.id)}
                  >
                    {t(expanded ? 'hideLog' : 'showLog')}
                  </button>
                </div>
                {expanded && <RunLog id={run.id} status={run.status} />}
              </li>
            );
          })}
        </ul>
      )}
      {cursor && (
        <button type="button" class="pb-btn" onClick={() => void loadMore()} disabled={more}>
          {t('loadMore')}
        </button>
      )}
    </section>
  );
}

/** One run's end-user log (Locoia's shape): overview, per-entity details, error list; reloaded as its status changes. */
function RunLog({ id, status }: { id: string; status: Run['status'] }) {
  const { t, api } = usePortal();
  const [run, setRun] = useState<EmbedRunDetail>();
  const [error, setError] = useState<unknown>();
  const load = () =>
    api.get<EmbedRunDetail>(`/runs/${encodeURIComponent(id)}`).then(
      (r) => {
        setRun(r);
        setError(undefined);
      },
      (e: unknown) => setError(e),
    );
  useEffect(() => {
    void load();
  }, [id, status]);
  const log = run?.endUserLog;
  return (
    <div id={`log-${id}`} class="pb-run-log">
      {error !== undefined && <ErrorAlert error={error} onRetry={() => void load()} />}
      {run && !log && <p class="pb-muted pb-small">{t(settled(run) ? 'logNone' : 'logPending')}</p>}
      {run?.status === 'error' && run.error && !log?.errors.length && <p class="pb-small">{run.error}</p>}
      {log && (
        <>
          <h5 class="pb-log-title">{t('logOverview')}</h5>
          {log.overview.length === 0 ? (
            <p class="pb-muted pb-small">{t('logEmpty')}</p>
          ) : (
            <ul class="pb-log-overview">
              {log.overview.map((o, i) => (
                <li key={i}>{t('logRecords', { status: t(LOG_STATUS[o.status] ?? 'logSuccess'), n: o.numberOfRecords })}</li>
              ))}
            </ul>
          )}
          {log.details.length > 0 && (
            <>
              <h5 class="pb-log-title">{t('logDetails')}</h5>
              <table class="pb-log-table">
                <thead>
                  <tr>
                    <th scope="col">{t('logEntity')}</th>
                    <th scope="col">{t('logStatus')}</th>
                    <th scope="col">{t('logCount')}</th>
                  </tr>
                </thead>
                <tbody>
                  {log.details.map((d, i) => (
                    <tr key={i}>
                      <td>{d.entity}</td>
                      <td>{t(LOG_STATUS[d.status] ?? 'logSuccess')}</td>
                      <td>{d.numberOfRecords}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </>
          )}
          {log.errors.length > 0 && (
            <>
              <h5 class="pb-log-title">{t('logErrors')}</h5>
              <ul class="pb-log-errors">
                {log.errors.map((e, i) => (
                  <li key={i}>
                    <span class="pb-small pb-muted">{[e.entity, e.internalId ?? e.id].filter(Boolean).join(' · ')}</span> {e.error}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </div>
  );
}

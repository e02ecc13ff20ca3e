import type { Run } from '@patchbay/shared';
import { useEffect, useRef, useState } from 'preact/hooks';
import { durationText, runStatusText, runTone, triggerText } from '../columns.ts';
import { DataTable } from '../components/DataTable.tsx';
import { Badge, ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { Section } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { ConfirmDialog } from '../components/Modal.tsx';
import { PageHeader } from '../components/Page.tsx';
import { useConsole } from '../context.ts';
import { useAction, useLoad } from '../hooks.ts';
import type { MessageKey } from '../i18n.ts';
import { canOnIntegration } from '../permissions.ts';
import { navigate, sectionPath } from '../router.ts';

/** How often a queued or running run is read again. */
const POLL_MS = 1500;

/** Whether a run may still change by itself. */
export const isPending = (run: Pick<Run, 'status'>): boolean => run.status === 'queued' || run.status === 'running';

type Step = Run['steps'][number];

/** A step's calls: method, path (query values redacted by the server), status, duration, size, the redacted preview. */
function StepCalls({ step }: { step: Step }) {
  const { t } = useConsole();
  if (step.requests.length === 0) return null;
  return (
    <DataTable
      caption={t('callsOf', { id: step.id })}
      rows={step.requests}
      rowKey={(r) => `${r.index ?? ''}-${r.method}-${r.path}-${r.durationMs}`}
      columns={[
        { key: 'method', header: t('colMethod'), cell: (r) => <span class="pb-mono">{r.method}</span> },
        { key: 'path', header: t('colPath'), cell: (r) => <span class="pb-mono">{r.path}</span> },
        { key: 'status', header: t('colHttpStatus'), cell: (r) => (r.status === null ? '—' : String(r.status)) },
        { key: 'duration', header: t('colDuration'), cell: (r) => durationText(r.durationMs) },
        { key: 'size', header: t('colSize'), cell: (r) => `${r.responseBytes} B` },
        {
          key: 'preview',
          header: t('colPreview'),
          cell: (r) =>
            r.error || r.preview ? (
              <>
                {r.error && (
                  <span>
                    <span class="pb-mono">{r.error.code}</span> {r.error.message}
                  </span>
                )}
                {r.preview && <pre class="pb-pre pb-code">{r.preview}</pre>}
              </>
            ) : (
              '—'
            ),
        },
      ]}
    />
  );
}

/** The end-user log (Locoia's format): the overview, per-entity details and the errors. */
function EndUserLogView({ log }: { log: Run['endUserLog'] }) {
  const { t } = useConsole();
  if (!log || (log.overview.length === 0 && log.details.length === 0 && log.errors.length === 0)) {
    return <p class="pb-muted">{t('noEndUserLog')}</p>;
  }
  return (
    <div class="pb-stack">
      {log.overview.length > 0 && (
        <DataTable
          caption={t('logOverview')}
          rows={log.overview}
          rowKey={(r) => r.status}
          columns={[
            { key: 'status', header: t('colStatus'), cell: (r) => r.status },
            { key: 'n', header: t('colRecords'), cell: (r) => String(r.numberOfRecords) },
          ]}
        />
      )}
      {log.details.length > 0 && (
        <DataTable
          caption={t('logDetails')}
          rows={log.details}
          rowKey={(r) => `${r.entity}-${r.status}`}
          columns={[
            { key: 'entity', header: t('colEntity'), cell: (r) => r.entity },
            { key: 'status', header: t('colStatus'), cell: (r) => r.status },
            { key: 'n', header: t('colRecords'), cell: (r) => String(r.numberOfRecords) },
          ]}
        />
      )}
      {log.errors.length > 0 && (
        <DataTable
          caption={t('logErrors')}
          rows={log.errors.map((e, i) => ({ ...e, key: `${i}` }))}
          rowKey={(r) => r.key}
          columns={[
            { key: 'id', header: 'ID', cell: (r) => <span class="pb-mono">{String(r.id ?? '—')}</span> },
            { key: 'entity', header: t('colEntity'), cell: (r) => String(r.entity ?? '—') },
            { key: 'error', header: t('colError'), cell: (r) => String(r.error ?? '—') },
            { key: 'internalId', header: t('colInternalId'), cell: (r) => <span class="pb-mono">{String(r.internalId ?? '—')}</span> },
          ]}
        />
      )}
    </div>
  );
}

/**
 * One run: its facts, each step (status, HTTP status, duration, attempt, calls with the redacted
 * preview), the end-user log; "Retry" and "Cancel" (with `run` on its group), each confirmed and
 * announced. Read again every 1.5 s while queued or running.
 */
export function RunDetail({ id }: { id: string }) {
  const c = useConsole();
  const { t, api, lookups } = c;
  const loaded = useLoad(() => api.call('GET /runs/{id}', { params: { id } }), [id]);
  const [confirm, setConfirm] = useState<'retry' | 'cancel'>();
  const action = useAction();
  const run = loaded.data;
  const pending = run ? isPending(run) : false;
  const wasPending = useRef(false);

  useEffect(() => {
    if (!run) return;
    if (wasPending.current && !isPending(run)) c.announce(t('runFinishedMsg', { id: run.id, status: runStatusText(run.status, t) }));
    wasPending.current = isPending(run);
    if (!isPending(run)) return;
    const timer = setTimeout(() => void loaded.reload(), POLL_MS);
    return () => clearTimeout(timer);
  }, [run]);

  const may = run ? canOnIntegration(c.me, 'run', lookups.configs, run.configId, run.flowId) : false;
  const doRetry = () =>
    action.run(async () => {
      const { run: next } = await api.call('POST /runs/{id}/retry', { params: { id } });
      setConfirm(undefined);
      c.announce(t('runRetriedMsg', { id: next.id }));
      navigate(sectionPath('runs', next.id));
    });
  const doCancel = () =>
    action.run(async () => {
      const updated = await api.call('POST /runs/{id}/cancel', { params: { id } });
      setConfirm(undefined);
      // Said below; not "has finished" as well.
      wasPending.current = false;
      loaded.setData(updated);
      c.announce(t(updated.status === 'canceled' ? 'runCanceledMsg' : 'runCancelRequestedMsg', { id }));
    });

  return (
    <>
      <PageHeader
        title={t('runTitle', { id })}
        actions={
          run &&
          may && (
            <>
              {!pending && (
                <button type="button" class="pb-btn pb-btn-primary" onClick={() => setConfirm('retry')}>
                  {t('retryRun')}
                </button>
              )}
              {pending && !run.cancelRequestedAt && (
                <button type="button" class="pb-btn pb-btn-danger" onClick={() => setConfirm('cancel')}>
                  {t('cancelRun')}
                </button>
              )}
            </>
          )
        }
      >
        <Link href={sectionPath('runs')}>{t('backToList', { list: t('navRuns') })}</Link>
      </PageHeader>
      <ErrorAlert error={loaded.error} onRetry={() => void loaded.reload()} />
      {!run && loaded.loading && <Skeleton rows={4} />}
      {run && (
        <div class="pb-stack-lg">
          {pending && <p class="pb-muted">{t('refreshing')}</p>}
          <Section title={t('details')} id="run-details">
            <dl class="pb-dl">
              <dt>{t('colStatus')}</dt>
              <dd>
                <Badge tone={runTone(run.status)}>{runStatusText(run.status, t)}</Badge>
              </dd>
              <dt>{t('colTrigger')}</dt>
              <dd>{triggerText(run.trigger, t)}</dd>
              <dt>{t('colIntegration')}</dt>
              <dd>
                <Link href={sectionPath('integrations', run.integrationId)} class="pb-mono">
                  {run.integrationId}
                </Link>
              </dd>
              <dt>{t('colEmbedFlow')}</dt>
              <dd>
                <Link href={sectionPath('flows', run.flowId)}>{lookups.flows.get(run.flowId)?.name ?? run.flowId}</Link>
                {run.flowVersion !== null && <span class="pb-muted"> {t('versionN', { n: run.flowVersion })}</span>}
              </dd>
              <dt>{t('colConfigName')}</dt>
              <dd>{lookups.configs.get(run.configId)?.name ?? run.configId}</dd>
              <dt>{t('colUserId')}</dt>
              <dd class="pb-mono">{run.userId}</dd>
              <dt>{t('colAccountId')}</dt>
              <dd class="pb-mono">{run.accountId}</dd>
              <dt>{t('colAttempt')}</dt>
              <dd>{t('attemptOf', { n: run.attempt, max: run.maxAttempts })}</dd>
              {run.retryOf && (
                <>
                  <dt>{t('retryOfRun')}</dt>
                  <dd>
                    <Link href={sectionPath('runs', run.retryOf)} class="pb-mono">
                      {run.retryOf}
                    </Link>
                  </dd>
                </>
              )}
              <dt>{t('created')}</dt>
              <dd>{c.date(run.createdAt)}</dd>
              <dt>{t('colStarted')}</dt>
              <dd>{c.date(run.startedAt)}</dd>
              <dt>{t('finished')}</dt>
              <dd>{c.date(run.finishedAt)}</dd>
              <dt>{t('colDuration')}</dt>
              <dd>{durationText(run.durationMs)}</dd>
              {(run.errorCode || run.error) && (
                <>
                  <dt>{t('runError_')}</dt>
                  <dd>
                    {run.errorCode && <span class="pb-mono">{run.errorCode}</span>} {run.error}
                  </dd>
                </>
              )}
            </dl>
          </Section>
          <Section title={t('steps')} id="run-steps">
            {run.steps.length === 0 ? (
              <p class="pb-muted">{t(pending ? 'stepsPending' : 'noSteps')}</p>
            ) : (
              <>
                <DataTable
                  caption={t('steps')}
                  rows={run.steps}
                  rowKey={(s) => s.id}
                  columns={[
                    { key: 'id', header: t('colStep'), cell: (s) => <span class="pb-mono">{s.id}</span> },
                    {
                      key: 'status',
                      header: t('colStatus'),
                      cell: (s) => (
                        <Badge tone={s.status === 'success' ? 'ok' : s.status === 'error' ? 'bad' : 'off'}>
                          {t(`step_${s.status}` as MessageKey)}
                        </Badge>
                      ),
                    },
                    { key: 'http', header: t('colHttpStatus'), cell: (s) => (s.httpStatus === null ? '—' : String(s.httpStatus)) },
                    { key: 'duration', header: t('colDuration'), cell: (s) => durationText(s.durationMs) },
                    { key: 'attempt', header: t('colAttempt'), cell: (s) => String(s.attempt) },
                    { key: 'calls', header: t('colCalls'), cell: (s) => String(s.calls) },
                    { key: 'error', header: t('runError_'), cell: (s) => (s.errorCode ? <span class="pb-mono">{s.errorCode}</span> : '—') },
                  ]}
                />
                {run.steps.map((s) => (
                  <StepCalls key={s.id} step={s} />
                ))}
              </>
            )}
          </Section>
          <Section title={t('endUserLog')} id="run-log">
            <EndUserLogView log={run.endUserLog} />
          </Section>
        </div>
      )}
      {confirm === 'retry' && (
        <ConfirmDialog
          id="retry-run"
          title={t('retryRunTitle')}
          confirmLabel={t('retryRun')}
          danger={false}
          busy={action.busy}
          error={action.error}
          onConfirm={() => void doRetry()}
          onCancel={() => {
            action.clear();
            setConfirm(undefined);
          }}
        >
          <p>{t('retryRunText', { id })}</p>
        </ConfirmDialog>
      )}
      {confirm === 'cancel' && (
        <ConfirmDialog
          id="cancel-run"
          title={t('cancelRunTitle')}
          confirmLabel={t('cancelRunConfirm')}
          cancelLabel={t('keepRunning')}
          busy={action.busy}
          error={action.error}
          onConfirm={() => void doCancel()}
          onCancel={() => {
            action.clear();
            setConfirm(undefined);
          }}
        >
          <p>{t('cancelRunText', { id })}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

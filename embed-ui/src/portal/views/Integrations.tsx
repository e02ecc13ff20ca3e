import type { EmbedFlow, EmbedIntegration } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import { formatDateTime, type MessageKey } from '../../lib/i18n.ts';
import { announce } from '../announce.ts';
import { Confirm } from '../components/Confirm.tsx';
import { Badge, ErrorAlert } from '../components/Feedback.tsx';
import { usePortal } from '../context.ts';
import { lazy } from '../lazy.ts';
import { flowsById, type PortalData } from '../store.ts';
import { FlowGroups } from './FlowGroups.tsx';

interface Props {
  data: PortalData;
  reload(): Promise<void>;
  onSetUp(flow: EmbedFlow): void;
  onEdit(flow: EmbedFlow, integration: EmbedIntegration): void;
}

const RUN_STATUS: Record<string, MessageKey> = { queued: 'runQueued', running: 'runRunning', success: 'runSuccess', error: 'runError' };
const useRunHistory = lazy(() => import('./RunHistory.tsx'));
type StartedRun = Parameters<NonNullable<ReturnType<typeof useRunHistory>>['RunHistory']>[0]['started'];

/** The Integrations tab: available flows by group, then the user's integrations with their status and actions. */
export function Integrations({ data, reload, onSetUp, onEdit }: Props) {
  const { t } = usePortal();
  const flows = flowsById(data);
  return (
    <div>
      <h2 class="pb-section-title">{t('availableFlows')}</h2>
      <FlowGroups data={data} onSetUp={onSetUp} />
      <h2 class="pb-section-title">{t('enabledIntegrations')}</h2>
      {data.integrations.length === 0 ? (
        <p class="pb-empty">{t('noIntegrations')}</p>
      ) : (
        <ul class="pb-list">
          {data.integrations.map((integration) => (
            <IntegrationRow
              key={integration.id}
              integration={integration}
              flow={flows.get(integration.flowId)}
              reload={reload}
              onEdit={onEdit}
            />
          ))}
        </ul>
      )}
    </div>
  );
}

interface RowProps {
  integration: EmbedIntegration;
  flow: EmbedFlow | undefined;
  reload(): Promise<void>;
  onEdit(flow: EmbedFlow, integration: EmbedIntegration): void;
}

function IntegrationRow({ integration, flow, reload, onEdit }: RowProps) {
  const { t, lang, api, emit } = usePortal();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [showRuns, setShowRuns] = useState(false);
  const [started, setStarted] = useState<StartedRun>();
  const history = useRunHistory(showRuns);
  const name = flow?.name ?? integration.flowId;
  const nameId = `int-${integration.id}`;
  const enabled = integration.status === 'enabled';
  const ids = { integrationId: integration.id, flowId: integration.flowId };
  const path = `/integrations/${encodeURIComponent(integration.id)}`;

  const act = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      await reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const toggle = () =>
    act(async () => {
      await api.patch(path, { status: enabled ? 'disabled' : 'enabled' });
      emit(enabled ? 'integration.disabled' : 'integration.enabled', ids);
      announce(t(enabled ? 'saidDisabled' : 'saidEnabled'));
    });
  const runNow = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { run } = await api.post<{ run: NonNullable<StartedRun> }>(`${path}/runs`, {});
      setStarted(run);
      setShowRuns(true);
      announce(t('saidRunStarted', { name }));
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  const remove = () =>
    act(async () => {
      await api.del(path);
      setConfirming(false);
      emit('integration.deleted', ids);
      announce(t('saidDeleted'));
    });

  const run = integration.latestRun;
  const disabledNote =
    !enabled && integration.disabledBy === 'admin'
      ? t('disabledByAdmin')
      : !enabled && integration.disabledBy === 'system'
        ? t('disabledBySystem')
        : '';
  return (
    <li class="pb-item" aria-labelledby={nameId} aria-busy={busy}>
      <div class="pb-item-main">
        <div class="pb-row pb-wrap">
          <h3 id={nameId} class="pb-item-title">
            {name}
          </h3>
          <Badge tone={enabled ? 'ok' : 'off'}>{t(enabled ? 'statusEnabled' : 'statusDisabled')}</Badge>
        </div>
        <p class="pb-muted pb-small">
          {run ? t('latestRun', { status: t(RUN_STATUS[run.status] ?? 'runQueued'), at: formatDateTime(lang, run.at) }) : t('noRunsYet')}
          {enabled && integration.nextRunAt ? ` · ${t('nextRun', { at: formatDateTime(lang, integration.nextRunAt) })}` : ''}
        </p>
        {disabledNote && <p class="pb-muted pb-small">{disabledNote}</p>}
      </div>
      <div class="pb-actions pb-item-actions">
        {enabled && (
          <button type="button" class="pb-btn pb-btn-primary" onClick={() => void runNow()} disabled={busy}>
            {t('runNow')}
          </button>
        )}
        <button
          type="button"
          class="pb-btn"
          aria-expanded={showRuns}
          aria-controls={`runs-of-${integration.id}`}
          onClick={() => {
            // shown again, the history loads afresh: the run started here is in it if it is still among the newest
            if (showRuns) setStarted(undefined);
            setShowRuns(!showRuns);
          }}
        >
          {t('runs')}
        </button>
        {flow && (
          <button type="button" class="pb-btn" onClick={() => onEdit(flow, integration)} disabled={busy}>
            {t('edit')}
          </button>
        )}
        <button type="button" class="pb-btn" onClick={toggle} disabled={busy}>
          {t(enabled ? 'disable' : 'enable')}
        </button>
        <button type="button" class="pb-btn pb-btn-danger-outline" onClick={() => setConfirming(true)} disabled={busy}>
          {t('delete')}
        </button>
      </div>
      {confirming && (
        <Confirm
          id={`del-${integration.id}`}
          message={<p>{t('confirmDeleteIntegration', { name })}</p>}
          confirmLabel={t('delete')}
          busy={busy}
          onConfirm={remove}
          onCancel={() => setConfirming(false)}
        />
      )}
      {error !== undefined && <ErrorAlert error={error} />}
      <div id={`runs-of-${integration.id}`} class="pb-item-runs" hidden={!showRuns}>
        {showRuns &&
          (history ? (
            <history.RunHistory integrationId={integration.id} started={started} onSettled={() => void reload()} />
          ) : (
            <p class="pb-muted pb-small">{t('loading')}</p>
          ))}
      </div>
    </li>
  );
}

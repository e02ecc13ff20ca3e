import type { EmbedFlow, EmbedIntegration } from '@patchbay/shared';
import { useEffect, useRef, useState } from 'preact/hooks';
import { ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { usePortal } from '../context.ts';
import { flowsById, usePortalData } from '../store.ts';
import { Connections } from './Connections.tsx';
import { DeleteData } from './DeleteData.tsx';
import { Integrations } from './Integrations.tsx';
import { SetupWizard } from './SetupWizard.tsx';

type Tab = 'integrations' | 'connections';
const TABS: Tab[] = ['integrations', 'connections'];

/**
 * Home: the tabs "Integrations" and "Connections", or the setup wizard in their place. A `flowId`
 * deep link, or a configuration with a single flow not yet set up, opens the wizard at once.
 */
export function Home({ deepLinkFlowId }: { deepLinkFlowId: string | undefined }) {
  const { t, api } = usePortal();
  const { data, error, loading, reload } = usePortalData(api);
  const [tab, setTab] = useState<Tab>('integrations');
  const [wizard, setWizard] = useState<{ flow: EmbedFlow; integration?: EmbedIntegration }>();
  const autoOpened = useRef(false);
  const tabRefs = useRef<Record<Tab, HTMLButtonElement | null>>({ integrations: null, connections: null });

  useEffect(() => {
    if (!data || autoOpened.current) return;
    autoOpened.current = true;
    const flows = flowsById(data);
    const linked = deepLinkFlowId ? flows.get(deepLinkFlowId) : undefined;
    const only = flows.size === 1 ? [...flows.values()][0] : undefined;
    const target = linked ?? only;
    if (!target) return;
    const existing = data.integrations.find((i) => i.flowId === target.id);
    if (!existing) setWizard({ flow: target });
    else if (linked) setWizard({ flow: target, integration: existing });
  }, [data, deepLinkFlowId]);

  const onTabKey = (event: KeyboardEvent) => {
    const i = TABS.indexOf(tab);
    const next =
      event.key === 'ArrowRight'
        ? TABS[(i + 1) % TABS.length]
        : event.key === 'ArrowLeft'
          ? TABS[(i + TABS.length - 1) % TABS.length]
          : event.key === 'Home'
            ? TABS[0]
            : event.key === 'End'
              ? TABS.at(-1)
              : undefined;
    if (!next) return;
    event.preventDefault();
    setTab(next);
    tabRefs.current[next]?.focus();
  };

  const busy = loading && !data;
  return (
    <main class="pb-main" aria-busy={loading}>
      {wizard && data && (
        <SetupWizard
          key={wizard.flow.id}
          flow={wizard.flow}
          data={data}
          {...(wizard.integration ? { integration: wizard.integration } : {})}
          onClose={() => setWizard(undefined)}
          reload={reload}
        />
      )}
      <div hidden={Boolean(wizard && data)}>
        <div role="tablist" aria-label={t('tabsLabel')} class="pb-tabs" onKeyDown={onTabKey}>
          {TABS.map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              id={`tab-${name}`}
              ref={(el) => {
                tabRefs.current[name] = el;
              }}
              aria-selected={tab === name}
              aria-controls={`panel-${name}`}
              tabIndex={tab === name ? 0 : -1}
              class="pb-tab"
              onClick={() => setTab(name)}
            >
              {t(name === 'integrations' ? 'tabIntegrations' : 'tabConnections')}
            </button>
          ))}
        </div>
        <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} class="pb-panel">
          {busy && (
            <>
              <span class="pb-sr">{t('loading')}</span>
              <Skeleton />
            </>
          )}
          {error && <ErrorAlert error={error} onRetry={() => void reload()} />}
          {data &&
            (tab === 'integrations' ? (
              <Integrations
                data={data}
                reload={reload}
                onSetUp={(flow) => setWizard({ flow })}
                onEdit={(flow, integration) => setWizard({ flow, integration })}
              />
            ) : (
              <Connections data={data} reload={reload} />
            ))}
        </div>
        {data && <DeleteData reload={reload} />}
      </div>
    </main>
  );
}

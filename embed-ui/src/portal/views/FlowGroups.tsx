import type { EmbedFlow, EmbedIntegration } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import { ConnectorIcon } from '../components/Feedback.tsx';
import { usePortal } from '../context.ts';
import type { PortalData } from '../store.ts';

interface Props {
  data: PortalData;
  onSetUp(flow: EmbedFlow): void;
  /** Opens the wizard on the existing integration of a flow. */
  onEdit(flow: EmbedFlow, integration: EmbedIntegration): void;
}

/** From this many groups on, a search box filters flows and connectors. */
export const SEARCH_FROM_GROUPS = 3;

/**
 * The configuration's flow groups: collapsible (one or two groups start open), with highlighted
 * connectors and a card per flow. With many groups a search box filters flows (name, description,
 * their groups' connectors) and opens every group with a match.
 */
export function FlowGroups({ data, onSetUp, onEdit }: Props) {
  const { t } = usePortal();
  const all = data.groups.filter((g) => g.flows.length > 0);
  const [open, setOpen] = useState<Set<string>>(() => new Set(all.length < SEARCH_FROM_GROUPS ? all.map((g) => g.id) : []));
  const [query, setQuery] = useState('');
  if (all.length === 0) return <p class="pb-empty">{t('noFlows')}</p>;
  const searchable = all.length >= SEARCH_FROM_GROUPS;
  const q = query.trim().toLowerCase();
  const groups = q
    ? all
        .map((g) => {
          const groupHit = g.name.toLowerCase().includes(q) || g.highlightedConnectors.some((c) => c.name.toLowerCase().includes(q));
          const flows = groupHit
            ? g.flows
            : g.flows.filter((f) => f.name.toLowerCase().includes(q) || (f.description ?? '').toLowerCase().includes(q));
          return { ...g, flows };
        })
        .filter((g) => g.flows.length > 0)
    : all;
  const brand = (id: string) => data.connectors.find((c) => c.id === id)?.brandIcon;
  const toggle = (id: string) => {
    const next = new Set(open);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setOpen(next);
  };
  return (
    <div class="pb-groups">
      {searchable && (
        <div class="pb-search">
          <label for="pb-search">{t('searchLabel')}</label>
          <input id="pb-search" type="search" value={query} onInput={(e) => setQuery((e.target as HTMLInputElement).value)} />
        </div>
      )}
      {groups.length === 0 && (
        <p class="pb-empty" role="status">
          {t('noMatches')}
        </p>
      )}
      {groups.map((group) => {
        const expanded = q !== '' || open.has(group.id);
        const regionId = `grp-${group.id}`;
        return (
          <section class="pb-group" key={group.id}>
            <h3 class="pb-group-head">
              <button
                type="button"
                class="pb-group-toggle"
                aria-expanded={expanded}
                aria-controls={regionId}
                onClick={() => toggle(group.id)}
              >
                <span class="pb-chevron" aria-hidden="true" />
                <span>{group.name}</span>
              </button>
              {group.highlightedConnectors.length > 0 && (
                <span class="pb-highlights">
                  {group.highlightedConnectors.map((c) => (
                    <span class="pb-highlight" key={c.id} title={c.name}>
                      <ConnectorIcon name={c.name} iconUrl={c.iconUrl} brandIcon={brand(c.id)} />
                      <span class="pb-sr">{c.name}</span>
                    </span>
                  ))}
                </span>
              )}
            </h3>
            <section id={regionId} aria-label={group.name} hidden={!expanded}>
              <ul class="pb-cards">
                {group.flows.map((flow) => (
                  <FlowCard
                    key={flow.id}
                    flow={flow}
                    integration={data.integrations.find((i) => i.flowId === flow.id)}
                    onSetUp={onSetUp}
                    onEdit={onEdit}
                  />
                ))}
              </ul>
            </section>
          </section>
        );
      })}
    </div>
  );
}

/** A flow's card: "Set up", or "Edit" once it is set up — its status is shown once, in "Your integrations". */
function FlowCard({
  flow,
  integration,
  onSetUp,
  onEdit,
}: {
  flow: EmbedFlow;
  integration: EmbedIntegration | undefined;
  onSetUp(flow: EmbedFlow): void;
  onEdit(flow: EmbedFlow, integration: EmbedIntegration): void;
}) {
  const { t } = usePortal();
  const titleId = `flow-${flow.id}`;
  return (
    <li class="pb-card" aria-labelledby={titleId}>
      <div class="pb-card-body">
        <h4 id={titleId}>{flow.name}</h4>
        {flow.description && <p class="pb-muted">{flow.description}</p>}
        <p class="pb-muted pb-small">{triggerText(t, flow)}</p>
      </div>
      {integration ? (
        <button type="button" class="pb-btn" onClick={() => onEdit(flow, integration)} aria-describedby={titleId}>
          {t('edit')}
        </button>
      ) : (
        <button type="button" class="pb-btn pb-btn-primary" onClick={() => onSetUp(flow)} aria-describedby={titleId}>
          {t('setUp')}
        </button>
      )}
    </li>
  );
}

/** How a flow runs, in words. */
export function triggerText(t: ReturnType<typeof usePortal>['t'], flow: EmbedFlow): string {
  const trigger = flow.trigger;
  if (trigger.type === 'schedule') {
    if (trigger.everyMinutes) return t('triggerSchedule', { n: trigger.everyMinutes });
    // A cron schedule runs in its time zone (UTC unless the flow names one): say which.
    return t('triggerCronZone', { zone: trigger.timezone ?? 'UTC' });
  }
  return t(trigger.type === 'webhook' ? 'triggerWebhook' : 'triggerManual');
}

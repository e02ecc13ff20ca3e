import type { EmbedConfig } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import { Empty, ErrorAlert } from '../components/Feedback.tsx';
import { CheckboxField, TextField } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { useConsole } from '../context.ts';
import { useAction } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';
import { sectionPath } from '../router.ts';
import { OtherIssues } from './ConnectorCreate.tsx';
import type { Saved } from './EmbedConfigDetail.tsx';

type Group = { id?: string; name: string; flowIds: string[]; highlightedConnectors: string[] };

const toggle = (list: string[], value: string, on: boolean) => (on ? [...new Set([...list, value])] : list.filter((v) => v !== value));

/**
 * The groups the iframe shows, each with its flows and highlighted connectors, in order. Saving
 * replaces every group; existing groups keep their id, and with it the member permissions on them.
 */
export function GroupsEditor({ config, onSaved }: { config: EmbedConfig; onSaved(s: Saved): void }) {
  const c = useConsole();
  const { t, api, lookups } = c;
  const admin = isAdmin(c.me);
  const [groups, setGroups] = useState<Group[]>(() =>
    config.groups.map((g) => ({ ...g, flowIds: [...g.flowIds], highlightedConnectors: [...g.highlightedConnectors] })),
  );
  const action = useAction();
  const flows = [...lookups.flows.values()];
  const connectors = [...lookups.connectors.values()];
  const update = (i: number, patch: Partial<Group>) => setGroups((gs) => gs.map((g, j) => (j === i ? { ...g, ...patch } : g)));
  const move = (i: number, by: -1 | 1) =>
    setGroups((gs) => {
      const next = [...gs];
      const [g] = next.splice(i, 1);
      if (g) next.splice(i + by, 0, g);
      return next;
    });
  const save = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const res = await api.call('PATCH /embed-configs/{id}', {
        params: { id: config.id },
        body: {
          groups: groups.map((g) => ({
            ...(g.id ? { id: g.id } : {}),
            name: g.name.trim(),
            flowIds: g.flowIds,
            highlightedConnectors: g.highlightedConnectors,
          })),
        },
      });
      const { callbackSecret: _none, ...rest } = res;
      setGroups(rest.groups.map((g) => ({ ...g })));
      c.announce(t('groupsSavedMsg'));
      onSaved({ config: rest });
    });
  };
  return (
    <form class="pb-form pb-form-wide" onSubmit={(e) => void save(e)}>
      <p class="pb-hint">{t('groupsHint')}</p>
      {groups.length === 0 && <Empty title={t('noGroups')}>{admin && <p>{t('noGroupsNext')}</p>}</Empty>}
      {flows.length === 0 && (
        <p class="pb-muted">
          {t('noFlowsYet')} <Link href={sectionPath('flows')}>{t('navFlows')}</Link>
        </p>
      )}
      <fieldset class="pb-plain" disabled={!admin}>
        {groups.map((g, i) => (
          <fieldset class="pb-fieldset pb-group-edit" key={g.id ?? `new-${i}`}>
            <legend>{t('groupN', { n: i + 1, name: g.name || '…' })}</legend>
            <TextField label={t('groupName')} value={g.name} onInput={(v) => update(i, { name: v })} required />
            <fieldset class="pb-fieldset pb-checks">
              <legend>{t('groupFlows')}</legend>
              {flows.map((f) => (
                <CheckboxField
                  key={f.id}
                  label={f.name}
                  checked={g.flowIds.includes(f.id)}
                  onChange={(on) => update(i, { flowIds: toggle(g.flowIds, f.id, on) })}
                />
              ))}
            </fieldset>
            <fieldset class="pb-fieldset pb-checks">
              <legend>{t('highlightedConnectors')}</legend>
              {connectors.map((x) => (
                <CheckboxField
                  key={x.id}
                  label={x.name}
                  checked={g.highlightedConnectors.includes(x.id)}
                  onChange={(on) => update(i, { highlightedConnectors: toggle(g.highlightedConnectors, x.id, on) })}
                />
              ))}
            </fieldset>
            {admin && (
              <div class="pb-actions">
                <button type="button" class="pb-btn pb-btn-small" disabled={i === 0} onClick={() => move(i, -1)}>
                  {t('moveUp')}
                </button>
                <button type="button" class="pb-btn pb-btn-small" disabled={i === groups.length - 1} onClick={() => move(i, 1)}>
                  {t('moveDown')}
                </button>
                <button
                  type="button"
                  class="pb-btn pb-btn-small pb-btn-danger-outline"
                  onClick={() => setGroups((gs) => gs.filter((_, j) => j !== i))}
                >
                  {t('removeGroup')}
                </button>
              </div>
            )}
          </fieldset>
        ))}
      </fieldset>
      <ErrorAlert error={action.error} />
      <OtherIssues issues={(action.error as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? []} />
      {admin && (
        <div class="pb-actions">
          <button
            type="button"
            class="pb-btn"
            onClick={() => setGroups((gs) => [...gs, { name: '', flowIds: [], highlightedConnectors: [] }])}
          >
            {t('addGroup')}
          </button>
          <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
            {t('saveGroups')}
          </button>
        </div>
      )}
    </form>
  );
}

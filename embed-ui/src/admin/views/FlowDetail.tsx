import type { Flow } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import { ApiError } from '../../lib/api.ts';
import { DeleteDialog } from '../components/DeleteDialog.tsx';
import { ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { CheckboxField, Section, TextArea, TextField } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { PagedTable } from '../components/PagedTable.tsx';
import { useConsole } from '../context.ts';
import { useAction, useLoad, usePagedList } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';
import { sectionPath, withFilters } from '../router.ts';
import { bodyIssues } from './EmbedConfigCreate.tsx';
import { definitionText, FlowEditor } from './FlowEditor.tsx';
import { triggerText } from './Flows.tsx';

/** Whether the console offers this flow's changes: owners and admins, and members with `manage` on a group offering it (the server has the last word). */
function mayChange(c: ReturnType<typeof useConsole>, flowId: string): boolean {
  if (isAdmin(c.me)) return true;
  for (const config of c.lookups.configs.values()) {
    for (const g of config.groups) {
      if (g.flowIds.includes(flowId) && c.me.permissions.some((p) => p.groupId === g.id && p.manage)) return true;
    }
  }
  return false;
}

/** Name, description and icon of a flow. */
function MetaForm({ flow, onSaved, disabled }: { flow: Flow; onSaved(f: Flow): void; disabled: boolean }) {
  const c = useConsole();
  const { t, api } = c;
  const [name, setName] = useState(flow.name);
  const [description, setDescription] = useState(flow.description ?? '');
  const [icon, setIcon] = useState(flow.icon ?? '');
  const action = useAction();
  const issues = bodyIssues(action.error, ['name', 'description', 'icon']);
  return (
    <form
      class="pb-form"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          const f = await api.call('PATCH /flows/{id}', {
            params: { id: flow.id },
            body: { name: name.trim(), description: description.trim() || null, icon: icon.trim() || null },
          });
          onSaved(f);
          c.announce(t('flowSavedMsg', { name: f.name }));
        });
      }}
    >
      <fieldset class="pb-plain" disabled={disabled}>
        <TextField label={t('name')} value={name} onInput={setName} error={issues.byField.name} required />
        <TextArea label={t('description')} value={description} onInput={setDescription} error={issues.byField.description} rows={2} />
        <TextField label={t('iconUrl')} type="url" value={icon} onInput={setIcon} error={issues.byField.icon} />
      </fieldset>
      <ErrorAlert error={action.error} />
      {!disabled && (
        <div class="pb-actions">
          <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
            {t('save')}
          </button>
        </div>
      )}
    </form>
  );
}

/** One flow: its details, the JSON editor of its definition with "Publish version" (and "Push to existing integrations"), its versions. */
export function FlowDetail({ id }: { id: string }) {
  const c = useConsole();
  const { t, api } = c;
  const [text, setText] = useState<string>();
  const [push, setPush] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const publish = useAction();
  const loaded = useLoad(async () => {
    const flow = await api.call('GET /flows/{id}', { params: { id } });
    setText(definitionText(flow.definition));
    return flow;
  }, [id]);
  const versions = usePagedList(
    (cursor) => api.call('GET /flows/{id}/versions', { params: { id }, query: { cursor, limit: 20 } }),
    (v) => String(v.version),
    [id],
  );
  const flow = loaded.data;
  const editable = mayChange(c, id);
  const serverIssues = ((publish.error as ApiError | undefined)?.issues ?? []).filter((i) => i.path.startsWith('body.definition'));

  const doPublish = async (e: Event) => {
    e.preventDefault();
    if (text === undefined) return;
    await publish.run(async () => {
      let definition: unknown;
      try {
        definition = JSON.parse(text);
      } catch {
        throw new ApiError(400, 'validation_failed', t('fixJsonFirst'));
      }
      const created = await api.call('POST /flows/{id}/versions', {
        params: { id },
        body: { definition: definition as never, pushToIntegrations: push },
      });
      c.announce(
        push
          ? t('versionPublishedPushedMsg', { v: created.version, n: created.movedIntegrations })
          : t('versionPublishedMsg', { v: created.version }),
      );
      setPush(false);
      await Promise.all([loaded.reload(), versions.reload(), c.reloadLookups()]);
    });
  };

  return (
    <>
      <PageHeader
        title={flow?.name ?? id}
        actions={
          isAdmin(c.me) &&
          flow && (
            <button type="button" class="pb-btn pb-btn-danger-outline" onClick={() => setConfirmDelete(true)}>
              {t('delete')}
            </button>
          )
        }
      >
        <Link href={sectionPath('flows')}>{t('backToList', { list: t('navFlows') })}</Link> <span class="pb-mono pb-muted">{id}</span>
      </PageHeader>
      <ErrorAlert error={loaded.error} onRetry={() => void loaded.reload()} />
      {!flow && loaded.loading && <Skeleton rows={4} />}
      {flow && text !== undefined && (
        <div class="pb-stack-lg">
          <Section title={t('details')} id="flow-details">
            <p>
              {t('currentVersion', { n: flow.version })} · {triggerText(flow, t)} ·{' '}
              <Link href={withFilters(sectionPath('integrations'), { flowId: flow.id })}>{t('integrationsOfFlow')}</Link>
            </p>
            <MetaForm flow={flow} onSaved={(f) => loaded.setData(f)} disabled={!editable} />
          </Section>
          <Section title={t('definition')} id="flow-definition">
            <form class="pb-form pb-form-wide" onSubmit={(e) => void doPublish(e)}>
              <p class="pb-hint">{t('definitionHint')}</p>
              <FlowEditor
                id="flow-def"
                label={t('definitionJson')}
                value={text}
                onInput={setText}
                serverIssues={serverIssues}
                issuePrefix="body.definition"
                readOnly={!editable}
              />
              {editable && (
                <>
                  <CheckboxField label={t('pushToIntegrations')} checked={push} onChange={setPush} hint={t('pushToIntegrationsHint')} />
                  <ErrorAlert error={publish.error} />
                  <div class="pb-actions">
                    <button type="submit" class="pb-btn pb-btn-primary" disabled={publish.busy}>
                      {t('publishVersion')}
                    </button>
                  </div>
                </>
              )}
            </form>
          </Section>
          <Section title={t('versions')} id="flow-versions">
            <PagedTable
              list={versions}
              caption={t('versions')}
              rowKey={(v) => String(v.version)}
              skeletonRows={2}
              empty={null}
              columns={[
                {
                  key: 'version',
                  header: t('version'),
                  cell: (v) => (v.version === flow.version ? t('versionCurrent', { n: v.version }) : String(v.version)),
                },
                { key: 'created', header: t('created'), cell: (v) => c.date(v.createdAt) },
                {
                  key: 'actions',
                  header: t('colActions'),
                  actions: true,
                  cell: (v) => (
                    <button
                      type="button"
                      class="pb-btn pb-btn-small"
                      aria-label={t('openVersionN', { n: v.version })}
                      onClick={() => {
                        setText(definitionText(v.definition));
                        c.announce(t('versionLoadedMsg', { n: v.version }));
                      }}
                    >
                      {t('openInEditor')}
                    </button>
                  ),
                },
              ]}
            />
          </Section>
        </div>
      )}
      {confirmDelete && flow && (
        <DeleteDialog
          id="delete-flow"
          title={t('deleteFlowTitle')}
          text={t('deleteFlowText', { name: flow.name })}
          remove={() => api.call('DELETE /flows/{id}', { params: { id } })}
          leaveTo={sectionPath('flows')}
          doneMessage={t('flowDeletedMsg', { name: flow.name })}
          onClose={() => setConfirmDelete(false)}
        />
      )}
    </>
  );
}

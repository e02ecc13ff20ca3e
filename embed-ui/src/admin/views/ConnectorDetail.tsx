import type { Connector } from '@patchbay/shared';
import { Fragment } from 'preact';
import { useState } from 'preact/hooks';
import type { ApiError } from '../../lib/api.ts';
import { CopyField } from '../components/Copy.tsx';
import { DeleteDialog } from '../components/DeleteDialog.tsx';
import { ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { Section } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { ConfirmDialog } from '../components/Modal.tsx';
import { PageHeader } from '../components/Page.tsx';
import { type ConnectorForm, formFromConnector, sortIssues, updateBody } from '../connectorForm.ts';
import { useConsole } from '../context.ts';
import { useAction, useLoad } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';
import { sectionPath } from '../router.ts';
import { OtherIssues } from './ConnectorCreate.tsx';
import { ConnectorFormFields } from './ConnectorFormFields.tsx';

/** What a refused delete (`409 in_use`) lists: connector auths, flows and configurations still using the connector. */
function InUse({ error }: { error: unknown }) {
  const { t, lookups } = useConsole();
  const e = error as ApiError | undefined;
  if (e?.code !== 'in_use' || !e.details || typeof e.details !== 'object') return null;
  const ids = (key: string) => {
    const v = (e.details as Record<string, unknown>)[key];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  };
  const groups = [
    { label: t('navConnectorAuths'), items: ids('connectorAuths') },
    { label: t('navFlows'), items: ids('flows').map((f) => lookups.flows.get(f)?.name ?? f) },
    { label: t('navEmbedConfigs'), items: ids('embedConfigs').map((x) => lookups.configs.get(x)?.name ?? x) },
  ].filter((g) => g.items.length > 0);
  return (
    <dl class="pb-dl">
      {groups.map((g) => (
        <Fragment key={g.label}>
          <dt>{g.label}</dt>
          <dd>{g.items.join(', ')}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

/** One connector: its redirect URI (with a copy button) and, for owners and admins, the edit form and Delete. */
export function ConnectorDetail({ id }: { id: string }) {
  const c = useConsole();
  const { t, api } = c;
  const admin = isAdmin(c.me);
  const [form, setForm] = useState<ConnectorForm>();
  const [confirmForce, setConfirmForce] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const save = useAction();
  const loaded = useLoad(async () => {
    const connector = await api.call('GET /connectors/{id}', { params: { id } });
    setForm(formFromConnector(connector));
    return connector;
  }, [id]);
  const connector = loaded.data;
  const issues = sortIssues((save.error as ApiError | undefined)?.issues ?? []);

  const doSave = async (force: boolean) => {
    if (!form || !connector) return;
    let updated: Connector | undefined;
    let conflicted = false;
    const ok = await save.run(async () => {
      try {
        updated = await api.call('PATCH /connectors/{id}', { params: { id }, body: updateBody(form, connector, force) });
      } catch (e) {
        conflicted = (e as ApiError).code === 'conflict';
        throw e;
      }
    });
    // Moving credentials to another host needs a second, explicit yes (force).
    setConfirmForce(conflicted && !force);
    if (ok && updated) {
      loaded.setData(updated);
      setForm(formFromConnector(updated));
      await c.reloadLookups();
      c.announce(t('connectorSavedMsg', { name: updated.name }));
    }
  };
  const conflict = (save.error as ApiError | undefined)?.code === 'conflict';

  return (
    <>
      <PageHeader
        title={connector?.name ?? id}
        actions={
          admin &&
          connector && (
            <button type="button" class="pb-btn pb-btn-danger-outline" onClick={() => setConfirmDelete(true)}>
              {t('delete')}
            </button>
          )
        }
      >
        <Link href={sectionPath('connectors')}>{t('backToList', { list: t('navConnectors') })}</Link>
      </PageHeader>
      <ErrorAlert error={loaded.error} onRetry={() => void loaded.reload()} />
      {!connector && loaded.loading && <Skeleton rows={3} />}
      {connector && (
        <div class="pb-stack-lg">
          {connector.redirectUri && (
            <Section title={t('redirectUri')} id="redirect">
              <p class="pb-hint">{t('redirectUriHint')}</p>
              <CopyField id="redirect-uri" label={t('redirectUri')} value={connector.redirectUri} />
            </Section>
          )}
          {admin && form ? (
            <Section title={t('settings')} id="settings">
              <form
                class="pb-form pb-form-wide"
                onSubmit={(e) => {
                  e.preventDefault();
                  void doSave(false);
                }}
              >
                <ConnectorFormFields
                  form={form}
                  set={(p) => setForm({ ...form, ...p })}
                  errors={issues.byField}
                  mode={{ kind: 'edit', connector }}
                />
                {!conflict && <ErrorAlert error={save.error} />}
                <OtherIssues issues={issues.other} />
                <div class="pb-actions">
                  <button type="submit" class="pb-btn pb-btn-primary" disabled={save.busy}>
                    {t('save')}
                  </button>
                </div>
              </form>
            </Section>
          ) : (
            <Section title={t('settings')} id="settings">
              <dl class="pb-dl">
                <dt>{t('connectorId')}</dt>
                <dd class="pb-mono">{connector.id}</dd>
                <dt>{t('authType')}</dt>
                <dd>{t(`auth_${connector.authType}`)}</dd>
                <dt>{t('baseUrl')}</dt>
                <dd class="pb-mono">{connector.baseUrl ?? '—'}</dd>
              </dl>
            </Section>
          )}
        </div>
      )}
      {confirmForce && (
        <ConfirmDialog
          id="force-save"
          title={t('moveCredentialsTitle')}
          confirmLabel={t('saveAnyway')}
          busy={save.busy}
          onCancel={() => setConfirmForce(false)}
          onConfirm={() => void doSave(true)}
        >
          <p>{c.errorText(save.error)}</p>
          <p>{t('moveCredentialsText')}</p>
        </ConfirmDialog>
      )}
      {confirmDelete && connector && (
        <DeleteDialog
          id="delete-connector"
          title={t('deleteConnectorTitle')}
          text={t('deleteConnectorText', { name: connector.name })}
          remove={() => api.call('DELETE /connectors/{id}', { params: { id } })}
          leaveTo={sectionPath('connectors')}
          doneMessage={t('connectorDeletedMsg', { name: connector.name })}
          onClose={() => setConfirmDelete(false)}
          details={(error) => <InUse error={error} />}
        />
      )}
    </>
  );
}

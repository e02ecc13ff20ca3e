import type { EmbedConfig } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import type { ApiError } from '../../lib/api.ts';
import { sharingText } from '../columns.ts';
import { ErrorAlert, Skeleton } from '../components/Feedback.tsx';
import { CheckboxField, Section, SelectField, TextArea, TextField } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { ConfirmDialog } from '../components/Modal.tsx';
import { PageHeader } from '../components/Page.tsx';
import { SecretOnce, type ShownSecret } from '../components/SecretOnce.tsx';
import { useConsole } from '../context.ts';
import { useAction, useLoad } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';
import { navigate, sectionPath } from '../router.ts';
import { OtherIssues } from './ConnectorCreate.tsx';
import { BrandingEditor } from './EmbedBranding.tsx';
import { bodyIssues, splitOrigins } from './EmbedConfigCreate.tsx';
import { GroupsEditor } from './EmbedGroups.tsx';
import { SigningKeys } from './EmbedKeys.tsx';
import { Snippet } from './EmbedSnippet.tsx';

/** What a section of the page hands back after a save: the configuration as answered, and a secret shown once, if any. */
export interface Saved {
  config: EmbedConfig;
  secrets?: ShownSecret[];
}

/** The fields of `next` whose value differs from `current` (a PATCH sends only what changed; the rest stays as stored). */
export function changedFields<T extends Record<string, unknown>>(next: T, current: T): Partial<T> {
  return Object.fromEntries(Object.entries(next).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(current[k]))) as Partial<T>;
}

/** General settings: name, allowed origins, consent, language, proprietary connector, callback URL, enabled. */
function GeneralForm({ config, onSaved }: { config: EmbedConfig; onSaved(s: Saved): void }) {
  const c = useConsole();
  const { t, api, lookups } = c;
  const admin = isAdmin(c.me);
  const [name, setName] = useState(config.name);
  const [origins, setOrigins] = useState(config.allowedOrigins.join('\n'));
  const [consent, setConsent] = useState(config.consent.enabled);
  const [consentText, setConsentText] = useState(config.consent.text ?? '');
  const [language, setLanguage] = useState(config.defaultLanguage);
  const [proprietary, setProprietary] = useState(config.proprietaryConnectorId ?? '');
  const [callbackUrl, setCallbackUrl] = useState(config.callbackUrl ?? '');
  const [enabled, setEnabled] = useState(config.enabled);
  const action = useAction();
  const issues = bodyIssues(action.error, [
    'name',
    'allowedOrigins',
    'consent',
    'callbackUrl',
    'defaultLanguage',
    'proprietaryConnectorId',
  ]);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = changedFields(
      {
        name: name.trim(),
        allowedOrigins: splitOrigins(origins),
        consent: { enabled: consent, ...(consentText.trim() ? { text: consentText.trim() } : {}) },
        defaultLanguage: language,
        proprietaryConnectorId: proprietary || null,
        callbackUrl: callbackUrl.trim() || null,
        enabled,
      },
      {
        name: config.name,
        allowedOrigins: config.allowedOrigins,
        consent: { enabled: config.consent.enabled, ...(config.consent.text ? { text: config.consent.text } : {}) },
        defaultLanguage: config.defaultLanguage,
        proprietaryConnectorId: config.proprietaryConnectorId,
        callbackUrl: config.callbackUrl,
        enabled: config.enabled,
      },
    );
    if (Object.keys(body).length === 0) {
      c.announce(t('noChanges'));
      return;
    }
    await action.run(async () => {
      const res = await api.call('PATCH /embed-configs/{id}', { params: { id: config.id }, body });
      const { callbackSecret, ...rest } = res;
      c.announce(t('configSavedMsg', { name: res.name }));
      onSaved({ config: rest, ...(callbackSecret ? { secrets: [{ label: t('callbackSecret'), value: callbackSecret }] } : {}) });
    });
  };
  return (
    <form class="pb-form" onSubmit={(e) => void submit(e)}>
      <fieldset class="pb-plain" disabled={!admin}>
        <TextField label={t('name')} value={name} onInput={setName} error={issues.byField.name} required />
        <div class="pb-field">
          <span class="pb-label">{t('colSharingLevel')}</span>
          <span>
            {sharingText(config.sharingLevel, t)} <span class="pb-hint">({t('sharingFixedShort')})</span>
          </span>
        </div>
        <TextArea
          label={t('allowedOrigins')}
          value={origins}
          onInput={setOrigins}
          error={issues.byField.allowedOrigins}
          hint={t('allowedOriginsHint')}
          rows={3}
          required
          mono
        />
        <CheckboxField label={t('consentEnabled')} checked={consent} onChange={setConsent} />
        {consent && <TextArea label={t('consentText')} value={consentText} onInput={setConsentText} hint={t('consentTextHint')} rows={3} />}
        <SelectField
          label={t('defaultLanguage')}
          value={language}
          onChange={(v) => setLanguage(v === 'de' ? 'de' : 'en')}
          options={[
            { value: 'en', label: 'English' },
            { value: 'de', label: 'Deutsch' },
          ]}
        />
        <SelectField
          label={t('proprietaryConnector')}
          value={proprietary}
          onChange={setProprietary}
          error={issues.byField.proprietaryConnectorId}
          hint={t('proprietaryConnectorHint')}
          options={[{ value: '', label: t('none') }, ...[...lookups.connectors.values()].map((x) => ({ value: x.id, label: x.name }))]}
        />
        <TextField
          label={t('callbackUrl')}
          type="url"
          value={callbackUrl}
          onInput={setCallbackUrl}
          error={issues.byField.callbackUrl}
          hint={t('callbackUrlHint')}
        />
        <CheckboxField label={t('configEnabled')} checked={enabled} onChange={setEnabled} hint={t('configEnabledHint')} />
      </fieldset>
      <ErrorAlert error={action.error} />
      <OtherIssues issues={issues.other} />
      {admin && (
        <div class="pb-actions">
          <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
            {t('save')}
          </button>
        </div>
      )}
    </form>
  );
}

/** The callback signing secret: rotate it (the new one is shown once; the old one stops at once). */
function CallbackSecret({ config, onSecret }: { config: EmbedConfig; onSecret(s: ShownSecret[]): void }) {
  const c = useConsole();
  const { t, api } = c;
  const [confirm, setConfirm] = useState(false);
  const action = useAction();
  if (!config.callbackUrl) return <p class="pb-muted">{t('noCallbackUrl')}</p>;
  return (
    <>
      <p>
        {t('callbackUrl')}: <span class="pb-mono">{config.callbackUrl}</span>
      </p>
      <p class="pb-hint">{t('callbackSecretHint')}</p>
      {isAdmin(c.me) && (
        <div class="pb-actions">
          <button type="button" class="pb-btn" onClick={() => setConfirm(true)}>
            {t('rotateCallbackSecret')}
          </button>
        </div>
      )}
      {confirm && (
        <ConfirmDialog
          id="rotate-callback"
          title={t('rotateCallbackSecret')}
          confirmLabel={t('rotate')}
          busy={action.busy}
          error={action.error}
          onCancel={() => setConfirm(false)}
          onConfirm={() =>
            void action
              .run(async () => {
                const res = await api.call('POST /embed-configs/{id}/rotate-callback-secret', { params: { id: config.id } });
                onSecret([{ label: t('callbackSecret'), value: res.callbackSecret }]);
                c.announce(t('callbackSecretRotatedMsg'));
              })
              .then((ok) => ok && setConfirm(false))
          }
        >
          <p>{t('rotateCallbackSecretText')}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

/** One embed configuration and everything about it, section by section. */
export function EmbedConfigDetail({ id }: { id: string }) {
  const c = useConsole();
  const { t, api } = c;
  const admin = isAdmin(c.me);
  const [secrets, setSecrets] = useState<ShownSecret[]>();
  const [deleting, setDeleting] = useState<{ force: boolean }>();
  const del = useAction();
  const loaded = useLoad(() => api.call('GET /embed-configs/{id}', { params: { id } }), [id]);
  const config = loaded.data;
  const saved = (s: Saved) => {
    loaded.setData(s.config);
    if (s.secrets) setSecrets(s.secrets);
    void c.reloadLookups();
  };
  const remove = async (force: boolean) => {
    let inUse = false;
    const ok = await del.run(async () => {
      try {
        await api.call('DELETE /embed-configs/{id}', { params: { id }, query: force ? { force: 'true' } : {} });
      } catch (e) {
        inUse = (e as ApiError).code === 'in_use';
        throw e;
      }
    });
    if (ok) {
      await c.reloadLookups();
      navigate(sectionPath('embedConfigs'));
      c.announce(t('configDeletedMsg', { name: config?.name ?? id }));
    } else if (inUse) setDeleting({ force: true });
  };
  return (
    <>
      <PageHeader
        title={config?.name ?? id}
        actions={
          admin &&
          config && (
            <button type="button" class="pb-btn pb-btn-danger-outline" onClick={() => setDeleting({ force: false })}>
              {t('delete')}
            </button>
          )
        }
      >
        <Link href={sectionPath('embedConfigs')}>{t('backToList', { list: t('navEmbedConfigs') })}</Link>{' '}
        <span class="pb-mono pb-muted">{id}</span>
      </PageHeader>
      <ErrorAlert error={loaded.error} onRetry={() => void loaded.reload()} />
      {!config && loaded.loading && <Skeleton rows={4} />}
      {config && (
        <div class="pb-stack-lg">
          <nav class="pb-toc" aria-label={t('onThisPage')}>
            <a href="#cfg-general">{t('general')}</a>
            <a href="#cfg-snippet">{t('snippet')}</a>
            <a href="#cfg-keys">{t('signingKeys')}</a>
            <a href="#cfg-groups">{t('groupsAndFlows')}</a>
            <a href="#cfg-branding">{t('branding')}</a>
            <a href="#cfg-callback">{t('callbacks')}</a>
          </nav>
          <Section title={t('general')} id="cfg-general">
            <GeneralForm config={config} onSaved={saved} />
          </Section>
          <Section title={t('snippet')} id="cfg-snippet">
            <Snippet config={config} />
          </Section>
          <Section title={t('signingKeys')} id="cfg-keys">
            <SigningKeys config={config} onSecret={setSecrets} />
          </Section>
          <Section title={t('groupsAndFlows')} id="cfg-groups">
            <GroupsEditor config={config} onSaved={saved} />
          </Section>
          <Section title={t('branding')} id="cfg-branding">
            <BrandingEditor config={config} onSaved={saved} />
          </Section>
          <Section title={t('callbacks')} id="cfg-callback">
            <CallbackSecret config={config} onSecret={setSecrets} />
          </Section>
        </div>
      )}
      {secrets && <SecretOnce title={t('newSecretTitle')} secrets={secrets} onClose={() => setSecrets(undefined)} />}
      {deleting && config && (
        <ConfirmDialog
          id="delete-config"
          title={t('deleteConfigTitle')}
          confirmLabel={t(deleting.force ? 'deleteAnyway' : 'delete')}
          busy={del.busy}
          error={deleting.force ? undefined : del.error}
          onCancel={() => {
            setDeleting(undefined);
            del.clear();
          }}
          onConfirm={() => void remove(deleting.force)}
        >
          <p>{t(deleting.force ? 'deleteConfigForceText' : 'deleteConfigText', { name: config.name })}</p>
        </ConfirmDialog>
      )}
    </>
  );
}

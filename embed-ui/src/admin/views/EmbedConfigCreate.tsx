import { useState } from 'preact/hooks';
import type { ApiError } from '../../lib/api.ts';
import { Empty, ErrorAlert } from '../components/Feedback.tsx';
import { CheckboxField, RadioGroup, SelectField, TextArea, TextField } from '../components/Field.tsx';
import { Link } from '../components/Link.tsx';
import { PageHeader } from '../components/Page.tsx';
import { SecretOnce, type ShownSecret } from '../components/SecretOnce.tsx';
import { useConsole } from '../context.ts';
import { useAction } from '../hooks.ts';
import { isAdmin } from '../permissions.ts';
import { navigate, sectionPath } from '../router.ts';
import { OtherIssues } from './ConnectorCreate.tsx';

/** Allowed origins as typed: one a line (commas and spaces also separate). */
export const splitOrigins = (text: string): string[] => text.split(/[\s,]+/).filter(Boolean);

/** Issue messages by top-level body field (`body.allowedOrigins.0` → `allowedOrigins`), and the rest. */
export function bodyIssues(error: unknown, fields: readonly string[]) {
  const byField: Record<string, string> = {};
  const other: { path: string; message: string }[] = [];
  for (const issue of (error as ApiError | undefined)?.issues ?? []) {
    const key = issue.path.replace(/^body\./, '').split('.')[0] ?? '';
    if (fields.includes(key) && !byField[key]) byField[key] = issue.message;
    else if (!fields.includes(key)) other.push(issue);
  }
  return { byField, other };
}

/** Creates an embed configuration; its first signing secret (and callback secret) are shown once, then never again. */
export function EmbedConfigCreate() {
  const c = useConsole();
  const { t, api } = c;
  const [name, setName] = useState('');
  const [sharing, setSharing] = useState<'user' | 'account'>('user');
  const [origins, setOrigins] = useState('');
  const [consent, setConsent] = useState(true);
  const [consentText, setConsentText] = useState('');
  const [language, setLanguage] = useState<'en' | 'de'>('en');
  const [callbackUrl, setCallbackUrl] = useState('');
  const [created, setCreated] = useState<{ id: string; secrets: ShownSecret[] }>();
  const action = useAction();
  if (!isAdmin(c.me)) {
    return (
      <>
        <PageHeader title={t('newConfig')} />
        <Empty title={t('adminsOnly')} />
      </>
    );
  }
  const issues = bodyIssues(action.error, ['name', 'sharingLevel', 'allowedOrigins', 'consent', 'callbackUrl', 'defaultLanguage']);
  const submit = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const res = await api.call('POST /embed-configs', {
        body: {
          name: name.trim(),
          sharingLevel: sharing,
          allowedOrigins: splitOrigins(origins),
          consent: { enabled: consent, ...(consentText.trim() ? { text: consentText.trim() } : {}) },
          defaultLanguage: language,
          ...(callbackUrl.trim() ? { callbackUrl: callbackUrl.trim() } : {}),
        },
      });
      const secrets: ShownSecret[] = [];
      if (res.secret) secrets.push({ label: t('signingSecretKid', { kid: res.secret.kid }), value: res.secret.value });
      if (res.callbackSecret) secrets.push({ label: t('callbackSecret'), value: res.callbackSecret });
      await c.reloadLookups();
      c.announce(t('configCreatedMsg', { name: res.name }));
      setCreated({ id: res.id, secrets });
    });
  };
  const done = () => {
    const id = created?.id;
    // The secrets leave with the dialog: nothing keeps them after this.
    setCreated(undefined);
    if (id) navigate(sectionPath('embedConfigs', id));
  };
  return (
    <>
      <PageHeader title={t('newConfig')}>
        <Link href={sectionPath('embedConfigs')}>{t('backToList', { list: t('navEmbedConfigs') })}</Link>
      </PageHeader>
      <form class="pb-form" onSubmit={(e) => void submit(e)}>
        <TextField label={t('name')} value={name} onInput={setName} error={issues.byField.name} required />
        <RadioGroup
          legend={t('colSharingLevel')}
          name="sharing"
          value={sharing}
          onChange={(v) => setSharing(v === 'account' ? 'account' : 'user')}
          options={[
            { value: 'user', label: t('sharingUser'), hint: t('sharingUserHint') },
            { value: 'account', label: t('sharingAccount'), hint: t('sharingAccountHint') },
          ]}
        />
        <p class="pb-hint">{t('sharingFixed')}</p>
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
        <TextField
          label={t('callbackUrl')}
          type="url"
          value={callbackUrl}
          onInput={setCallbackUrl}
          error={issues.byField.callbackUrl}
          hint={t('callbackUrlHint')}
        />
        <ErrorAlert error={action.error} />
        <OtherIssues issues={issues.other} />
        <div class="pb-actions">
          <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
            {t('createConfig')}
          </button>
        </div>
      </form>
      {created && <SecretOnce title={t('configCreatedTitle')} secrets={created.secrets} note={t('signingSecretNote')} onClose={done} />}
    </>
  );
}

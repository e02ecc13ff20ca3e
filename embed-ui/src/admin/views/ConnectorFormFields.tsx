import type { CatalogEntryOut, Connector } from '@patchbay/shared';
import { CheckboxField, SelectField, TextArea, TextField } from '../components/Field.tsx';
import type { ConnectorForm, FieldRow } from '../connectorForm.ts';
import { useConsole } from '../context.ts';

/** How the form is used: a new custom service, a catalogue provider, or editing a stored connector. */
export type FormMode = { kind: 'custom' } | { kind: 'catalog'; entry: CatalogEntryOut } | { kind: 'edit'; connector: Connector };

interface Props {
  form: ConnectorForm;
  set(patch: Partial<ConnectorForm>): void;
  errors: Partial<Record<keyof ConnectorForm, string>>;
  mode: FormMode;
}

/** The end-user credential fields of a basic or API-key connector: key, label, type, required. */
function FieldsEditor({ fields, onChange, error }: { fields: FieldRow[]; onChange(f: FieldRow[]): void; error?: string | undefined }) {
  const { t } = useConsole();
  const update = (i: number, patch: Partial<FieldRow>) => onChange(fields.map((f, j) => (j === i ? { ...f, ...patch } : f)));
  return (
    <fieldset class="pb-fieldset">
      <legend>{t('credentialFields')}</legend>
      <p class="pb-hint">{t('credentialFieldsHint')}</p>
      {fields.map((f, i) => (
        <div class="pb-field-row" key={i}>
          <TextField label={t('fieldKey')} value={f.key} onInput={(v) => update(i, { key: v })} mono />
          <TextField label={t('fieldLabel')} value={f.label} onInput={(v) => update(i, { label: v })} />
          <SelectField
            label={t('fieldType')}
            value={f.type}
            onChange={(v) => update(i, { type: v === 'password' ? 'password' : 'text' })}
            options={[
              { value: 'text', label: t('fieldTypeText') },
              { value: 'password', label: t('fieldTypePassword') },
            ]}
          />
          <CheckboxField label={t('required')} checked={f.required} onChange={(v) => update(i, { required: v })} />
          <button type="button" class="pb-btn pb-btn-small" onClick={() => onChange(fields.filter((_, j) => j !== i))}>
            {t('remove')}
          </button>
        </div>
      ))}
      {error && <p class="pb-field-error">{error}</p>}
      <div>
        <button
          type="button"
          class="pb-btn pb-btn-small"
          onClick={() => onChange([...fields, { key: '', label: '', type: 'text', required: true }])}
        >
          {t('addField')}
        </button>
      </div>
    </fieldset>
  );
}

/** The inputs of a connector form for its auth type; client and consumer secrets are write-only. */
export function ConnectorFormFields({ form, set, errors, mode }: Props) {
  const { t } = useConsole();
  const authType = mode.kind === 'catalog' ? mode.entry.authType : mode.kind === 'edit' ? mode.connector.authType : form.authType;
  const stored = mode.kind === 'edit' ? mode.connector : undefined;
  const secretHint = (has: boolean | undefined) => (stored ? (has ? t('secretSetKeep') : t('secretNotSet')) : t('secretWriteOnly'));
  const needsUrls = mode.kind === 'custom' || mode.kind === 'edit' || (mode.kind === 'catalog' && mode.entry.needsSubdomain);
  return (
    <div class="pb-stack">
      {mode.kind === 'edit' ? (
        <p>{t('connectorIdFixed', { id: stored?.id ?? '', type: t(`auth_${authType}` as 'auth_oauth2') })}</p>
      ) : (
        <TextField
          label={t('connectorId')}
          value={form.id}
          onInput={(v) => set({ id: v })}
          error={errors.id}
          hint={t('connectorIdHint')}
          required
          mono
        />
      )}
      <TextField
        label={t('name')}
        value={form.name}
        onInput={(v) => set({ name: v })}
        error={errors.name}
        required={mode.kind !== 'catalog'}
        {...(mode.kind === 'catalog' ? { hint: t('nameDefault', { name: mode.entry.name }) } : {})}
      />
      {mode.kind === 'custom' && (
        <SelectField
          label={t('authType')}
          value={form.authType}
          onChange={(v) => set({ authType: v as ConnectorForm['authType'] })}
          options={(['oauth2', 'oauth1', 'basic', 'api_key'] as const).map((a) => ({ value: a, label: t(`auth_${a}`) }))}
        />
      )}
      <TextField
        label={t('baseUrl')}
        type="url"
        value={form.baseUrl}
        onInput={(v) => set({ baseUrl: v })}
        error={errors.baseUrl}
        hint={t('baseUrlHint')}
      />
      {mode.kind !== 'catalog' && (
        <TextField label={t('iconUrl')} type="url" value={form.iconUrl} onInput={(v) => set({ iconUrl: v })} error={errors.iconUrl} />
      )}

      {authType === 'oauth2' && (
        <fieldset class="pb-fieldset">
          <legend>{t('auth_oauth2')}</legend>
          {needsUrls && (
            <>
              {mode.kind !== 'catalog' && (
                <SelectField
                  label={t('grantType')}
                  value={form.grantType}
                  onChange={(v) => set({ grantType: v === 'client_credentials' ? 'client_credentials' : 'authorization_code' })}
                  options={[
                    { value: 'authorization_code', label: t('grantAuthorizationCode') },
                    { value: 'client_credentials', label: t('grantClientCredentials') },
                  ]}
                />
              )}
              <TextField
                label={t('authorizeUrl')}
                type="url"
                value={form.authorizeUrl}
                onInput={(v) => set({ authorizeUrl: v })}
                error={errors.authorizeUrl}
                required={form.grantType === 'authorization_code'}
              />
              <TextField
                label={t('tokenUrl')}
                type="url"
                value={form.tokenUrl}
                onInput={(v) => set({ tokenUrl: v })}
                error={errors.tokenUrl}
                required
              />
              {mode.kind !== 'catalog' && (
                <TextField
                  label={t('revokeUrl')}
                  type="url"
                  value={form.revokeUrl}
                  onInput={(v) => set({ revokeUrl: v })}
                  error={errors.revokeUrl}
                />
              )}
            </>
          )}
          <TextField
            label={t('clientId')}
            value={form.clientId}
            onInput={(v) => set({ clientId: v })}
            error={errors.clientId}
            required
            mono
          />
          <TextField
            label={t('clientSecret')}
            type="password"
            autocomplete="new-password"
            value={form.clientSecret}
            onInput={(v) => set({ clientSecret: v })}
            error={errors.clientSecret}
            hint={secretHint(stored?.oauth2?.hasClientSecret)}
          />
          <TextField
            label={t('scopes')}
            value={form.scopes}
            onInput={(v) => set({ scopes: v })}
            error={errors.scopes}
            hint={t('scopesHint')}
          />
          {mode.kind !== 'catalog' && (
            <>
              <TextField
                label={t('scopeDelimiter')}
                value={form.scopeDelimiter}
                onInput={(v) => set({ scopeDelimiter: v })}
                error={errors.scopeDelimiter}
                hint={t('scopeDelimiterHint')}
              />
              <CheckboxField label={t('pkce')} checked={form.pkce} onChange={(v) => set({ pkce: v })} />
              <TextArea
                label={t('authorizeParams')}
                value={form.authorizeParams}
                onInput={(v) => set({ authorizeParams: v })}
                error={errors.authorizeParams}
                hint={t('authorizeParamsHint')}
                rows={3}
                mono
              />
            </>
          )}
        </fieldset>
      )}

      {authType === 'oauth1' && (
        <fieldset class="pb-fieldset">
          <legend>{t('auth_oauth1')}</legend>
          {needsUrls && (
            <>
              {mode.kind !== 'catalog' && (
                <TextField
                  label={t('requestTokenUrl')}
                  type="url"
                  value={form.requestTokenUrl}
                  onInput={(v) => set({ requestTokenUrl: v })}
                  error={errors.requestTokenUrl}
                  required
                />
              )}
              <TextField
                label={t('authorizeUrl')}
                type="url"
                value={form.authorizeUrl}
                onInput={(v) => set({ authorizeUrl: v })}
                error={errors.authorizeUrl}
                required
              />
              <TextField
                label={t('accessTokenUrl')}
                type="url"
                value={mode.kind === 'catalog' ? form.tokenUrl : form.accessTokenUrl}
                onInput={(v) => set(mode.kind === 'catalog' ? { tokenUrl: v } : { accessTokenUrl: v })}
                error={errors.accessTokenUrl}
                required
              />
            </>
          )}
          <TextField
            label={t('consumerKey')}
            value={form.consumerKey}
            onInput={(v) => set({ consumerKey: v })}
            error={errors.consumerKey}
            required
            mono
          />
          <TextField
            label={t('consumerSecret')}
            type="password"
            autocomplete="new-password"
            value={form.consumerSecret}
            onInput={(v) => set({ consumerSecret: v })}
            error={errors.consumerSecret}
            hint={secretHint(stored?.oauth1?.hasConsumerSecret)}
            required={!stored}
          />
          {mode.kind !== 'catalog' && (
            <SelectField
              label={t('signatureMethod')}
              value={form.signatureMethod}
              onChange={(v) => set({ signatureMethod: v as ConnectorForm['signatureMethod'] })}
              options={['HMAC-SHA1', 'HMAC-SHA256', 'PLAINTEXT'].map((m) => ({ value: m, label: m }))}
            />
          )}
        </fieldset>
      )}

      {authType === 'api_key' && (
        <fieldset class="pb-fieldset">
          <legend>{t('auth_api_key')}</legend>
          <SelectField
            label={t('keyIn')}
            value={form.keyIn}
            onChange={(v) => set({ keyIn: v === 'query' ? 'query' : 'header' })}
            options={[
              { value: 'header', label: t('keyInHeader') },
              { value: 'query', label: t('keyInQuery') },
            ]}
          />
          <TextField label={t('keyName')} value={form.keyName} onInput={(v) => set({ keyName: v })} error={errors.keyName} required mono />
          <TextField
            label={t('keyPrefix')}
            value={form.keyPrefix}
            onInput={(v) => set({ keyPrefix: v })}
            error={errors.keyPrefix}
            hint={t('keyPrefixHint')}
          />
        </fieldset>
      )}

      {(authType === 'basic' || authType === 'api_key') && (
        <FieldsEditor fields={form.fields} onChange={(fields) => set({ fields })} error={errors.fields} />
      )}

      {mode.kind !== 'catalog' && (
        <fieldset class="pb-fieldset">
          <legend>{t('validationRequest')}</legend>
          <p class="pb-hint">{t('validationHint')}</p>
          <div class="pb-field-row">
            <SelectField
              label={t('method')}
              value={form.validationMethod}
              onChange={(v) => set({ validationMethod: v as ConnectorForm['validationMethod'] })}
              options={['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'].map((m) => ({ value: m, label: m }))}
            />
            <TextField
              label={t('path')}
              value={form.validationPath}
              onInput={(v) => set({ validationPath: v })}
              error={errors.validationPath}
              mono
              placeholder="/me"
            />
            <TextField
              label={t('expectStatus')}
              type="number"
              value={form.validationStatus}
              onInput={(v) => set({ validationStatus: v })}
              error={errors.validationStatus}
            />
          </div>
        </fieldset>
      )}
    </div>
  );
}

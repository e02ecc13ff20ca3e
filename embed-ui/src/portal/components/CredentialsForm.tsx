import type { EmbedConnector, EmbedConnectorAuth } from '@patchbay/shared';
import { useState } from 'preact/hooks';
import type { ApiError } from '../../lib/api.ts';
import { usePortal } from '../context.ts';
import { useErrorText } from './Feedback.tsx';

interface Props {
  connector: EmbedConnector;
  /** Reconnect this auth (PATCH with new values) instead of creating one. */
  reconnect?: EmbedConnectorAuth;
  onSaved(auth: EmbedConnectorAuth): void;
  onCancel(): void;
}

/**
 * The credentials form of a basic/api_key connector, built from the connector's fields. The server
 * checks the credentials before saving; a refusal (422) is shown in `role="alert"`.
 */
export function CredentialsForm({ connector, reconnect, onSaved, onCancel }: Props) {
  const { t, api } = usePortal();
  const errorText = useErrorText();
  const [values, setValues] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [missing, setMissing] = useState<string[]>([]);
  const idPrefix = `cred-${reconnect?.id ?? connector.id}`;

  const submit = async (event: Event) => {
    event.preventDefault();
    const empty = connector.fields.filter((f) => f.required && !(values[f.key] ?? '').trim()).map((f) => f.key);
    setMissing(empty);
    if (empty.length > 0) return;
    setBusy(true);
    setError(undefined);
    try {
      const clean: Record<string, string> = {};
      for (const f of connector.fields) if (values[f.key]) clean[f.key] = values[f.key] as string;
      const auth = reconnect
        ? await api.patch<EmbedConnectorAuth>(`/connector-auths/${encodeURIComponent(reconnect.id)}`, { values: clean })
        : await api.post<EmbedConnectorAuth>('/connector-auths', { connectorId: connector.id, values: clean });
      onSaved(auth);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="pb-form pb-cred" onSubmit={submit} noValidate aria-busy={busy}>
      {connector.fields.map((field) => {
        const id = `${idPrefix}-${field.key}`;
        const isMissing = missing.includes(field.key);
        return (
          <div class="pb-field" key={field.key}>
            <div class="pb-label-row">
              <label for={id}>{field.label}</label>
              {field.required && (
                <span class="pb-req" aria-hidden="true">
                  *
                </span>
              )}
            </div>
            <input
              id={id}
              type={(field.type === 'password' ? 'password' : 'text') as 'text'}
              autoComplete={field.type === 'password' ? 'new-password' : 'off'}
              required={field.required}
              aria-invalid={isMissing}
              aria-describedby={isMissing ? `${id}-err` : undefined}
              value={values[field.key] ?? ''}
              onInput={(e) => setValues({ ...values, [field.key]: (e.target as HTMLInputElement).value })}
            />
            {isMissing && (
              <p class="pb-field-error" id={`${id}-err`}>
                {t('requiredMissing')}
              </p>
            )}
          </div>
        );
      })}
      {error !== undefined && (
        <p class="pb-alert" role="alert">
          {errorText(error)}
        </p>
      )}
      <div class="pb-actions">
        <button type="button" class="pb-btn" onClick={onCancel}>
          {t('cancel')}
        </button>
        <button type="submit" class="pb-btn pb-btn-primary" disabled={busy}>
          {t('saveConnection')}
        </button>
      </div>
    </form>
  );
}

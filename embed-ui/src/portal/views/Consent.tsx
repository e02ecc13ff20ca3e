import { useState } from 'preact/hooks';
import { ErrorAlert } from '../components/Feedback.tsx';
import { usePortal } from '../context.ts';

/**
 * The consent screen: the configuration's text and "Accept" (recorded once per user, or per account).
 * `again` when the server asked for consent after the portal was shown (a change was refused).
 */
export function Consent({ onAccepted, again = false }: { onAccepted(): void; again?: boolean }) {
  const { t, api, session, emit } = usePortal();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [deferred, setDeferred] = useState(false);
  const accept = async () => {
    setBusy(true);
    setError(undefined);
    setDeferred(false);
    try {
      await api.post('/consent', {});
      emit('consent.given', {});
      onAccepted();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  // The default names the vendor's product (its branding title or the configuration's name), not Patchbay.
  const product = session.config.branding?.title || session.config.name;
  const text = session.config.consent.text || t('consentDefault', { product });
  return (
    <section class="pb-consent" aria-labelledby="consent-title">
      <h2 id="consent-title">{t('consentHeading')}</h2>
      {again && <p role="status">{t('consentAgain')}</p>}
      {text.split(/\n{2,}/).map((para, i) => (
        <p key={i}>{para}</p>
      ))}
      {error !== undefined && <ErrorAlert error={error} />}
      <div class="pb-actions">
        <button type="button" class="pb-btn pb-btn-primary" onClick={accept} disabled={busy}>
          {t('accept')}
        </button>
        <button type="button" class="pb-btn" onClick={() => setDeferred(true)} disabled={busy}>
          {t('notNow')}
        </button>
      </div>
      <p role="status" class="pb-muted">
        {deferred ? t('consentDeferred') : ''}
      </p>
    </section>
  );
}

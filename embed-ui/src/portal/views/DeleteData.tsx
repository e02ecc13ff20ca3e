import { useState } from 'preact/hooks';
import { announce } from '../announce.ts';
import { Confirm } from '../components/Confirm.tsx';
import { ErrorAlert } from '../components/Feedback.tsx';
import { usePortal } from '../context.ts';

/**
 * "Delete all my integration data" (SPEC §3): behind a confirmation, `DELETE /embed/api/data`
 * removes the integrations, runs, connections and consent of the caller's sharing scope; then the
 * view is empty and, when the configuration asks for consent, the consent screen comes back.
 */
export function DeleteData({ reload }: { reload(): Promise<void> }) {
  const { t, api, session, consentRequired } = usePortal();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const account = session.config.sharingLevel === 'account';
  const remove = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await api.del('/data');
      setConfirming(false);
      announce(t('saidDataDeleted'));
      await reload();
      if (session.config.consent.enabled) consentRequired();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="pb-data" aria-labelledby="pb-data-title">
      <h2 id="pb-data-title" class="pb-section-title">
        {t('yourData')}
      </h2>
      <p class="pb-muted pb-small">{t(account ? 'deleteDataHelpAccount' : 'deleteDataHelp')}</p>
      <div class="pb-actions">
        <button type="button" class="pb-btn pb-btn-danger-outline" onClick={() => setConfirming(true)} disabled={busy}>
          {t('deleteData')}
        </button>
      </div>
      {confirming && (
        <Confirm
          id="del-data"
          message={<p>{t(account ? 'confirmDeleteDataAccount' : 'confirmDeleteData')}</p>}
          confirmLabel={t('deleteDataConfirm')}
          busy={busy}
          onConfirm={() => void remove()}
          onCancel={() => setConfirming(false)}
        />
      )}
      {error !== undefined && <ErrorAlert error={error} />}
    </section>
  );
}

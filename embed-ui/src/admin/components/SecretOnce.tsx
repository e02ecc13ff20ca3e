import { useConsole } from '../context.ts';
import { CopyField } from './Copy.tsx';
import { Modal } from './Modal.tsx';

/** One secret to show: what it is and its value. */
export interface ShownSecret {
  label: string;
  value: string;
}

/**
 * Secrets the server answered this one time (a signing secret, an API token, a callback secret):
 * each with a copy button, and a warning that it will not be shown again. The caller drops them
 * from its state on close, so they leave the page with the dialog.
 */
export function SecretOnce({ title, secrets, note, onClose }: { title: string; secrets: ShownSecret[]; note?: string; onClose(): void }) {
  const { t } = useConsole();
  return (
    <Modal id="secret-once" title={title} onClose={onClose}>
      <p class="pb-warning">{t('secretShownOnce')}</p>
      {note && <p class="pb-muted">{note}</p>}
      {secrets.map((s, i) => (
        <CopyField key={s.label} id={`secret-${i}`} label={s.label} value={s.value} />
      ))}
      <div class="pb-actions pb-actions-end">
        <button type="button" class="pb-btn pb-btn-primary" onClick={onClose}>
          {t('secretStored')}
        </button>
      </div>
    </Modal>
  );
}

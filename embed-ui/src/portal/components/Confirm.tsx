import type { ComponentChildren } from 'preact';
import { Dialog } from '../../components/Dialog.tsx';
import { usePortal } from '../context.ts';

interface Props {
  id: string;
  message: ComponentChildren;
  confirmLabel: string;
  busy?: boolean;
  onConfirm(): void;
  onCancel(): void;
}

/** A confirmation drawn under the row it belongs to (`role="alertdialog"`): Cancel first, then the destructive action. */
export function Confirm({ id, message, confirmLabel, busy, onConfirm, onCancel }: Props) {
  const { t } = usePortal();
  return (
    <Dialog role="alertdialog" labelledBy={`${id}-msg`} onClose={onCancel} class="pb-confirm">
      <div id={`${id}-msg`}>{message}</div>
      <div class="pb-actions">
        <button type="button" class="pb-btn" onClick={onCancel} data-autofocus>
          {t('cancel')}
        </button>
        <button type="button" class="pb-btn pb-btn-danger" onClick={onConfirm} disabled={busy}>
          {confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

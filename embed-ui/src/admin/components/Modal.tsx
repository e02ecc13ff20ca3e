import type { ComponentChildren } from 'preact';
import { Dialog } from '../../components/Dialog.tsx';
import { useConsole } from '../context.ts';

interface Props {
  id: string;
  title: string;
  role?: 'dialog' | 'alertdialog';
  onClose(): void;
  /** Hides the × button (a dialog that must be answered by its own buttons). */
  noClose?: boolean;
  children: ComponentChildren;
}

/**
 * A modal dialog over the page: focus moves in and stays in (Tab cycles), Escape closes it, focus
 * returns to where it came from (the iframe's {@link Dialog}, on a backdrop).
 */
export function Modal({ id, title, role = 'dialog', onClose, noClose, children }: Props) {
  const { t } = useConsole();
  return (
    <div class="pb-backdrop">
      <Dialog role={role} labelledBy={`${id}-title`} onClose={onClose} class="pb-modal">
        <div class="pb-dialog-head">
          <h2 id={`${id}-title`}>{title}</h2>
          {!noClose && (
            <button type="button" class="pb-btn pb-btn-ghost pb-close" aria-label={t('close')} onClick={onClose}>
              ×
            </button>
          )}
        </div>
        {children}
      </Dialog>
    </div>
  );
}

/** A confirmation: the message, Cancel first (focused), then the action; an error of the action shows inside. */
export function ConfirmDialog(props: {
  id: string;
  title: string;
  confirmLabel: string;
  /** The dismiss button's label (default "Cancel"). */
  cancelLabel?: string;
  danger?: boolean;
  busy?: boolean;
  error?: unknown;
  onConfirm(): void;
  onCancel(): void;
  children: ComponentChildren;
}) {
  const { t, errorText } = useConsole();
  return (
    <Modal id={props.id} title={props.title} role="alertdialog" onClose={props.onCancel}>
      <div class="pb-stack">{props.children}</div>
      {props.error !== undefined && props.error !== null && (
        <p class="pb-alert" role="alert">
          {errorText(props.error)}
        </p>
      )}
      <div class="pb-actions pb-actions-end">
        <button type="button" class="pb-btn" onClick={props.onCancel} data-autofocus>
          {props.cancelLabel ?? t('cancel')}
        </button>
        <button
          type="button"
          class={`pb-btn ${props.danger === false ? 'pb-btn-primary' : 'pb-btn-danger'}`}
          onClick={props.onConfirm}
          disabled={props.busy}
        >
          {props.confirmLabel}
        </button>
      </div>
    </Modal>
  );
}

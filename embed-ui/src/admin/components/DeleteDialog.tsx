import type { ComponentChildren } from 'preact';
import { useConsole } from '../context.ts';
import { useAction } from '../hooks.ts';
import { navigate } from '../router.ts';
import { ConfirmDialog } from './Modal.tsx';

/**
 * "Delete …?" for the object a page shows: on success the console's name lookups reload, the page
 * goes back to its list and says what was deleted; a refusal (e.g. `409 in_use`) stays in the
 * dialog, and `details` can show what the refusal lists.
 */
export function DeleteDialog(props: {
  id: string;
  title: string;
  text: string;
  remove(): Promise<unknown>;
  /** The list to go back to. */
  leaveTo: string;
  doneMessage: string;
  onClose(): void;
  details?(error: unknown): ComponentChildren;
}) {
  const c = useConsole();
  const del = useAction();
  const confirm = async () => {
    const ok = await del.run(async () => {
      await props.remove();
    });
    if (!ok) return;
    await c.reloadLookups();
    navigate(props.leaveTo);
    c.announce(props.doneMessage);
  };
  return (
    <ConfirmDialog
      id={props.id}
      title={props.title}
      confirmLabel={c.t('delete')}
      busy={del.busy}
      error={del.error}
      onCancel={props.onClose}
      onConfirm={() => void confirm()}
    >
      <p>{props.text}</p>
      {props.details?.(del.error)}
    </ConfirmDialog>
  );
}

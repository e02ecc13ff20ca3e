import { useConsole } from '../context.ts';

/** Copies `text` to the clipboard and says so; `what` names it for screen readers ("Copy redirect URI"). */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const { t, announce } = useConsole();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      announce(t('copied', { what }));
    } catch {
      announce(t('copyFailed'));
    }
  };
  return (
    <button type="button" class="pb-btn pb-btn-small" onClick={() => void copy()} aria-label={t('copyWhat', { what })}>
      {t('copy')}
    </button>
  );
}

/** A value to copy: shown read-only in monospace, with its copy button. */
export function CopyField({ id, label, value, multiline }: { id: string; label: string; value: string; multiline?: boolean }) {
  return (
    <div class="pb-field">
      <label for={id}>{label}</label>
      <div class="pb-copy-row">
        {multiline ? (
          <textarea id={id} class="pb-mono" readOnly rows={Math.min(14, value.split('\n').length + 1)} value={value} />
        ) : (
          <input id={id} class="pb-mono" readOnly value={value} />
        )}
        <CopyButton text={value} what={label} />
      </div>
    </div>
  );
}

import type { ComponentChildren } from 'preact';
import { useConsole } from '../context.ts';

/** An error in `role="alert"`: the server's message (from the error envelope), with Retry when `onRetry` is given. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t, errorText } = useConsole();
  if (!error) return null;
  return (
    <div class="pb-alert" role="alert">
      <span>{errorText(error)}</span>
      {onRetry && (
        <button type="button" class="pb-btn" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

/** Placeholder rows while a page's first data loads, with a screen-reader text. */
export function Skeleton({ rows = 4 }: { rows?: number }) {
  const { t } = useConsole();
  return (
    <div class="pb-skeleton">
      <span class="pb-sr">{t('loading')}</span>
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} class="pb-skeleton-row" aria-hidden="true" />
      ))}
    </div>
  );
}

/** An empty state: what is missing, and what to do next. */
export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="pb-empty">
      <p class="pb-empty-title">{title}</p>
      {children && <div class="pb-empty-next">{children}</div>}
    </div>
  );
}

/** A small coloured status label. */
export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'off' | 'bad' | 'info'; children: ComponentChildren }) {
  return <span class={`pb-badge pb-badge-${tone}`}>{children}</span>;
}

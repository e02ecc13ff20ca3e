import { errorTextFor } from '../../lib/errorText.ts';
import { usePortal } from '../context.ts';

/** The readable message of an error in the portal's language. */
export function useErrorText(): (error: unknown) => string {
  const { t } = usePortal();
  return (error) => errorTextFor(t, error);
}

/** An error in `role="alert"`, with a Retry button when `onRetry` is given. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = usePortal();
  const text = useErrorText();
  return (
    <div class="pb-alert" role="alert">
      <span>{text(error)}</span>
      {onRetry && (
        <button type="button" class="pb-btn" onClick={onRetry}>
          {t('retry')}
        </button>
      )}
    </div>
  );
}

/** Placeholder blocks while the first data loads. */
export function Skeleton({ rows = 3 }: { rows?: number }) {
  return (
    <div class="pb-skeleton" aria-hidden="true">
      {Array.from({ length: rows }, (_, i) => (
        <div key={i} class="pb-skeleton-row" />
      ))}
    </div>
  );
}

/** A small coloured status label. */
export function Badge({ tone, children }: { tone: 'ok' | 'warn' | 'off' | 'bad'; children: string }) {
  return <span class={`pb-badge pb-badge-${tone}`}>{children}</span>;
}

/** A connector's icon, or its initial when it has none. */
export function ConnectorIcon({ name, iconUrl }: { name: string; iconUrl: string | null | undefined }) {
  if (iconUrl && /^(https:|data:image\/|\/(?!\/))/.test(iconUrl))
    return <img class="pb-icon" src={iconUrl} alt="" width={24} height={24} />;
  return (
    <span class="pb-icon pb-icon-letter" aria-hidden="true">
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}

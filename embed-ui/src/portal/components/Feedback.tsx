import { useEffect } from 'preact/hooks';
import { usePortal } from '../context.ts';
import { apiErrorKey, errorCode } from '../errorSentences.ts';

/**
 * The readable message of an error in the portal's language: a sentence per error code, never the
 * server's text or the code (those go to the host's `error` event, see {@link useReportError}).
 */
export function useErrorText(): (error: unknown) => string {
  const { t } = usePortal();
  return (error) => t(apiErrorKey(error));
}

/** Reports an error shown to the user to the host page as an `error` event {code, message}. */
export function useReportError(): (error: unknown) => void {
  const { emit } = usePortal();
  return (error) => {
    const message = (error as { message?: unknown } | undefined)?.message;
    emit('error', { code: errorCode(error), message: typeof message === 'string' ? message : '' });
  };
}

/** An error in `role="alert"`, with a Retry button when `onRetry` is given. */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const { t } = usePortal();
  const text = useErrorText();
  const report = useReportError();
  // Reported once per error shown.
  useEffect(() => {
    if (error !== undefined) report(error);
  }, [error]);
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

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

/** Monogram tiles: white text on each passes 4.5:1 (WCAG AA), and neighbours differ in hue. */
const MONOGRAM_COLOURS = ['#3b4cca', '#b42318', '#067647', '#8a3ffc', '#a15c07', '#0b6e99', '#c11574', '#475467'];

/** The monogram tile colour of a connector: stable per name, spread over the palette. */
export function monogramColour(name: string): string {
  let h = 0;
  for (const ch of name) h = (h * 31 + (ch.codePointAt(0) ?? 0)) >>> 0;
  return MONOGRAM_COLOURS[h % MONOGRAM_COLOURS.length] as string;
}

/** Whether dark text reads better than white on background `hex` (relative luminance above ~0.4). */
function lightTile(hex: string): boolean {
  const [r, g, b] = [0, 2, 4].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.4;
}

/**
 * A connector's mark: a catalogue connector's brand icon (its Simple Icons path on a tile of its
 * brand colour), else its own `iconUrl`, else its initial on a tile whose colour follows its name.
 */
export function ConnectorIcon({
  name,
  iconUrl,
  brandIcon,
}: {
  name: string;
  iconUrl: string | null | undefined;
  brandIcon?: { path: string; hex: string } | null | undefined;
}) {
  if (brandIcon && /^[0-9A-F]{6}$/.test(brandIcon.hex)) {
    return (
      <svg
        class="pb-icon pb-icon-brand"
        viewBox="-4 -4 32 32"
        width={24}
        height={24}
        aria-hidden="true"
        focusable="false"
        data-brand={name}
        style={{ background: `#${brandIcon.hex}` }}
      >
        <path d={brandIcon.path} fill={lightTile(brandIcon.hex) ? '#000' : '#fff'} />
      </svg>
    );
  }
  if (iconUrl && /^(https:|data:image\/|\/(?!\/))/.test(iconUrl))
    return <img class="pb-icon" src={iconUrl} alt="" width={24} height={24} />;
  return (
    <span class="pb-icon pb-icon-letter" aria-hidden="true" style={{ background: monogramColour(name) }}>
      {name.slice(0, 1).toUpperCase()}
    </span>
  );
}

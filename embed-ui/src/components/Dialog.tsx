import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

const FOCUSABLE =
  'a[href],button:not([disabled]),input:not([disabled]),select:not([disabled]),textarea:not([disabled]),[tabindex]:not([tabindex="-1"])';

interface Props {
  /** `dialog` for the wizard, `alertdialog` for confirmations. */
  role?: 'dialog' | 'alertdialog';
  labelledBy: string;
  describedBy?: string;
  onClose(): void;
  class?: string;
  children: ComponentChildren;
}

/**
 * A dialog drawn in the page flow (an auto-resizing iframe has no fixed viewport to centre a
 * modal in): focus moves in, Tab cycles inside it, Escape closes it, and focus returns to where it
 * came from.
 */
export function Dialog({ role = 'dialog', labelledBy, describedBy, onClose, class: cls, children }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  const close = useRef(onClose);
  close.current = onClose;
  // Taken while rendering, before the commit: opening may hide the opener, which drops its focus.
  const [opener] = useState(() => document.activeElement as HTMLElement | null);
  useEffect(() => {
    const root = ref.current;
    const first = root?.querySelector<HTMLElement>('[data-autofocus]') ?? root?.querySelector<HTMLElement>(FOCUSABLE) ?? root;
    first?.focus();
    return () => {
      setTimeout(() => {
        if (opener?.isConnected && opener.offsetParent !== null) opener.focus();
      }, 0);
    };
  }, []);
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.stopPropagation();
      close.current();
      return;
    }
    if (event.key !== 'Tab' || !ref.current) return;
    const items = [...ref.current.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.offsetParent !== null);
    const firstItem = items[0];
    const lastItem = items.at(-1);
    if (!firstItem || !lastItem) return;
    if (event.shiftKey && document.activeElement === firstItem) {
      event.preventDefault();
      lastItem.focus();
    } else if (!event.shiftKey && document.activeElement === lastItem) {
      event.preventDefault();
      firstItem.focus();
    }
  };
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the role is dialog or alertdialog (a prop); the handler traps focus and closes on Escape
    // biome-ignore lint/a11y/useAriaPropsSupportedByRole: aria-modal belongs to the dialog role given as a prop
    <div
      ref={ref}
      class={`pb-dialog ${cls ?? ''}`}
      role={role}
      aria-modal="true"
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      tabIndex={-1}
      onKeyDown={onKeyDown}
    >
      {children}
    </div>
  );
}

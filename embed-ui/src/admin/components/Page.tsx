import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { useConsole } from '../context.ts';
import { hasNavigated } from '../router.ts';

/**
 * A page's heading (focused when the page opens, so keyboard and screen-reader users land on it
 * after following a link) and its main actions; sets the document title.
 */
export function PageHeader({ title, actions, children }: { title: string; actions?: ComponentChildren; children?: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  const { t } = useConsole();
  useEffect(() => {
    document.title = `${title} · ${t('appName')}`;
  }, [title, t]);
  useEffect(() => {
    // Only after a navigation inside the console, not on the first load (the skip link comes first there).
    if (hasNavigated()) ref.current?.focus();
  }, []);
  return (
    <div class="pb-page-head">
      <div>
        <h1 ref={ref} tabIndex={-1}>
          {title}
        </h1>
        {children && <div class="pb-page-sub">{children}</div>}
      </div>
      {actions && <div class="pb-actions">{actions}</div>}
    </div>
  );
}

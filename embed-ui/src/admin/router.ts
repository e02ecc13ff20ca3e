import { useEffect, useState } from 'preact/hooks';

/** Where the console lives. */
export const BASE = '/admin';

/** A page of the console, as the URL path names it. */
export type Page =
  | { name: 'overview' }
  | { name: 'integrations' }
  | { name: 'integration'; id: string }
  | { name: 'connectorAuths' }
  | { name: 'runs' }
  | { name: 'run'; id: string }
  | { name: 'connectors' }
  | { name: 'connectorNew' }
  | { name: 'connector'; id: string }
  | { name: 'embedConfigs' }
  | { name: 'embedConfigNew' }
  | { name: 'embedConfig'; id: string }
  | { name: 'flows' }
  | { name: 'flowNew' }
  | { name: 'flow'; id: string }
  | { name: 'callbacks' }
  | { name: 'callbackDelivery'; id: string }
  | { name: 'audit' }
  | { name: 'adminUsers' }
  | { name: 'apiTokens' }
  | { name: 'notFound' };

/** A page name. */
export type PageName = Page['name'];

/** The path below `/admin` of each list page (and the prefix of its detail pages). */
export const SECTION_PATHS = {
  integrations: 'integrations',
  connectorAuths: 'connector-auths',
  runs: 'runs',
  connectors: 'connectors',
  embedConfigs: 'embed-configs',
  flows: 'flows',
  callbacks: 'callbacks',
  audit: 'audit-log',
  adminUsers: 'admin-users',
  apiTokens: 'api-tokens',
} as const;
/** A section of the navigation. */
export type Section = keyof typeof SECTION_PATHS;

const DETAIL: Partial<
  Record<Section, { name: 'integration' | 'run' | 'connector' | 'embedConfig' | 'flow' | 'callbackDelivery'; create?: PageName }>
> = {
  integrations: { name: 'integration' },
  runs: { name: 'run' },
  callbacks: { name: 'callbackDelivery' },
  connectors: { name: 'connector', create: 'connectorNew' },
  embedConfigs: { name: 'embedConfig', create: 'embedConfigNew' },
  flows: { name: 'flow', create: 'flowNew' },
};

const ID = /^[A-Za-z0-9_-]{1,100}$/;

/** The page a path shows (`/admin/flows/flow_x` → the flow page); anything unknown is `notFound`. */
export function matchRoute(pathname: string): Page {
  if (pathname !== BASE && !pathname.startsWith(`${BASE}/`)) return { name: 'notFound' };
  const parts = pathname.slice(BASE.length).split('/').filter(Boolean).map(decodeURIComponentSafe);
  if (parts.length === 0) return { name: 'overview' };
  const section = (Object.keys(SECTION_PATHS) as Section[]).find((s) => SECTION_PATHS[s] === parts[0]);
  if (!section) return { name: 'notFound' };
  if (parts.length === 1) return { name: section };
  const detail = DETAIL[section];
  const id = parts[1] ?? '';
  if (parts.length !== 2 || !detail) return { name: 'notFound' };
  if (id === 'new') return detail.create ? ({ name: detail.create } as Page) : { name: 'notFound' };
  return ID.test(id) ? { name: detail.name, id } : { name: 'notFound' };
}

function decodeURIComponentSafe(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return '\u0000';
  }
}

/** The path of a section's list, or of one object in it, or of its "new" form. */
export function sectionPath(section: Section, id?: string): string {
  return `${BASE}/${SECTION_PATHS[section]}${id === undefined ? '' : `/${encodeURIComponent(id)}`}`;
}

/** The navigation section a page belongs to (for `aria-current`). */
export function sectionOf(page: Page): Section | undefined {
  for (const [section, detail] of Object.entries(DETAIL) as [Section, (typeof DETAIL)[Section]][]) {
    if (detail && (page.name === detail.name || page.name === detail.create)) return section;
  }
  return page.name in SECTION_PATHS ? (page.name as Section) : undefined;
}

/** How one filter of a list reads its value from the URL: free text, or one of a closed set. */
export type FilterSpec = Record<string, 'text' | readonly string[]>;

/** The values read for a filter spec: a closed set's own values, text otherwise; absent when not set. */
export type FilterValues<F extends FilterSpec> = { -readonly [K in keyof F]?: F[K] extends readonly (infer V)[] ? V : string };

/** The filters of a list from a query string; values outside their closed set, or too long, are dropped. */
export function readFilters<F extends FilterSpec>(search: string, spec: F): FilterValues<F> {
  const params = new URLSearchParams(search);
  const out: Partial<Record<string, string>> = {};
  for (const [key, kind] of Object.entries(spec)) {
    const value = params.get(key)?.trim();
    if (!value || value.length > 255) continue;
    if (kind !== 'text' && !kind.includes(value)) continue;
    out[key] = value;
  }
  return out as FilterValues<F>;
}

/** A shareable URL of a list with these filters (empty ones left out, in the given order). */
export function withFilters(pathname: string, filters: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    const v = value?.trim();
    if (v) params.set(key, v);
  }
  const qs = params.toString();
  return qs ? `${pathname}?${qs}` : pathname;
}

const listeners = new Set<() => void>();
let navigations = 0;
const notify = () => {
  navigations += 1;
  for (const l of listeners) l();
};

/** Whether the user moved inside the console since it loaded (then a new page takes the focus). */
export const hasNavigated = (): boolean => navigations > 0;
if (typeof window !== 'undefined') window.addEventListener('popstate', notify);

/** Goes to a console URL without reloading (history API). */
export function navigate(to: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) history.replaceState(null, '', to);
  else history.pushState(null, '', to);
  notify();
}

/** The current path and query; re-renders on every navigation. */
export function useLocation(): { pathname: string; search: string } {
  const read = () => ({ pathname: location.pathname, search: location.search });
  const [loc, setLoc] = useState(read);
  useEffect(() => {
    const update = () => setLoc(read());
    listeners.add(update);
    return () => {
      listeners.delete(update);
    };
  }, []);
  return loc;
}

import {
  isLanguage,
  isThemeMode,
  LANGUAGES,
  type Language,
  prefixedIdPattern,
  THEME_MODES,
  type ThemeMode,
} from '@patchbay/shared/protocol';

/** Languages the portal speaks. */
export type PortalLanguage = Language;
/** Light, dark, or following the user's system setting. */
export type PortalThemeMode = ThemeMode;

/** What the iframe URL is built from; the token is deliberately not among them. */
export interface PortalUrlInput {
  /** Patchbay's base URL, e.g. `https://patchbay.example.com`. */
  readonly url: string;
  /** The embed configuration id (`cfg_…`). */
  readonly configId: string;
  readonly language?: PortalLanguage | undefined;
  readonly theme?: { readonly mode: PortalThemeMode } | undefined;
  /** Opens this flow directly. */
  readonly flowId?: string | undefined;
}

const FLOW_ID = prefixedIdPattern('flow');

/** Patchbay's base URL, checked: http(s), no credentials, no query or fragment. */
export function patchbayBase(url: string): URL {
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new TypeError('Patchbay: `url` must be an absolute URL such as https://patchbay.example.com');
  }
  if ((base.protocol !== 'https:' && base.protocol !== 'http:') || base.username || base.password || base.search || base.hash) {
    throw new TypeError('Patchbay: `url` must be an http(s) URL without credentials, query or fragment');
  }
  return base;
}

/**
 * The iframe URL: `{url}/embed/{configId}` with only non-secret options in the query
 * (`lang`, `theme`, `flowId`). The embed token never appears here; it travels over the
 * origin-pinned channel once the iframe asks for it.
 */
export function portalUrl(input: PortalUrlInput): string {
  const base = patchbayBase(input.url);
  if (!/^cfg_[A-Za-z0-9]{1,64}$/.test(input.configId)) throw new TypeError('Patchbay: `configId` must look like cfg_…');
  const query = new URLSearchParams();
  if (input.language !== undefined) {
    if (!isLanguage(input.language)) throw new TypeError(`Patchbay: \`language\` must be one of ${LANGUAGES.join(', ')}`);
    query.set('lang', input.language);
  }
  if (input.theme !== undefined) {
    if (!isThemeMode(input.theme.mode)) throw new TypeError(`Patchbay: \`theme.mode\` must be one of ${THEME_MODES.join(', ')}`);
    query.set('theme', input.theme.mode);
  }
  if (input.flowId !== undefined) {
    if (!FLOW_ID.test(input.flowId)) throw new TypeError('Patchbay: `flowId` must look like flow_…');
    query.set('flowId', input.flowId);
  }
  const search = query.toString();
  return `${base.origin}${base.pathname.replace(/\/+$/, '')}/embed/${input.configId}${search ? `?${search}` : ''}`;
}

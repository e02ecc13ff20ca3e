import type { EmbedSession, themeColorNames } from '@patchbay/shared';

/** Branding of a configuration, as the session answers it. */
export type Branding = EmbedSession['config']['branding'];
type ColorName = (typeof themeColorNames)[number];
/** Light or dark. */
export type Mode = 'light' | 'dark';

// Kept in step with `themeColorNames` in shared (the type check below fails if one is missing);
// not imported at run time so the iframe bundle never pulls in zod.
const COLOR_NAMES = ['primary', 'primaryText', 'background', 'surface', 'text', 'muted', 'border', 'danger', 'success'] as const;
const complete: readonly ColorName[] = COLOR_NAMES satisfies readonly ColorName[];
type Missing = Exclude<ColorName, (typeof COLOR_NAMES)[number]>;
const _noneMissing: Missing extends never ? true : false = true;
void _noneMissing;

/** The same rule as shared's `cssColorSchema`: hex, rgb(a) or hsl(a), nothing that could close a rule. */
const CSS_COLOR = /^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla)\([0-9.,%\s/]+\))$/;

/** Whether a value is a colour the theme accepts. */
export const isCssColor = (value: unknown): value is string => typeof value === 'string' && value.length <= 64 && CSS_COLOR.test(value);

/** Default palette of the iframe, light and dark (WCAG AA for text on background and surface); the branding overrides it. */
export const DEFAULT_COLORS: Record<Mode, Record<ColorName, string>> = {
  light: {
    primary: '#3b4cca',
    primaryText: '#ffffff',
    background: '#ffffff',
    surface: '#f5f6fa',
    text: '#1c1e26',
    muted: '#5b6070',
    border: '#d5d8e2',
    danger: '#b42318',
    success: '#067647',
  },
  dark: {
    primary: '#8c9cff',
    primaryText: '#10131f',
    background: '#14161d',
    surface: '#1e212b',
    text: '#eceef4',
    muted: '#a9aec0',
    border: '#363a48',
    danger: '#ff8a80',
    success: '#6fdca5',
  },
};

const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * CSS custom properties (`--pb-primary`, …) for one mode. Colours are re-validated here, so a
 * branding value that slipped past the server can never close the declaration block.
 */
export function themeVariables(branding: Branding | undefined, mode: Mode): Record<string, string> {
  const raw = (mode === 'dark' ? branding?.darkColors : branding?.colors) ?? {};
  const overrides = (raw && typeof raw === 'object' ? raw : {}) as Partial<Record<ColorName, unknown>>;
  const vars: Record<string, string> = {};
  for (const name of complete) {
    const value = overrides[name];
    vars[`--pb-${kebab(name)}`] = isCssColor(value) ? value : DEFAULT_COLORS[mode][name];
  }
  return vars;
}

/** The mode to show: the explicit option, else the branding's, with `auto` following the system setting. */
export function resolveMode(option: 'light' | 'dark' | 'auto' | undefined, branding: Branding | undefined, prefersDark: boolean): Mode {
  const wanted = option ?? branding?.mode ?? 'auto';
  if (wanted === 'auto') return prefersDark ? 'dark' : 'light';
  return wanted;
}

/** Relative luminance of a `#rrggbb` colour (WCAG 2.x). */
export function luminance(hex: string): number {
  const n = Number.parseInt(hex.slice(1), 16);
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) + 0.0722 * channel(n & 255);
}

/** WCAG contrast ratio of two `#rrggbb` colours. */
export function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

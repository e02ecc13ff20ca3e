import type { EmbedSession } from '@patchbay/shared';
import { type ThemeColorName as ColorName, isCssColor, type ThemeMode, themeColorNames } from '@patchbay/shared/protocol';

/** Branding of a configuration, as the session answers it. */
export type Branding = EmbedSession['config']['branding'];
/** Light or dark. */
export type Mode = 'light' | 'dark';

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
  for (const name of themeColorNames) {
    const value = overrides[name];
    vars[`--pb-${kebab(name)}`] = isCssColor(value) ? value : DEFAULT_COLORS[mode][name];
  }
  return vars;
}

/**
 * The mode to show: the explicit option, else the branding's, else light (a dark box on a light
 * host page is wrong); `auto` follows the system setting only when the host or branding asks for it.
 */
export function resolveMode(option: ThemeMode | undefined, branding: Branding | undefined, prefersDark: boolean): Mode {
  const wanted = option ?? branding?.mode ?? 'light';
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

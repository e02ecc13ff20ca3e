import { brandingSchema, themeColorNames } from '@patchbay/shared';
import type { z } from 'zod';

type Branding = z.infer<typeof brandingSchema>;

/** Default palette of the iframe, light and dark; the configuration's branding overrides it. */
export const DEFAULT_COLORS: Record<'light' | 'dark', Record<(typeof themeColorNames)[number], string>> = {
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
export function themeVariables(branding: Branding, mode: 'light' | 'dark'): Record<string, string> {
  const parsed = brandingSchema.safeParse(branding);
  const safe: Branding = parsed.success ? parsed.data : {};
  const overrides = (mode === 'dark' ? safe.darkColors : safe.colors) ?? {};
  const vars: Record<string, string> = {};
  for (const name of themeColorNames) vars[`--pb-${kebab(name)}`] = overrides[name] ?? DEFAULT_COLORS[mode][name];
  return vars;
}

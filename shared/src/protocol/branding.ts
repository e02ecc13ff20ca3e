/** Theme colour names, each becoming a CSS variable `--pb-{name}` in the iframe. */
export const themeColorNames = ['primary', 'primaryText', 'background', 'surface', 'text', 'muted', 'border', 'danger', 'success'] as const;
/** One of {@link themeColorNames}. */
export type ThemeColorName = (typeof themeColorNames)[number];

/** Longest accepted CSS colour value, in characters. */
export const MAX_CSS_COLOR_LENGTH = 64;
/** CSS colour values the theme accepts: hex, rgb(a) or hsl(a); nothing that could close a rule. */
export const CSS_COLOR_PATTERN = /^(#[0-9a-fA-F]{3,8}|(rgb|rgba|hsl|hsla)\([0-9.,%\s/]+\))$/;

/** Whether a value is a colour the theme accepts (the rule of `brandingSchema`'s colours). */
export function isCssColor(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_CSS_COLOR_LENGTH && CSS_COLOR_PATTERN.test(value);
}

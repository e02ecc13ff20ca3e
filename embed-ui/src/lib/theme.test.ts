import { describe, expect, it } from 'vitest';
import { contrast, DEFAULT_COLORS, resolveMode, themeVariables } from './theme.ts';

describe('themeVariables', () => {
  it('fills defaults and applies overrides per mode', () => {
    const vars = themeVariables({ colors: { primary: '#ff0000' }, darkColors: { primary: '#00ff00' } }, 'light');
    expect(vars['--pb-primary']).toBe('#ff0000');
    expect(vars['--pb-primary-text']).toBe(DEFAULT_COLORS.light.primaryText);
    expect(themeVariables({ colors: { primary: '#ff0000' }, darkColors: { primary: '#00ff00' } }, 'dark')['--pb-primary']).toBe('#00ff00');
    expect(Object.keys(vars)).toHaveLength(9);
  });

  it('drops a branding whose colour could break out of a declaration', () => {
    const hostile = { colors: { primary: 'red;} body{display:none' } } as never;
    expect(themeVariables(hostile, 'light')['--pb-primary']).toBe(DEFAULT_COLORS.light.primary);
    expect(themeVariables({ colors: { text: 'rgb(1,2,3)' } }, 'light')['--pb-text']).toBe('rgb(1,2,3)');
  });
});

describe('resolveMode', () => {
  it('prefers the option, then the branding, defaults to light and follows the system only for auto', () => {
    expect(resolveMode('dark', { mode: 'light' }, false)).toBe('dark');
    expect(resolveMode(undefined, { mode: 'light' }, true)).toBe('light');
    expect(resolveMode(undefined, {}, true)).toBe('light');
    expect(resolveMode(undefined, undefined, true)).toBe('light');
    expect(resolveMode(undefined, { mode: 'auto' }, true)).toBe('dark');
    expect(resolveMode('auto', undefined, true)).toBe('dark');
    expect(resolveMode('auto', { mode: 'dark' }, false)).toBe('light');
  });
});

describe('default palette contrast (WCAG AA)', () => {
  it.each(['light', 'dark'] as const)('%s: text ≥ 4.5:1 on background and surface, buttons ≥ 4.5:1', (mode) => {
    const c = DEFAULT_COLORS[mode];
    for (const bg of [c.background, c.surface]) {
      expect(contrast(c.text, bg)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(c.muted, bg)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(c.danger, bg)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(c.success, bg)).toBeGreaterThanOrEqual(4.5);
      expect(contrast(c.primary, bg)).toBeGreaterThanOrEqual(4.5);
    }
    expect(contrast(c.primaryText, c.primary)).toBeGreaterThanOrEqual(4.5);
    // focus rings and input borders are non-text UI: 3:1 against the background
    expect(contrast(c.primary, c.background)).toBeGreaterThanOrEqual(3);
  });
});

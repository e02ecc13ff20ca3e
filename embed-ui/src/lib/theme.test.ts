import { describe, expect, it } from 'vitest';
import { DEFAULT_COLORS, themeVariables } from './theme.ts';

describe('themeVariables', () => {
  it('fills defaults and applies overrides per mode', () => {
    const vars = themeVariables({ colors: { primary: '#ff0000' }, darkColors: { primary: '#00ff00' } }, 'light');
    expect(vars['--pb-primary']).toBe('#ff0000');
    expect(vars['--pb-primary-text']).toBe(DEFAULT_COLORS.light.primaryText);
    expect(themeVariables({ colors: { primary: '#ff0000' }, darkColors: { primary: '#00ff00' } }, 'dark')['--pb-primary']).toBe('#00ff00');
  });

  it('drops a branding whose colour could break out of a declaration', () => {
    const hostile = { colors: { primary: 'red;} body{display:none' } } as never;
    expect(themeVariables(hostile, 'light')['--pb-primary']).toBe(DEFAULT_COLORS.light.primary);
  });
});

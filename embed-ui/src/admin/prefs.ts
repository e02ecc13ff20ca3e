import { type Language, pickLanguage } from '../lib/i18n.ts';

/** Light, dark, or the system's setting. */
export type ThemeChoice = 'auto' | 'light' | 'dark';

const LANG_KEY = 'patchbay.admin.lang';
const THEME_KEY = 'patchbay.admin.theme';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    // Storage may be off; the choice then lasts for this page only.
  }
}

/** The console's language: the one chosen before, else the browser's, else English. */
export const storedLanguage = (): Language => pickLanguage(read(LANG_KEY), navigator.language);
/** Keeps the chosen language for the next visit. */
export const storeLanguage = (lang: Language): void => write(LANG_KEY, lang);

/** The theme chosen before, else the system's. */
export function storedTheme(): ThemeChoice {
  const value = read(THEME_KEY);
  return value === 'light' || value === 'dark' ? value : 'auto';
}
/** Keeps the chosen theme for the next visit. */
export const storeTheme = (theme: ThemeChoice): void => write(THEME_KEY, theme);

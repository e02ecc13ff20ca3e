import { useId } from 'preact/hooks';
import type { Language } from '../lib/i18n.ts';
import type { Translate } from './i18n.ts';
import type { ThemeChoice } from './prefs.ts';

/** The language and theme choices, and how to change them. */
export interface PrefsState {
  lang: Language;
  theme: ThemeChoice;
  setLang(lang: Language): void;
  setTheme(theme: ThemeChoice): void;
}

/** Language and theme selects (on the sign-in page and in the console's top bar). */
export function Prefs({ t, prefs }: { t: Translate; prefs: PrefsState }) {
  const langId = useId();
  const themeId = useId();
  return (
    <div class="pb-prefs">
      <label for={langId}>{t('language')}</label>
      <select id={langId} value={prefs.lang} onChange={(e) => prefs.setLang((e.currentTarget as HTMLSelectElement).value as Language)}>
        <option value="en" lang="en">
          English
        </option>
        <option value="de" lang="de">
          Deutsch
        </option>
      </select>
      <label for={themeId}>{t('theme')}</label>
      <select
        id={themeId}
        value={prefs.theme}
        onChange={(e) => prefs.setTheme((e.currentTarget as HTMLSelectElement).value as ThemeChoice)}
      >
        <option value="auto">{t('themeAuto')}</option>
        <option value="light">{t('themeLight')}</option>
        <option value="dark">{t('themeDark')}</option>
      </select>
    </div>
  );
}

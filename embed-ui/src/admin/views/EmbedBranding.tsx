import type { EmbedConfig } from '@patchbay/shared';
import { isCssColor } from '@patchbay/shared/protocol';
import { useEffect, useRef, useState } from 'preact/hooks';
import { DEFAULT_COLORS, type Mode, themeVariables } from '../../lib/theme.ts';
import { ErrorAlert } from '../components/Feedback.tsx';
import { RadioGroup, SelectField, TextArea, TextField } from '../components/Field.tsx';
import { useConsole } from '../context.ts';
import { useAction } from '../hooks.ts';
import type { MessageKey } from '../i18n.ts';
import { isAdmin } from '../permissions.ts';
import { OtherIssues } from './ConnectorCreate.tsx';
import type { Saved } from './EmbedConfigDetail.tsx';

type Branding = EmbedConfig['branding'];
type ColorName = keyof typeof DEFAULT_COLORS.light;
const COLOR_NAMES = Object.keys(DEFAULT_COLORS.light) as ColorName[];
const COLOR_LABEL: Record<ColorName, MessageKey> = {
  primary: 'colorPrimary',
  primaryText: 'colorPrimaryText',
  background: 'colorBackground',
  surface: 'colorSurface',
  text: 'colorText',
  muted: 'colorMuted',
  border: 'colorBorder',
  danger: 'colorDanger',
  success: 'colorSuccess',
};

/** The colours typed for one mode, without the empty ones. */
function colors(draft: Record<string, string>): Partial<Record<ColorName, string>> | undefined {
  const out = Object.fromEntries(Object.entries(draft).filter(([, v]) => v.trim())) as Partial<Record<ColorName, string>>;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** The branding as the API takes it, from the form's text. */
export function brandingBody(d: {
  title: string;
  logoUrl: string;
  mode: string;
  light: Record<string, string>;
  dark: Record<string, string>;
  customCss: string;
}): Branding {
  const light = colors(d.light);
  const dark = colors(d.dark);
  return {
    ...(d.title.trim() ? { title: d.title.trim() } : {}),
    ...(d.logoUrl.trim() ? { logoUrl: d.logoUrl.trim() } : {}),
    ...(d.mode === 'light' || d.mode === 'dark' || d.mode === 'auto' ? { mode: d.mode } : {}),
    ...(light ? { colors: light } : {}),
    ...(dark ? { darkColors: dark } : {}),
    ...(d.customCss.trim() ? { customCss: d.customCss } : {}),
  };
}

/**
 * A static mock of the iframe's home screen painted with the branding's theme variables — the
 * real `/embed/{id}` refuses to render in the console (its `frame-ancestors` lists only the
 * configuration's allowed origins). Custom CSS is not applied here.
 */
function Preview({ branding, mode, name }: { branding: Branding; mode: Mode; name: string }) {
  const { t } = useConsole();
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    for (const [k, v] of Object.entries(themeVariables(branding, mode))) el.style.setProperty(k, v);
    el.style.colorScheme = mode;
  }, [branding, mode]);
  const logo = branding.logoUrl && /^https:\/\//.test(branding.logoUrl) ? branding.logoUrl : undefined;
  return (
    <figure class="pb-preview-wrap">
      <div ref={ref} class="pv-root" aria-hidden="true">
        <div class="pv-header">
          {logo && <img class="pv-logo" src={logo} alt="" height={24} />}
          <span class="pv-title">{branding.title || name}</span>
        </div>
        <div class="pv-tabs">
          <span class="pv-tab pv-tab-on">{t('previewTabIntegrations')}</span>
          <span class="pv-tab">{t('previewTabConnections')}</span>
        </div>
        <div class="pv-card">
          <div>
            <div class="pv-card-title">{t('previewFlowName')}</div>
            <div class="pv-muted">{t('previewFlowText')}</div>
          </div>
          <span class="pv-badge">{t('statusEnabled')}</span>
          <span class="pv-btn pv-btn-primary">{t('previewSetUp')}</span>
        </div>
        <div class="pv-alert">{t('previewError')}</div>
      </div>
      <figcaption class="pb-hint">{t('previewCaption')}</figcaption>
    </figure>
  );
}

/** Title, logo, mode, colours per mode (CSS variables), custom CSS, with the live preview. */
export function BrandingEditor({ config, onSaved }: { config: EmbedConfig; onSaved(s: Saved): void }) {
  const c = useConsole();
  const { t, api } = c;
  const admin = isAdmin(c.me);
  const b = config.branding;
  const [title, setTitle] = useState(b.title ?? '');
  const [logoUrl, setLogoUrl] = useState(b.logoUrl ?? '');
  const [mode, setMode] = useState<string>(b.mode ?? 'auto');
  const [light, setLight] = useState<Record<string, string>>({ ...b.colors });
  const [dark, setDark] = useState<Record<string, string>>({ ...b.darkColors });
  const [customCss, setCustomCss] = useState(b.customCss ?? '');
  const [previewMode, setPreviewMode] = useState<Mode>(b.mode === 'dark' ? 'dark' : 'light');
  const action = useAction();
  const draft = brandingBody({ title, logoUrl, mode, light, dark, customCss });
  const colorError = (v: string | undefined) => (v?.trim() && !isCssColor(v.trim()) ? t('invalidColor') : undefined);
  const save = async (e: Event) => {
    e.preventDefault();
    await action.run(async () => {
      const res = await api.call('PATCH /embed-configs/{id}', { params: { id: config.id }, body: { branding: draft } });
      const { callbackSecret: _none, ...rest } = res;
      c.announce(t('brandingSavedMsg'));
      onSaved({ config: rest });
    });
  };
  const palette = (which: Mode) => {
    const values = which === 'light' ? light : dark;
    const set = which === 'light' ? setLight : setDark;
    return (
      <fieldset class="pb-fieldset pb-colors">
        <legend>{t(which === 'light' ? 'colorsLight' : 'colorsDark')}</legend>
        {COLOR_NAMES.map((name) => (
          <div class="pb-color" key={name}>
            <span
              class="pb-swatch"
              aria-hidden="true"
              ref={(el) =>
                el?.style.setProperty(
                  'background',
                  isCssColor(values[name]?.trim()) ? (values[name] as string).trim() : DEFAULT_COLORS[which][name],
                )
              }
            />
            <TextField
              label={t(COLOR_LABEL[name])}
              value={values[name] ?? ''}
              onInput={(v) => set((old) => ({ ...old, [name]: v }))}
              placeholder={DEFAULT_COLORS[which][name]}
              error={colorError(values[name])}
              mono
            />
          </div>
        ))}
      </fieldset>
    );
  };
  return (
    <div class="pb-branding">
      <form class="pb-form" onSubmit={(e) => void save(e)}>
        <fieldset class="pb-plain" disabled={!admin}>
          <TextField label={t('brandTitle')} value={title} onInput={setTitle} hint={t('brandTitleHint')} />
          <TextField label={t('logoUrl')} type="url" value={logoUrl} onInput={setLogoUrl} hint={t('logoUrlHint')} />
          <SelectField
            label={t('brandMode')}
            value={mode}
            onChange={setMode}
            options={[
              { value: 'auto', label: t('themeAuto') },
              { value: 'light', label: t('themeLight') },
              { value: 'dark', label: t('themeDark') },
            ]}
          />
          {palette('light')}
          {palette('dark')}
          <TextArea label={t('customCss')} value={customCss} onInput={setCustomCss} rows={5} mono hint={t('customCssHint')} />
        </fieldset>
        <ErrorAlert error={action.error} />
        <OtherIssues issues={(action.error as { issues?: { path: string; message: string }[] } | undefined)?.issues ?? []} />
        {admin && (
          <div class="pb-actions">
            <button type="submit" class="pb-btn pb-btn-primary" disabled={action.busy}>
              {t('saveBranding')}
            </button>
          </div>
        )}
      </form>
      <div class="pb-stack">
        <RadioGroup
          legend={t('previewMode')}
          name="preview-mode"
          value={previewMode}
          onChange={(v) => setPreviewMode(v === 'dark' ? 'dark' : 'light')}
          options={[
            { value: 'light', label: t('themeLight') },
            { value: 'dark', label: t('themeDark') },
          ]}
        />
        <Preview branding={draft} mode={previewMode} name={config.name} />
      </div>
    </div>
  );
}

import type { EmbedSession, PortalEvent } from '@patchbay/shared';
import { isLanguage, isThemeMode, type ThemeMode } from '@patchbay/shared/protocol';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { type Api, createApi } from '../lib/api.ts';
import { allowedOriginPatterns, connectHost, type Host, isFramed } from '../lib/host.ts';
import { hasLanguage, type Language, loadLanguage, pickLanguage, translator } from '../lib/i18n.ts';
import { exchangeSession, type SessionDeps, sessionToken } from '../lib/session.ts';
import { type Branding, resolveMode, themeVariables } from '../lib/theme.ts';
import { configIdFromPath, urlOptions } from './bootstrap.ts';
import { Skeleton } from './components/Feedback.tsx';
import { LiveRegion } from './components/LiveRegion.tsx';
import { type EventExtra, Portal, type PortalContext } from './context.ts';
import { apiErrorKey, errorCode } from './errorSentences.ts';
import { Consent } from './views/Consent.tsx';
import { Home } from './views/Home.tsx';

type Phase = { kind: 'starting' } | { kind: 'fatal'; message: 'notFramed' } | { kind: 'sessionError'; error: unknown } | { kind: 'ready' };

const options = urlOptions(location.search);
const configId = configIdFromPath(location.pathname);
const darkQuery = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;

/** The iframe app: handshake with the host, session, theme, language, then consent or home. */
export function App() {
  const [phase, setPhase] = useState<Phase>({ kind: 'starting' });
  const [session, setSession] = useState<EmbedSession>();
  const [langOverride, setLangOverride] = useState<Language | undefined>(options.lang);
  const [themeOverride, setThemeOverride] = useState<ThemeMode | undefined>(options.theme);
  const [prefersDark, setPrefersDark] = useState(Boolean(darkQuery?.matches));
  const [consented, setConsented] = useState(false);
  // The server refused a change with 403 consent_required (consent asked for since, or gone): ask again.
  const [consentDemanded, setConsentDemanded] = useState(false);
  const host = useRef<Host | undefined>(undefined);
  const sessionRef = useRef<EmbedSession | undefined>(undefined);
  const rootRef = useRef<HTMLDivElement>(null);

  // The option, the user's claim, then the browser's languages among those the iframe has, then the configuration's default.
  const lang = pickLanguage(
    langOverride,
    session?.user.language,
    ...(navigator.languages ?? []),
    navigator.language,
    session?.config.defaultLanguage,
  );
  // A language other than English is its own chunk: fetched at once (beside the handshake), and the
  // portal waits for it rather than flash English; should it fail to load, the portal speaks English.
  const [langSettled, setLangSettled] = useState<Language[]>([]);
  const langReady = hasLanguage(lang) || langSettled.includes(lang);
  // Only the first view waits for its language; a switch later keeps what is on screen (open
  // dialogs, a half-filled form) in the language it had until the new one is in.
  const spokeOnce = useRef(false);
  if (langReady) spokeOnce.current = true;
  useEffect(() => {
    if (hasLanguage(lang)) return;
    const settle = () => setLangSettled((done) => [...done, lang]);
    loadLanguage(lang).then(settle, settle);
  }, [lang]);
  // what the iframe speaks now: the language asked for once its dictionary is in, English until then
  const shown: Language = langReady ? lang : 'en';
  const t = useMemo(() => translator(shown), [shown]);
  const branding: Branding | undefined = session?.config.branding;
  const mode = resolveMode(themeOverride, branding, prefersDark);

  const emit = <T extends PortalEvent['type']>(type: T, extra: EventExtra<T>) => {
    const s = sessionRef.current;
    if (!host.current) return;
    // Before a session exists only `error` can be told (who the user is is not known yet).
    if (!s && type !== 'error') return;
    const event = {
      type,
      configId: s?.config.id ?? configId ?? '',
      userId: s?.user.id ?? '',
      accountId: s?.account.id ?? '',
      sharingLevel: s?.config.sharingLevel ?? 'user',
      ...extra,
    };
    host.current.emit(event as PortalEvent).catch(() => {});
  };

  const deps = useRef<SessionDeps | undefined>(undefined);
  const api: Api = useMemo(
    () =>
      createApi({
        token: sessionToken,
        renew: () => (deps.current ? exchangeSession(deps.current).then(() => {}) : Promise.reject(new Error('no host'))),
        onConsentRequired: () => setConsentDemanded(true),
      }),
    [],
  );

  const start = async () => {
    setPhase({ kind: 'starting' });
    if (!deps.current) {
      setPhase({ kind: 'fatal', message: 'notFramed' });
      return;
    }
    try {
      await exchangeSession(deps.current);
      setPhase({ kind: 'ready' });
      emit('ready', {});
    } catch (error) {
      setPhase({ kind: 'sessionError', error });
      const message = (error as { message?: unknown }).message;
      emit('error', { code: errorCode(error), message: typeof message === 'string' ? message : '' });
    }
  };

  // Handshake with the host page, then the first session.
  useEffect(() => {
    if (!configId || !isFramed(window)) {
      setPhase({ kind: 'fatal', message: 'notFramed' });
      return;
    }
    connectHost(allowedOriginPatterns(document), {
      setLanguage: (language) => {
        if (isLanguage(language)) setLangOverride(language);
      },
      setTheme: (theme) => {
        const m = theme?.mode;
        if (isThemeMode(m)) setThemeOverride(m);
      },
    }).then(
      (remote) => {
        host.current = remote;
        deps.current = {
          configId,
          getToken: () => remote.getToken(),
          onSession: (s) => {
            sessionRef.current = s;
            setSession(s);
          },
          onError: (error) => {
            const e = error as { code?: string; message?: string };
            emit('error', { code: String(e.code ?? 'session_failed'), message: String(e.message ?? 'Session renewal failed') });
          },
        };
        void start();
      },
      () => setPhase({ kind: 'fatal', message: 'notFramed' }),
    );
  }, []);

  // Follow the system colour scheme.
  useEffect(() => {
    const onChange = (e: MediaQueryListEvent) => setPrefersDark(e.matches);
    darkQuery?.addEventListener('change', onChange);
    return () => darkQuery?.removeEventListener('change', onChange);
  }, []);

  // Theme variables on the root element (CSSOM, allowed under a CSP without inline styles).
  useEffect(() => {
    const root = document.documentElement;
    for (const [name, value] of Object.entries(themeVariables(branding, mode))) root.style.setProperty(name, value);
    root.style.colorScheme = mode;
    root.dataset.mode = mode;
    root.lang = shown;
  }, [branding, mode, shown]);

  // The configuration's custom CSS as a constructed stylesheet (no inline <style>, so no CSP nonce needed).
  useEffect(() => {
    const css = branding?.customCss;
    if (!css || typeof CSSStyleSheet !== 'function' || !('adoptedStyleSheets' in document)) return;
    try {
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      return () => {
        document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
      };
    } catch {
      return undefined;
    }
  }, [branding?.customCss]);

  // Report the content height to the host.
  useEffect(() => {
    const el = rootRef.current;
    if (!el || typeof ResizeObserver !== 'function') return;
    let last = -1;
    const observer = new ResizeObserver(() => {
      const height = Math.ceil(el.getBoundingClientRect().height);
      if (height !== last && host.current) {
        last = height;
        host.current.resize(height).catch(() => {});
      }
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [phase.kind]);

  let body: preact.JSX.Element;
  if (phase.kind === 'fatal') {
    body = (
      <main class="pb-main">
        <p class="pb-alert" role="alert">
          {t(phase.message)}
        </p>
      </main>
    );
  } else if (phase.kind === 'sessionError') {
    body = (
      <main class="pb-main">
        <div class="pb-alert" role="alert">
          <span>
            {t('sessionFailed')} {t(apiErrorKey(phase.error))}
          </span>
          <button type="button" class="pb-btn" onClick={() => void start()}>
            {t('retry')}
          </button>
        </div>
      </main>
    );
  } else if (phase.kind === 'starting' || !session || !spokeOnce.current) {
    body = (
      <main class="pb-main" aria-busy="true">
        <span class="pb-sr">{t('loading')}</span>
        <Skeleton />
      </main>
    );
  } else {
    const context: PortalContext = { t, lang: shown, api, session, emit, consentRequired: () => setConsentDemanded(true) };
    const needsConsent = consentDemanded || (session.config.consent.enabled && !session.config.consent.given && !consented);
    const title = branding?.title ?? session.config.name;
    body = (
      <Portal.Provider value={context}>
        <header class="pb-header">
          {branding?.logoUrl && <img class="pb-logo" src={branding.logoUrl} alt="" height={28} />}
          <h1 class="pb-title">{title}</h1>
        </header>
        {needsConsent ? (
          <main class="pb-main">
            <Consent
              again={consentDemanded}
              onAccepted={() => {
                setConsented(true);
                setConsentDemanded(false);
              }}
            />
          </main>
        ) : (
          <Home deepLinkFlowId={options.flowId} />
        )}
      </Portal.Provider>
    );
  }
  return (
    <div ref={rootRef} class="pb-root">
      {body}
      <LiveRegion />
    </div>
  );
}

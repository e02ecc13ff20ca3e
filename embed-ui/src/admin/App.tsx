import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { errorTextFor } from '../lib/errorText.ts';
import { formatDateTime, type Language } from '../lib/i18n.ts';
import { themeVariables } from '../lib/theme.ts';
import { type ConsoleApi, createConsoleApi } from './api.ts';
import { Console, type ConsoleContext, type Lookups } from './context.ts';
import { allPages } from './hooks.ts';
import { translator } from './i18n.ts';
import { Layout } from './Layout.tsx';
import { Pages } from './Pages.tsx';
import type { Me } from './permissions.ts';
import { storedLanguage, storedTheme, storeLanguage, storeTheme, type ThemeChoice } from './prefs.ts';
import { SignIn } from './views/SignIn.tsx';

type Session = { kind: 'checking' } | { kind: 'signedOut'; reason?: 'expired' | 'signedOut' } | { kind: 'signedIn'; me: Me };

const darkQuery = typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : undefined;

async function loadLookups(api: ConsoleApi): Promise<Lookups> {
  const [configs, flows, connectors] = await Promise.all([
    allPages((cursor) => api.call('GET /embed-configs', { query: { limit: 200, cursor } })),
    allPages((cursor) => api.call('GET /flows', { query: { limit: 200, cursor } })),
    allPages((cursor) => api.call('GET /connectors', { query: { limit: 200, cursor } })),
  ]);
  return {
    configs: new Map(configs.map((c) => [c.id, c])),
    flows: new Map(flows.map((f) => [f.id, f])),
    connectors: new Map(connectors.map((c) => [c.id, c])),
  };
}

/** The console: checks the session, then the sign-in page or the signed-in shell; language and theme for both. */
export function App() {
  const [lang, setLang] = useState<Language>(storedLanguage);
  const [theme, setTheme] = useState<ThemeChoice>(storedTheme);
  const [prefersDark, setPrefersDark] = useState(Boolean(darkQuery?.matches));
  const [session, setSession] = useState<Session>({ kind: 'checking' });
  const [lookups, setLookups] = useState<Lookups>();
  const [lookupError, setLookupError] = useState<unknown>();
  const [status, setStatus] = useState('');
  const statusTimer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const signedIn = useRef(false);
  const t = useMemo(() => translator(lang), [lang]);
  const mode = theme === 'auto' ? (prefersDark ? 'dark' : 'light') : theme;

  const api = useMemo(
    () =>
      createConsoleApi((error) => {
        // A 401 while signed in: the session ended (idle, absolute limit, signed out elsewhere).
        if (signedIn.current) setSession({ kind: 'signedOut', reason: error.code === 'session_expired' ? 'expired' : 'signedOut' });
      }),
    [],
  );

  useEffect(() => {
    api.call('GET /me').then(
      (s) => setSession({ kind: 'signedIn', me: s.user }),
      () => setSession({ kind: 'signedOut' }),
    );
  }, [api]);

  useEffect(() => {
    signedIn.current = session.kind === 'signedIn';
    if (session.kind !== 'signedIn') {
      setLookups(undefined);
      return;
    }
    loadLookups(api).then(setLookups, setLookupError);
  }, [session, api]);

  useEffect(() => {
    const onChange = (e: MediaQueryListEvent) => setPrefersDark(e.matches);
    darkQuery?.addEventListener('change', onChange);
    return () => darkQuery?.removeEventListener('change', onChange);
  }, []);

  // Theme variables on the root element (CSSOM: allowed by a CSP without inline styles).
  useEffect(() => {
    const root = document.documentElement;
    for (const [name, value] of Object.entries(themeVariables(undefined, mode))) root.style.setProperty(name, value);
    root.style.colorScheme = mode;
    root.dataset.mode = mode;
    root.lang = lang;
  }, [mode, lang]);

  const announce = useCallback((text: string) => {
    // Cleared first, so the same message twice is announced twice.
    setStatus('');
    clearTimeout(statusTimer.current);
    statusTimer.current = setTimeout(() => setStatus(text), 50);
  }, []);

  const prefs = {
    lang,
    theme,
    setLang: (l: Language) => {
      setLang(l);
      storeLanguage(l);
    },
    setTheme: (th: ThemeChoice) => {
      setTheme(th);
      storeTheme(th);
    },
  };

  if (session.kind === 'checking') {
    return (
      <main class="pb-center" aria-busy="true">
        <span class="pb-sr">{t('loading')}</span>
      </main>
    );
  }
  if (session.kind === 'signedOut') {
    return (
      <SignIn
        t={t}
        api={api}
        prefs={prefs}
        notice={session.reason === 'expired' ? t('sessionExpired') : session.reason === 'signedOut' ? t('signedOutNotice') : undefined}
        onSignedIn={(me) => setSession({ kind: 'signedIn', me })}
      />
    );
  }

  const signOut = async () => {
    try {
      await api.call('POST /logout');
    } finally {
      setSession({ kind: 'signedOut', reason: 'signedOut' });
    }
  };

  const context: ConsoleContext | undefined = lookups && {
    t,
    lang,
    api,
    me: session.me,
    lookups,
    reloadLookups: async () => setLookups(await loadLookups(api)),
    announce,
    errorText: (e) => errorTextFor(t, e),
    date: (iso) => (iso ? formatDateTime(lang, iso) : '—'),
  };
  return (
    <Layout t={t} me={session.me} prefs={prefs} status={status} onSignOut={() => void signOut()} onNavigate={() => setStatus('')}>
      {context ? (
        <Console.Provider value={context}>
          <Pages />
        </Console.Provider>
      ) : lookupError ? (
        <p class="pb-alert" role="alert">
          {errorTextFor(t, lookupError)}
        </p>
      ) : (
        <div aria-busy="true">
          <span class="pb-sr">{t('loading')}</span>
          <div class="pb-skeleton">
            <div class="pb-skeleton-row" />
            <div class="pb-skeleton-row" />
          </div>
        </div>
      )}
    </Layout>
  );
}

import { useEffect, useState } from 'preact/hooks';
import type { ApiError } from '../../lib/api.ts';
import { errorTextFor } from '../../lib/errorText.ts';
import type { ConsoleApi } from '../api.ts';
import type { Translate } from '../i18n.ts';
import { Prefs, type PrefsState } from '../Prefs.tsx';
import type { Me } from '../permissions.ts';

/** The sign-in page: "Email", "Password", "Sign in"; the console opens on the page of the URL afterwards. */
export function SignIn(props: { t: Translate; api: ConsoleApi; prefs: PrefsState; notice?: string | undefined; onSignedIn(me: Me): void }) {
  const { t, api } = props;
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError>();
  useEffect(() => {
    document.title = `${t('signInTitle')} · ${t('appName')}`;
  }, [t]);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await api.call('POST /login', { body: { email: email.trim(), password } });
      setPassword('');
      props.onSignedIn(session.user);
    } catch (e) {
      setError(e as ApiError);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div class="pb-signin-page">
      <header class="pb-topbar">
        <span class="pb-brand">{t('appName')}</span>
        <Prefs t={t} prefs={props.prefs} />
      </header>
      <main id="main" class="pb-signin">
        <h1>{t('signInTitle')}</h1>
        {props.notice && (
          <p class="pb-notice" role="status">
            {props.notice}
          </p>
        )}
        <form class="pb-form" onSubmit={(e) => void submit(e)}>
          <div class="pb-field">
            <label for="signin-email">{t('email')}</label>
            <input
              id="signin-email"
              type="email"
              autocomplete="username"
              required
              value={email}
              onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? 'signin-error' : undefined}
            />
          </div>
          <div class="pb-field">
            <label for="signin-password">{t('password')}</label>
            <input
              id="signin-password"
              type="password"
              autocomplete="current-password"
              required
              value={password}
              onInput={(e) => setPassword((e.currentTarget as HTMLInputElement).value)}
              aria-invalid={error ? 'true' : undefined}
              aria-describedby={error ? 'signin-error' : undefined}
            />
          </div>
          {error && (
            <p id="signin-error" class="pb-alert" role="alert">
              {error.code === 'login_failed' ? t('loginFailed') : errorTextFor(t, error)}
            </p>
          )}
          <button type="submit" class="pb-btn pb-btn-primary" disabled={busy}>
            {t('signIn')}
          </button>
        </form>
      </main>
    </div>
  );
}

import type { ComponentChildren } from 'preact';
import { useEffect } from 'preact/hooks';
import { Link } from './components/Link.tsx';
import type { MessageKey, Translate } from './i18n.ts';
import { Prefs, type PrefsState } from './Prefs.tsx';
import type { Me } from './permissions.ts';
import { BASE, matchRoute, type Section, sectionOf, sectionPath, useLocation } from './router.ts';

/** The navigation, in the order of SPEC §12. */
export const NAV: readonly { section: Section; label: MessageKey }[] = [
  { section: 'integrations', label: 'navIntegrations' },
  { section: 'connectorAuths', label: 'navConnectorAuths' },
  { section: 'runs', label: 'navRuns' },
  { section: 'connectors', label: 'navConnectors' },
  { section: 'embedConfigs', label: 'navEmbedConfigs' },
  { section: 'flows', label: 'navFlows' },
  { section: 'callbacks', label: 'navCallbacks' },
  { section: 'audit', label: 'navAudit' },
  { section: 'adminUsers', label: 'navAdminUsers' },
  { section: 'apiTokens', label: 'navApiTokens' },
];

const ROLE: Record<Me['role'], MessageKey> = { owner: 'roleOwner', admin: 'roleAdmin', member: 'roleMember' };

/**
 * The signed-in frame: a skip link, the top bar (home, language, theme, who, "Sign out"), the
 * "Main navigation" landmark, and the main area with the polite status region actions report to.
 */
export function Layout(props: {
  t: Translate;
  me: Me;
  prefs: PrefsState;
  status: string;
  onSignOut(): void;
  onNavigate(): void;
  children: ComponentChildren;
}) {
  const { t, me, onNavigate } = props;
  const loc = useLocation();
  const current = sectionOf(matchRoute(loc.pathname));
  // A message belongs to the page it was said on.
  useEffect(() => onNavigate(), [loc.pathname]);
  return (
    <div class="pb-app">
      <a class="pb-skip" href="#main">
        {t('skipToMain')}
      </a>
      <header class="pb-topbar">
        <Link href={BASE} class="pb-brand" aria-current={loc.pathname === BASE ? 'page' : undefined}>
          {t('appName')}
        </Link>
        <Prefs t={t} prefs={props.prefs} />
        <span class="pb-who">
          {me.name} <span class="pb-muted">({t(ROLE[me.role])})</span>
        </span>
        <button type="button" class="pb-btn" onClick={props.onSignOut}>
          {t('signOut')}
        </button>
      </header>
      <div class="pb-shell">
        <nav class="pb-nav" aria-label={t('mainNavigation')}>
          <ul>
            {NAV.map((item) => (
              <li key={item.section}>
                <Link href={sectionPath(item.section)} aria-current={current === item.section ? 'page' : undefined}>
                  {t(item.label)}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" class="pb-page" tabIndex={-1}>
          <div class={props.status ? 'pb-status pb-status-on' : 'pb-status'} role="status">
            {props.status}
          </div>
          {props.children}
        </main>
      </div>
    </div>
  );
}

/**
 * The "Acme CRM" host page: HTML, stylesheet and script, kept as strings so the page works from
 * the bundled CLI too. No inline script or style (the page's CSP forbids both), no external
 * resource but the Patchbay SDK script.
 */
import { ACME_CALLBACKS_HEAD, ACME_CALLBACKS_PANEL } from './demoCallbacks.ts';

/** The demo's end users: two people of one Acme account. */
export const ACME_USERS = [
  { id: 'ada', name: 'Ada Lovelace', email: 'ada@acme.example' },
  { id: 'grace', name: 'Grace Hopper', email: 'grace@acme.example' },
] as const;

/** The account both users belong to. */
export const ACME_ACCOUNT = { id: 'acme', name: 'Acme Inc.' } as const;

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The page, with the Patchbay URL and configuration id filled in. */
export function acmePageHtml(opts: { patchbayUrl: string; configId: string; callbacks?: boolean }): string {
  const url = escapeHtml(opts.patchbayUrl);
  const configId = escapeHtml(opts.configId);
  const options = ACME_USERS.map((u) => `<option value="${escapeHtml(u.id)}">${escapeHtml(u.name)}</option>`).join('');
  const snippet = escapeHtml(`<script src="${opts.patchbayUrl}/sdk/v1/patchbay.js"></script>
<script>
  const portal = window.Patchbay.mountPortal({
    container: '#integrations',
    url: '${opts.patchbayUrl}',
    configId: '${opts.configId}',
    // Your backend signs the embed token with @patchbay/sdk/node (signEmbedToken).
    token: () => fetch('/api/patchbay-token?user=' + user).then((r) => r.text()),
  });
  portal.on('integration.enabled', (e) => console.log(e.integrationId, e.flowId));
</script>`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="patchbay-url" content="${url}">
<meta name="patchbay-config-id" content="${configId}">
<title>Integrations · Acme CRM</title>
<link rel="stylesheet" href="/acme.css">
<script src="${url}/sdk/v1/patchbay.js"></script>
<script src="/acme.js" defer></script>
${opts.callbacks ? ACME_CALLBACKS_HEAD : ''}
</head>
<body>
<header class="topbar">
  <a class="brand" href="/"><span class="logo" aria-hidden="true">A</span>Acme CRM</a>
  <nav class="mainnav" aria-label="Main">
    <a href="/">Contacts</a><a href="/">Deals</a><a href="/">Reports</a><a href="/" aria-current="page">Settings</a>
  </nav>
  <div class="who">
    <label for="user">Signed in as</label>
    <select id="user">${options}</select>
    <label for="lang">Language</label>
    <select id="lang"><option value="">Browser</option><option value="en">English</option><option value="de">Deutsch</option></select>
    <label for="theme">Theme</label>
    <select id="theme"><option value="light">Light</option><option value="dark">Dark</option><option value="auto">System</option></select>
    <span class="account">${escapeHtml(ACME_ACCOUNT.name)}</span>
  </div>
</header>
<div class="layout">
  <nav class="sidebar" aria-label="Settings">
    <h2>Settings</h2>
    <a href="/">Profile</a><a href="/">Team</a><a href="/">Billing</a><a href="/" aria-current="page">Integrations</a>
  </nav>
  <main class="content">
    <h1>Integrations</h1>
    <p class="lead">Connect Acme CRM to the tools your team already uses. Connections and integrations are shared by everyone in your company (${escapeHtml(ACME_ACCOUNT.name)}).</p>
    <div id="integrations" class="portal" data-config-id="${configId}"></div>
    <p id="sdk-missing" class="notice" hidden>The Patchbay SDK did not load from ${url}/sdk/v1/patchbay.js. Is Patchbay running, and was it built (<code>pnpm build</code>)?</p>
    <details class="howto">
      <summary>How this page embeds Patchbay</summary>
      <pre><code>${snippet}</code></pre>
    </details>
  </main>
  <aside class="events" aria-labelledby="events-title">
    <div class="events-head">
      <h2 id="events-title">Events received</h2>
      <button type="button" id="clear-events">Clear</button>
    </div>
    <p class="hint">What the portal reported to this page through the SDK, newest first.</p>
    <ol id="events" aria-live="polite"></ol>
    <p id="no-events" class="empty">No events yet.</p>
    ${opts.callbacks ? ACME_CALLBACKS_PANEL : ''}
  </aside>
</div>
</body>
</html>
`;
}

/** The page's stylesheet. */
export const ACME_CSS = `*,*::before,*::after{box-sizing:border-box}
:root{--bg:#f4f5f8;--panel:#fff;--text:#1f2330;--muted:#6b7285;--line:#e3e6ee;--accent:#4f46e5;--accent-soft:#eef0ff}
html,body{margin:0}
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--text)}
a{color:inherit;text-decoration:none}
.topbar{display:flex;align-items:center;gap:24px;padding:10px 24px;background:#1e1b4b;color:#e0e7ff}
.brand{display:flex;align-items:center;gap:10px;font-weight:700;font-size:17px;color:#fff}
.logo{display:inline-grid;place-items:center;width:28px;height:28px;border-radius:8px;background:linear-gradient(135deg,#818cf8,#4f46e5);color:#fff}
.mainnav{display:flex;gap:4px;flex:1}
.mainnav a{padding:6px 12px;border-radius:6px;color:#c7d2fe}
.mainnav a:hover,.mainnav a[aria-current=page]{background:rgba(255,255,255,.12);color:#fff}
.who{display:flex;align-items:center;gap:8px;font-size:14px}
body.dark{--bg:#0f1117;--panel:#171a22;--text:#e6e8ef;--muted:#a3a9ba;--line:#2a2f3c;--accent-soft:#23264a}
.who select{font:inherit;padding:4px 8px;border-radius:6px;border:1px solid #4338ca;background:#312e81;color:#fff}
.account{padding:2px 8px;border-radius:999px;background:rgba(255,255,255,.12);font-size:12px}
.layout{display:grid;grid-template-columns:200px minmax(0,1fr) 320px;gap:24px;max-width:1320px;margin:0 auto;padding:24px}
.sidebar h2{font-size:12px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted);margin:8px 12px}
.sidebar a{display:block;padding:7px 12px;border-radius:6px;color:var(--muted)}
.sidebar a:hover{background:var(--panel)}
.sidebar a[aria-current=page]{background:var(--accent-soft);color:var(--accent);font-weight:600}
.content h1{margin:4px 0 4px;font-size:24px}
.lead{margin:0 0 16px;color:var(--muted)}
.portal{background:var(--panel);border:1px solid var(--line);border-radius:12px;min-height:320px;overflow:hidden}
.portal iframe{display:block;width:100%;border:0}
.notice{padding:12px 14px;border-radius:8px;background:#fff4e5;border:1px solid #f5c07a}
.howto{margin-top:16px;color:var(--muted)}
.howto summary{cursor:pointer}
.howto pre{background:#0f172a;color:#e2e8f0;padding:14px;border-radius:8px;overflow:auto;font-size:12.5px}
.events{background:var(--panel);border:1px solid var(--line);border-radius:12px;padding:14px 16px;align-self:start;position:sticky;top:16px;max-height:calc(100vh - 32px);overflow:auto}
.events-head{display:flex;align-items:center;justify-content:space-between}
.events h2{font-size:15px;margin:0}
.events button{font:inherit;font-size:13px;padding:3px 10px;border-radius:6px;border:1px solid var(--line);background:var(--panel);color:var(--text);cursor:pointer}
.events button:hover{border-color:var(--accent);color:var(--accent)}
.hint,.empty{color:var(--muted);font-size:13px;margin:6px 0 10px}
#events{list-style:none;margin:0;padding:0}
#events li{border-top:1px solid var(--line);padding:8px 0;font-size:13px}
#events .type{font-weight:600;color:var(--accent)}
#events .time{float:right;color:var(--muted);font-variant-numeric:tabular-nums}
#events .fields{margin:2px 0 0;color:var(--muted);overflow-wrap:anywhere}
#events li.marker{color:var(--muted);font-style:italic}
@media (max-width:1000px){.layout{grid-template-columns:minmax(0,1fr)}.sidebar{display:none}.events{position:static;max-height:none}}
@media (max-width:640px){.mainnav{display:none}.topbar{flex-wrap:wrap}}
`;

/** The page's script: the user switcher, mounting the portal, and the events panel. */
export const ACME_JS = `'use strict';
(() => {
  const meta = (name) => document.querySelector('meta[name="' + name + '"]').getAttribute('content');
  const patchbayUrl = meta('patchbay-url');
  const configId = meta('patchbay-config-id');
  const EVENT_TYPES = ['ready', 'consent.given', 'connectorAuth.created', 'connectorAuth.updated', 'connectorAuth.deleted',
    'integration.enabled', 'integration.updated', 'integration.disabled', 'integration.deleted', 'error'];
  const select = document.getElementById('user');
  const list = document.getElementById('events');
  const empty = document.getElementById('no-events');
  /** Every event received, oldest first (for tests and the curious: window.acmeEvents). */
  const received = [];
  window.acmeEvents = received;
  let portal = null;

  const add = (li) => {
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 100) list.removeChild(list.lastChild);
    empty.hidden = true;
  };
  const record = (event) => {
    received.push(event);
    const li = document.createElement('li');
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = new Date().toLocaleTimeString();
    const type = document.createElement('span');
    type.className = 'type';
    type.textContent = event.type;
    const fields = document.createElement('div');
    fields.className = 'fields';
    fields.textContent = Object.keys(event)
      .filter((k) => k !== 'type' && k !== 'configId')
      .map((k) => k + ': ' + String(event[k]))
      .join(' · ');
    li.append(time, type, fields);
    add(li);
  };
  const marker = (text) => {
    const li = document.createElement('li');
    li.className = 'marker';
    li.textContent = text;
    add(li);
  };

  const langSelect = document.getElementById('lang');
  const themeSelect = document.getElementById('theme');
  // The language and theme switches: the portal follows at runtime, the page's own colours too.
  const applyPage = () => document.body.classList.toggle('dark', themeSelect.value === 'dark' || (themeSelect.value === 'auto' && matchMedia('(prefers-color-scheme: dark)').matches));
  const remember = (name, value) => {
    const url = new URL(location.href);
    if (value) url.searchParams.set(name, value);
    else url.searchParams.delete(name);
    history.replaceState(null, '', url);
  };

  const mount = (user) => {
    if (portal) portal.destroy();
    portal = null;
    if (!window.Patchbay || typeof window.Patchbay.mountPortal !== 'function') {
      document.getElementById('sdk-missing').hidden = false;
      return;
    }
    portal = window.Patchbay.mountPortal({
      container: '#integrations',
      url: patchbayUrl,
      configId: configId,
      ...(langSelect.value ? { language: langSelect.value } : {}),
      theme: { mode: themeSelect.value },
      token: () =>
        fetch('/api/patchbay-token?user=' + encodeURIComponent(user)).then((r) => {
          if (!r.ok) throw new Error('Acme could not get a Patchbay token (' + r.status + ')');
          return r.text();
        }),
    });
    for (const type of EVENT_TYPES) portal.on(type, record);
  };

  const params = new URLSearchParams(location.search);
  const initial = params.get('user');
  if (initial && [...select.options].some((o) => o.value === initial)) select.value = initial;
  select.addEventListener('change', () => {
    const url = new URL(location.href);
    url.searchParams.set('user', select.value);
    history.replaceState(null, '', url);
    marker('Signed in as ' + select.options[select.selectedIndex].text);
    mount(select.value);
  });
  document.getElementById('clear-events').addEventListener('click', () => {
    list.textContent = '';
    received.length = 0;
    empty.hidden = false;
  });
  if (['en', 'de'].includes(params.get('lang'))) langSelect.value = params.get('lang');
  if (['light', 'dark', 'auto'].includes(params.get('theme'))) themeSelect.value = params.get('theme');
  applyPage();
  langSelect.addEventListener('change', () => {
    remember('lang', langSelect.value);
    // "Browser" has no runtime equivalent: mount again without a language option.
    if (portal && langSelect.value) portal.setLanguage(langSelect.value).catch(() => {});
    else mount(select.value);
  });
  themeSelect.addEventListener('change', () => {
    remember('theme', themeSelect.value);
    applyPage();
    if (portal) portal.setTheme({ mode: themeSelect.value }).catch(() => {});
  });
  mount(select.value);
})();
`;

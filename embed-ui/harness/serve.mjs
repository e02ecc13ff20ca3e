// A look-at-it harness (not a test): the built iframe app on http://127.0.0.1:5310 with an in-memory
// fake /embed/api, and a host page on http://localhost:5311 that mounts it with penpal.
// Run `pnpm build` first, then `node harness/serve.mjs`, then open http://localhost:5311/?flowId=…
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');
const penpal = join(here, '..', 'node_modules', 'penpal', 'dist', 'penpal.mjs');
const HOST = 'http://localhost:5311';
const CONFIG = 'cfg_harness0001';
const manifest = JSON.parse(await readFile(join(dist, '.vite', 'manifest.json'), 'utf8'))['src/portal/main.tsx'];
const now = () => new Date().toISOString();
const consent = process.env.CONSENT === '1';
const customCss = process.env.CUSTOM_CSS ?? '';

const state = {
  consentGiven: false,
  groups: [
    {
      id: 'grp_crm',
      name: 'CRM',
      highlightedConnectors: [
        { id: 'democrm', name: 'Demo CRM', iconUrl: null },
        { id: 'ledger', name: 'Ledger', iconUrl: null },
      ],
      flows: [
        {
          id: 'flow_contactsync01',
          name: 'Sync contacts to Ledger',
          description: 'Copies new CRM contacts into your ledger every hour.',
          icon: null,
          version: 1,
          slots: [
            { key: 'crm', connectorId: 'democrm', label: 'CRM account', prefilled: false },
            { key: 'ledger', connectorId: 'ledger', label: 'Ledger account', prefilled: false },
          ],
          inputs: [
            {
              key: 'email',
              type: 'text',
              label: 'Notification e-mail',
              required: true,
              help: 'We write to this address when a sync fails.',
            },
            { key: 'batch', type: 'number', label: 'Batch size', required: false, min: 1, max: 500, default: 50 },
            {
              key: 'region',
              type: 'select',
              label: 'Region',
              required: true,
              options: [
                { value: 'eu', label: 'Europe' },
                { value: 'us', label: 'United States' },
              ],
            },
            { key: 'notify', type: 'switch', label: 'Notify on success', required: false, default: false },
            { key: 'since', type: 'date', label: 'Start date', required: false },
            { key: 'apiSecret', type: 'password', label: 'Webhook secret', required: false },
          ],
          trigger: { type: 'schedule', everyMinutes: 60 },
        },
        {
          id: 'flow_dealsreport1',
          name: 'Weekly deals report',
          description: null,
          icon: null,
          version: 2,
          slots: [{ key: 'crm', connectorId: 'democrm', label: 'CRM account', prefilled: false }],
          inputs: [],
          trigger: { type: 'manual' },
        },
      ],
    },
    {
      id: 'grp_mail',
      name: 'E-mail',
      highlightedConnectors: [],
      flows: [
        {
          id: 'flow_mailsync0001',
          name: 'Archive e-mails',
          description: 'Stores every e-mail in the CRM.',
          icon: null,
          version: 1,
          slots: [],
          inputs: [],
          trigger: { type: 'webhook' },
        },
      ],
    },
  ],
  connectors: [
    { id: 'democrm', name: 'Demo CRM', authType: 'oauth2', iconUrl: null, fields: [] },
    {
      id: 'ledger',
      name: 'Ledger',
      authType: 'basic',
      iconUrl: null,
      fields: [
        { key: 'username', label: 'Username', type: 'text', required: true },
        { key: 'password', label: 'Password', type: 'password', required: true },
      ],
    },
  ],
  auths: [
    auth('ca_harnessauth0001', 'democrm', 'Demo CRM (ada@acme.example)', 'active'),
    auth('ca_harnessauth0002', 'ledger', 'Ledger (old)', 'needs_reauth'),
  ],
  integrations: [
    {
      id: 'int_harnessint0001',
      flowId: 'flow_mailsync0001',
      flowVersion: 1,
      status: 'enabled',
      disabledBy: null,
      bindings: {},
      inputs: {},
      secretInputsSet: [],
      webhookUrl: null,
      nextRunAt: null,
      latestRun: { id: 'run_1', status: 'success', at: '2026-11-23T10:00:00.000Z' },
      ownedByMe: true,
      createdAt: now(),
      updatedAt: now(),
    },
  ],
};
let seq = 10;
function auth(id, connectorId, name, status) {
  return {
    id,
    connectorId,
    name,
    sharingLevel: 'user',
    proprietary: false,
    status,
    scopes: [],
    expiresAt: null,
    createdAt: now(),
    updatedAt: now(),
    lastUsedAt: null,
    lastError: status === 'needs_reauth' ? 'The refresh token was revoked' : null,
    ownedByMe: true,
  };
}

const send = (res, status, body, headers = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
};
const error = (res, status, code, message, details) =>
  send(res, status, { error: { code, message, requestId: 'req_h', ...(details ? { details } : {}) } });
const readBody = (req) =>
  new Promise((resolve) => {
    let d = '';
    req.on('data', (c) => (d += c));
    req.on('end', () => resolve(d ? JSON.parse(d) : undefined));
  });

async function api(req, res, path) {
  const body = await readBody(req);
  const m = req.method;
  if (path === '/session' && m === 'POST') {
    if (!body?.token) return error(res, 401, 'token_invalid', 'No token');
    return send(res, 200, {
      sessionToken: 'sess_harness',
      expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      user: { id: 'user-1', name: 'Ada', email: null, language: null },
      account: { id: 'acct-1', name: 'Acme' },
      config: {
        id: CONFIG,
        name: 'Acme integrations',
        sharingLevel: 'user',
        defaultLanguage: 'en',
        consent: {
          enabled: consent,
          text: 'Acme connects your CRM and ledger on your behalf.\n\nYou can disconnect at any time.',
          given: state.consentGiven,
        },
        branding: { title: 'Acme Integrations', ...(customCss ? { customCss } : {}) },
      },
    });
  }
  if (req.headers.authorization !== 'Bearer sess_harness') return error(res, 401, 'unauthorized', 'No session');
  if (path === '/consent') {
    state.consentGiven = true;
    return send(res, 200, { given: true, at: now() });
  }
  if (path === '/flows') return send(res, 200, { groups: state.groups });
  if (path.startsWith('/integrations') && m === 'GET') return send(res, 200, { items: state.integrations, nextCursor: null });
  if (path.startsWith('/connectors')) return send(res, 200, { items: state.connectors, nextCursor: null });
  if (path.startsWith('/connector-auths') && m === 'GET') return send(res, 200, { items: state.auths, nextCursor: null });
  if (path === '/connector-auths' && m === 'POST') {
    if (body.values.password !== 'right') return error(res, 422, 'unprocessable', 'The service refused these credentials (HTTP 401).');
    const a = auth(`ca_harnessauth00${seq++}`, body.connectorId, `Ledger (${body.values.username})`, 'active');
    state.auths.push(a);
    return send(res, 201, a);
  }
  if (path === '/integrations' && m === 'POST') {
    if (body.inputs.email && !String(body.inputs.email).includes('@'))
      return error(res, 400, 'validation_failed', 'The request is invalid', {
        issues: [{ path: 'body.inputs.email', message: 'must be an e-mail address' }],
      });
    const i = {
      ...state.integrations[0],
      id: `int_harnessint00${seq++}`,
      flowId: body.flowId,
      bindings: body.bindings,
      inputs: body.inputs,
      latestRun: null,
    };
    state.integrations.push(i);
    return send(res, 201, i);
  }
  const intMatch = /^\/integrations\/([a-z0-9_]+)$/.exec(path);
  if (intMatch) {
    const i = state.integrations.find((x) => x.id === intMatch[1]);
    if (!i) return error(res, 404, 'not_found', 'No such integration');
    if (m === 'PATCH') {
      Object.assign(i, body);
      return send(res, 200, i);
    }
    if (m === 'DELETE') {
      state.integrations = state.integrations.filter((x) => x !== i);
      res.writeHead(204);
      return res.end();
    }
  }
  const caMatch = /^\/connector-auths\/([a-z0-9_]+)(\?force=true)?$/.exec(path);
  if (caMatch) {
    const a = state.auths.find((x) => x.id === caMatch[1]);
    if (!a) return error(res, 404, 'not_found', 'No such auth');
    if (m === 'PATCH') {
      Object.assign(a, body.name ? { name: body.name } : {}, body.values ? { status: 'active' } : {});
      return send(res, 200, a);
    }
    if (m === 'DELETE') {
      const refs = state.integrations.filter((x) => Object.values(x.bindings).includes(a.id));
      if (refs.length && !caMatch[2])
        return error(res, 409, 'in_use', 'The connection is used by integrations', {
          references: refs.map((r) => ({ integrationId: r.id, flowId: r.flowId })),
        });
      state.auths = state.auths.filter((x) => x !== a);
      res.writeHead(204);
      return res.end();
    }
  }
  if (path === '/connect-tickets' && m === 'POST')
    return send(res, 201, { id: 'ct_harnessticket01', url: `http://127.0.0.1:5310/fake-oauth`, expiresAt: now() });
  if (path.startsWith('/connect-tickets/')) return send(res, 200, { status: 'pending' });
  return error(res, 404, 'not_found', `No route ${m} ${path}`);
}

const csp = `default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors ${HOST}`;
http
  .createServer(async (req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1:5310');
    if (url.pathname.startsWith('/embed/api/')) return api(req, res, url.pathname.slice('/embed/api'.length) + url.search);
    if (url.pathname === `/embed/${CONFIG}`) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': csp, 'referrer-policy': 'no-referrer' });
      return res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="patchbay-allowed-origins" content='${JSON.stringify([HOST])}'><title>Patchbay</title>
${(manifest.css ?? []).map((c) => `<link rel="stylesheet" href="/embed-assets/${c}">`).join('')}
<script type="module" src="/embed-assets/${manifest.file}"></script></head><body><div id="app"></div></body></html>`);
    }
    if (url.pathname.startsWith('/embed-assets/')) {
      const file = normalize(join(dist, url.pathname.slice('/embed-assets/'.length)));
      if (!file.startsWith(dist)) return error(res, 404, 'not_found', 'no');
      try {
        const data = await readFile(file);
        res.writeHead(200, { 'content-type': file.endsWith('.js') ? 'text/javascript' : 'text/css' });
        return res.end(data);
      } catch {
        return error(res, 404, 'not_found', 'no');
      }
    }
    error(res, 404, 'not_found', 'no');
  })
  .listen(5310, '127.0.0.1');

http
  .createServer(async (req, res) => {
    const url = new URL(req.url, HOST);
    if (url.pathname === '/penpal.mjs') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      return res.end(await readFile(penpal));
    }
    const width = url.searchParams.get('w') ?? '100%';
    url.searchParams.delete('w');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html><head><meta charset="utf-8"><title>Host</title>
<style>body{margin:0;font-family:sans-serif;background:#e9ecf2} iframe{border:0;width:${width};display:block;background:transparent} #log{font-size:11px;padding:4px;white-space:pre-wrap}</style></head>
<body><iframe id="f" src="http://127.0.0.1:5310/embed/${CONFIG}${url.search}" title="Integrations"></iframe><div id="log"></div>
<script type="module">
import { connect, WindowMessenger } from '/penpal.mjs';
const f = document.getElementById('f');
const log = (t) => { document.getElementById('log').textContent += t + '\\n'; };
const messenger = new WindowMessenger({ remoteWindow: f.contentWindow, allowedOrigins: ['http://127.0.0.1:5310'] });
const conn = connect({ messenger, channel: 'patchbay.portal.v1', methods: {
  getToken: async () => 'fake.jwt.token',
  emit: (e) => { window.__events = [...(window.__events ?? []), e]; log(JSON.stringify(e)); },
  resize: (h) => { f.style.height = h + 'px'; },
} });
window.portal = await conn.promise;
</script></body></html>`);
  })
  .listen(5311, '127.0.0.1');
console.log('harness: host http://localhost:5311  iframe http://127.0.0.1:5310');

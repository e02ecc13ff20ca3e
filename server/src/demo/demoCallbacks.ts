/**
 * The demo's second channel: Patchbay's callbacks to Acme CRM's backend (docs/callbacks.md).
 * The demo configuration's callback URL points at Acme's backend, which verifies each callback
 * with `verifyCallback` of `@patchbay/sdk/node` over the raw body, as a vendor's backend would, and
 * keeps the last ones for its page: the page polls `GET /api/patchbay-callbacks` and shows them
 * beside the events the browser received through the SDK.
 */
import type { CallbackEvent, CallbackHeaders } from '@patchbay/sdk/node';
import express from 'express';
import { type AppContext, inTransaction, nowIso } from '../context.ts';
import { open } from '../crypto/secretBox.ts';
import { secretLocation } from '../crypto/secretColumns.ts';
import { findEmbedConfig } from '../db/repos/embedConfigs.ts';
import { sql } from '../db/sql.ts';
import { recordAudit } from '../services/audit/recordAudit.ts';
import { newCallbackSecret, sealCallbackSecret } from '../services/embed/configs.ts';

/** Where Acme's backend receives callbacks. */
export const ACME_CALLBACK_PATH = '/api/patchbay-callbacks';
/** How many callbacks Acme's backend keeps for its page. */
const KEPT = 50;

/**
 * Points the demo configuration's callbacks at Acme's backend on `127.0.0.1:acmePort` (again
 * when the port moved) and makes sure it has a callback secret; answers the secret (stored
 * sealed; the demo reads it back like its signing secret). Changes nothing when all is in place.
 */
export async function ensureDemoCallbacks(
  ctx: AppContext,
  configId: string,
  acmePort: number,
): Promise<{ secret: string; changed: boolean }> {
  const url = `http://127.0.0.1:${acmePort}${ACME_CALLBACK_PATH}`;
  return inTransaction(ctx, async (tx) => {
    const row = await findEmbedConfig(tx.db, configId);
    if (!row) throw new Error(`The demo configuration ${configId} does not exist`);
    if (row.callback_url === url && row.callback_secret_enc !== null) {
      return {
        secret: open(tx.keyring, secretLocation('embed_configs', 'callback_secret_enc', configId), row.callback_secret_enc),
        changed: false,
      };
    }
    const secret =
      row.callback_secret_enc === null
        ? newCallbackSecret()
        : open(tx.keyring, secretLocation('embed_configs', 'callback_secret_enc', configId), row.callback_secret_enc);
    await tx.db.run(sql`UPDATE embed_configs SET callback_url = ${url}, callback_secret_enc = ${sealCallbackSecret(tx, configId, secret)},
      updated_at = ${nowIso(tx)} WHERE id = ${configId}`);
    await recordAudit(
      tx,
      { kind: 'system' },
      {
        action: 'embed_config.updated',
        objectType: 'embed_config',
        objectId: configId,
        configId,
        details: { changed: ['callbackUrl'], callbackUrl: url, seededBy: 'demo' },
      },
    );
    return { secret, changed: true };
  });
}

/** A callback as Acme's backend kept it. */
export interface ReceivedCallback {
  readonly id: string;
  readonly receivedAt: string;
  readonly type: string;
  readonly timestamp: string;
  readonly data: Record<string, unknown>;
}

/** `verifyCallback` of `@patchbay/sdk/node`. */
type Verify = (rawBody: Uint8Array, headers: CallbackHeaders, secret: string) => CallbackEvent;

/**
 * Acme's callback receiver: `POST /api/patchbay-callbacks` verifies the raw body with `verify`
 * (204; 400 when it does not verify), skips a `webhook-id` it already has (a retry), and
 * `GET /api/patchbay-callbacks` answers the last ones, newest first, for the page.
 */
export function acmeCallbackRouter(secret: string, verify: Verify): express.Router {
  const router = express.Router();
  const kept: ReceivedCallback[] = [];
  router.post(ACME_CALLBACK_PATH, express.raw({ type: '*/*', limit: '1mb' }), (req, res) => {
    let event: CallbackEvent;
    try {
      event = verify(req.body as Buffer, req.headers as CallbackHeaders, secret);
    } catch (err) {
      res
        .status(400)
        .type('text')
        .send(`Not a valid Patchbay callback: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    const id = String(req.headers['webhook-id']);
    // `webhook-id` is the idempotency key: a retry of a callback already handled is acknowledged only.
    if (!kept.some((c) => c.id === id)) {
      kept.unshift({ id, receivedAt: new Date().toISOString(), type: event.type, timestamp: event.timestamp, data: { ...event.data } });
      kept.length = Math.min(kept.length, KEPT);
    }
    res.status(204).end();
  });
  router.get(ACME_CALLBACK_PATH, (_req, res) => {
    res.set('cache-control', 'no-store').json({ items: kept });
  });
  router.get('/acme-callbacks.js', (_req, res) => {
    res.set('cache-control', 'no-cache').type('js').send(ACME_CALLBACKS_JS);
  });
  router.get('/acme-callbacks.css', (_req, res) => {
    res.set('cache-control', 'no-cache').type('css').send(ACME_CALLBACKS_CSS);
  });
  return router;
}

/** The page's second panel, under the browser events: what Acme's backend received. */
export const ACME_CALLBACKS_PANEL = `<section class="callbacks" aria-labelledby="callbacks-title">
      <h2 id="callbacks-title">Callbacks to Acme’s backend</h2>
      <p class="hint">What Patchbay sent to <code>${ACME_CALLBACK_PATH}</code> on Acme’s server, each checked with <code>verifyCallback</code>, newest first.</p>
      <ol id="callbacks" aria-live="polite"></ol>
      <p id="no-callbacks" class="empty">No callbacks yet.</p>
    </section>`;

/** The tags that load the panel's stylesheet and script. */
export const ACME_CALLBACKS_HEAD = `<link rel="stylesheet" href="/acme-callbacks.css">
<script src="/acme-callbacks.js" defer></script>`;

const ACME_CALLBACKS_CSS = `.callbacks{border-top:1px solid var(--line);margin-top:14px;padding-top:12px}
.callbacks h2{font-size:15px;margin:0}
.callbacks code{font-size:12px}
#callbacks{list-style:none;margin:0;padding:0}
#callbacks li{border-top:1px solid var(--line);padding:8px 0;font-size:13px}
#callbacks .type{font-weight:600;color:#047857}
#callbacks .time{float:right;color:var(--muted);font-variant-numeric:tabular-nums}
#callbacks .fields{margin:2px 0 0;color:var(--muted);overflow-wrap:anywhere}
`;

/** Polls Acme's backend for the callbacks it received and lists them (window.acmeCallbacks for tests). */
const ACME_CALLBACKS_JS = `'use strict';
(() => {
  const list = document.getElementById('callbacks');
  const empty = document.getElementById('no-callbacks');
  if (!list) return;
  const shown = new Set();
  window.acmeCallbacks = [];
  const render = (c) => {
    const li = document.createElement('li');
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = new Date(c.receivedAt).toLocaleTimeString();
    const type = document.createElement('span');
    type.className = 'type';
    type.textContent = c.type;
    const fields = document.createElement('div');
    fields.className = 'fields';
    fields.textContent = Object.keys(c.data)
      .filter((k) => k !== 'configId' && c.data[k] !== '')
      .map((k) => k + ': ' + String(c.data[k]))
      .join(' · ');
    li.append(time, type, fields);
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 50) list.removeChild(list.lastChild);
    empty.hidden = true;
  };
  const poll = () =>
    fetch('${ACME_CALLBACK_PATH}', { cache: 'no-store' })
      .then((r) => (r.ok ? r.json() : { items: [] }))
      .then((body) => {
        for (const c of body.items.slice().reverse()) {
          if (shown.has(c.id)) continue;
          shown.add(c.id);
          window.acmeCallbacks.push(c);
          render(c);
        }
      })
      .catch(() => {})
      .finally(() => setTimeout(poll, 1500));
  poll();
})();
`;

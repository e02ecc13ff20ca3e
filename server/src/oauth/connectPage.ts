/**
 * The popup's own pages (start errors and the callback result): tiny, self-contained HTML with
 * one nonce'd script that reports the result to the opener at its exact origin, removes the
 * code/state from the address bar, and closes the window. Never a credential on the page.
 */
import type { ConnectErrorCode, ConnectResultMessage } from '@patchbay/shared';

/** What one page shows and reports. */
export interface ConnectPage {
  readonly title: string;
  readonly message: string;
  /** Extra text from the provider (e.g. `error_description`), shown escaped. */
  readonly detail?: string | null;
  /** Posted to the opener when the page concerns a known ticket. */
  readonly result?: ConnectResultMessage | null;
}

/** The readable message for each connect error code. */
export const CONNECT_ERROR_MESSAGES: Record<ConnectErrorCode, string> = {
  access_denied: 'The connection was not authorized.',
  provider_error: 'The provider reported an error.',
  exchange_failed: 'The provider did not accept the authorization. Please try again.',
  invalid_response: 'The provider answered something we could not use.',
  expired: 'This connection attempt has expired. Please start again.',
  auth_unavailable: 'The account being reconnected is no longer available.',
  unsupported: 'This connector cannot be connected this way.',
  consent_required: 'Please accept the consent screen in the app first, then connect again.',
  server_error: 'Something went wrong on our side. Please try again.',
  browser_mismatch:
    'This sign-in was started in another browser or window. Please start again from the app, in the browser where you use it.',
};

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON safe to place inside a `<script>` element (no `</script>`, no line separators). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * Renders a page. `targetOrigin` is the origin of the public URL, where the iframe lives; the
 * message goes there and nowhere else (never `'*'`).
 */
export function renderConnectPage(page: ConnectPage, opts: { nonce: string; targetOrigin: string }): string {
  const detail = page.detail ? `<p class="detail">${escapeHtml(page.detail.slice(0, 300))}</p>` : '';
  const post = page.result
    ? `try{if(window.opener&&!window.opener.closed){window.opener.postMessage(${scriptJson(page.result)},${scriptJson(opts.targetOrigin)});}}catch(e){}`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(page.title)}</title>
<style nonce="${opts.nonce}">body{font:16px/1.5 system-ui,sans-serif;margin:3rem auto;max-width:28rem;padding:0 1rem;color:#222}h1{font-size:1.25rem}.detail{color:#555;word-break:break-word}</style>
</head>
<body>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
${detail}
<p>You can close this window.</p>
<script nonce="${opts.nonce}">(function(){try{history.replaceState(null,'',location.pathname);}catch(e){}${post}setTimeout(function(){window.close();},${page.result ? 1500 : 8000});})();</script>
</body>
</html>
`;
}

/**
 * Drives a whole connect flow in tests the way a browser popup would: plain `fetch` with manual
 * redirects and a cookie jar, really submitting oidc-provider's dev login and consent forms.
 *
 * ```ts
 * const run = await driveOAuth2Login(ticket.url, { rewrite: { from: ctx.config.publicUrl, to: s.url } });
 * run.authorizeUrl  // where /oauth/start sent the popup
 * run.response      // the callback page
 * ```
 */
import { acceptConsent } from './embedFixtures.ts';
import type { TestServer } from './harness.ts';

/** A minimal cookie jar, one per simulated browser: name → value per host (paths ignored). */
export class CookieJar {
  private readonly byHost = new Map<string, Map<string, string>>();
  store(url: URL, res: Response): void {
    const jar = this.byHost.get(url.host) ?? new Map<string, string>();
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair?.indexOf('=') ?? -1;
      if (!pair || eq < 1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') jar.delete(name);
      else jar.set(name, value);
    }
    this.byHost.set(url.host, jar);
  }
  /** The value of one cookie for `url`'s host, if set. */
  get(url: URL, name: string): string | undefined {
    return this.byHost.get(url.host)?.get(name);
  }
  /** The `Cookie` header for `url`'s host. */
  header(url: URL): string | undefined {
    const jar = this.byHost.get(url.host);
    if (!jar || jar.size === 0) return undefined;
    return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

/** What a driven flow saw. */
export interface DrivenFlow {
  /** The provider URL `/oauth/start` redirected to. */
  readonly authorizeUrl: string;
  /** The callback URL the provider sent the popup back to (after rewriting). */
  readonly callbackUrl: string;
  /** The callback's answer (absent when `stopAtCallback`). */
  readonly response: Response | null;
  /** Its body. */
  readonly text: string;
  /** The browser's cookies after the run. */
  readonly jar: CookieJar;
  /** Every request made, in order, as `METHOD url`. */
  readonly visited: string[];
  /** The `prompt` of every provider form submitted (`login`, `consent`). */
  readonly submitted: string[];
}

/** Options of {@link driveOAuth2Login}. */
export interface DriveOptions {
  /** Maps the configured public URL onto the test server's real address. */
  readonly rewrite?: { from: string; to: string };
  /** Stop before calling the callback (to deliver its code elsewhere). */
  readonly stopAtCallback?: boolean;
  /** Any login works at oidc-provider's dev pages; this one is used. */
  readonly login?: string;
  /** Maximum number of requests before giving up. */
  readonly maxSteps?: number;
  /** The browser's cookie jar (default: a fresh one, a browser of its own). */
  readonly jar?: CookieJar;
}

function rewrite(url: string, opts: DriveOptions): string {
  const r = opts.rewrite;
  return r && url.startsWith(r.from) ? r.to + url.slice(r.from.length) : url;
}

/** The first `<form method="post">` of a page: its action and its inputs' names and values. */
function firstPostForm(html: string): { action: string; fields: Record<string, string> } | null {
  const form = /<form\b[^>]*action="([^"]*)"[^>]*method="post"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) return null;
  const fields: Record<string, string> = {};
  for (const input of (form[2] as string).matchAll(/<input\b([^>]*)>/gi)) {
    const attrs = input[1] as string;
    const name = /\bname="([^"]*)"/.exec(attrs)?.[1];
    if (name) fields[name] = /\bvalue="([^"]*)"/.exec(attrs)?.[1] ?? '';
  }
  return { action: (form[1] as string).replace(/&amp;/g, '&'), fields };
}

/**
 * Opens `startUrl`, follows redirects to the provider, signs in and consents through the real
 * forms, follows the provider's redirect back to the callback, and answers what happened.
 */
export async function driveOAuth2Login(startUrl: string, opts: DriveOptions = {}): Promise<DrivenFlow> {
  const jar = opts.jar ?? new CookieJar();
  const visited: string[] = [];
  const submitted: string[] = [];
  const callbackPrefix = opts.rewrite ? `${opts.rewrite.to}/oauth/callback/` : null;
  let authorizeUrl = '';
  let request: { url: string; method: 'GET' | 'POST'; body?: string } = { url: rewrite(startUrl, opts), method: 'GET' };
  for (let step = 0; step < (opts.maxSteps ?? 20); step++) {
    const url = new URL(request.url);
    const isCallback = url.pathname.startsWith('/oauth/callback/') && (callbackPrefix === null || request.url.startsWith(callbackPrefix));
    if (isCallback && opts.stopAtCallback)
      return { authorizeUrl, callbackUrl: request.url, response: null, text: '', jar, visited, submitted };
    visited.push(`${request.method} ${request.url}`);
    const headers: Record<string, string> = {};
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (request.body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const res = await fetch(url, {
      method: request.method,
      headers,
      redirect: 'manual',
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    jar.store(url, res);
    if (isCallback) return { authorizeUrl, callbackUrl: request.url, response: res, text: await res.text(), jar, visited, submitted };
    const location = res.headers.get('location');
    if (res.status >= 300 && res.status < 400 && location) {
      await res.arrayBuffer();
      const next = new URL(location, url).toString();
      if (url.pathname === '/oauth/start') authorizeUrl = next;
      request = { url: rewrite(next, opts), method: 'GET' };
      continue;
    }
    const html = await res.text();
    const form = res.status === 200 ? firstPostForm(html) : null;
    if (!form) {
      throw new Error(`driveOAuth2Login: stuck at ${request.url} (${res.status}): ${html.slice(0, 300)}`);
    }
    const fields = { ...form.fields };
    if ('login' in fields) fields.login = opts.login ?? 'ada@example.test';
    if ('password' in fields) fields.password = 'any-password';
    submitted.push(fields.prompt ?? 'form');
    request = { url: new URL(form.action, url).toString(), method: 'POST', body: new URLSearchParams(fields).toString() };
  }
  throw new Error('driveOAuth2Login: too many steps');
}

/**
 * Follows an OAuth1 popup: `/oauth/start` → the provider's authorize page (which approves at
 * once) → the callback. Same shape as {@link driveOAuth2Login}.
 */
export async function driveOAuth1Login(startUrl: string, opts: DriveOptions = {}): Promise<DrivenFlow> {
  return driveOAuth2Login(startUrl, opts);
}

/**
 * Exchanges a signed embed token for a session token and accepts the consent screen when the
 * configuration shows one, as the iframe does before any write (throws unless both succeed).
 */
export async function embedSessionToken(s: TestServer, embedToken: string): Promise<string> {
  const res = await s.request('POST', '/embed/api/session', { body: { token: embedToken } });
  if (res.status !== 200) throw new Error(`session exchange failed: ${res.status} ${res.text}`);
  const token = res.body.sessionToken as string;
  await acceptConsent(s, token, res.body);
  return token;
}

/** The test server's public URL mapping, for {@link DriveOptions.rewrite}. */
export function rewriteFor(s: TestServer): { from: string; to: string } {
  return { from: s.app.ctx.config.publicUrl, to: s.url };
}

import type { PortalEvent } from '@patchbay/shared';
import { type HostMethods, PORTAL_CHANNEL, type PortalEventType, type PortalMethods } from '@patchbay/shared/protocol';
import { connect, type RemoteProxy, WindowMessenger } from 'penpal';
import { boundedHeight, looksLikeJwt, toPortalEvent } from './events.ts';
import { type PortalLanguage, type PortalThemeMode, patchbayBase, portalUrl } from './portalUrl.ts';

/** The penpal channel name the SDK and the iframe share. */
export { PORTAL_CHANNEL } from '@patchbay/shared/protocol';

/** What {@link mountPortal} needs. */
export interface MountPortalOptions {
  /** The element to mount into, or a CSS selector for it. */
  readonly container: Element | string;
  /** Patchbay's base URL, e.g. `https://patchbay.example.com`; its origin is the only peer the SDK talks to. */
  readonly url: string;
  /** The embed configuration id (`cfg_…`). */
  readonly configId: string;
  /** Returns a fresh embed token minted by your backend; called at start and whenever the session nears expiry. */
  readonly token: string | (() => string | Promise<string>);
  readonly language?: PortalLanguage;
  readonly theme?: { readonly mode: PortalThemeMode };
  /** Opens this flow directly. */
  readonly flowId?: string;
  /** The iframe's accessible title. Default "Integrations". */
  readonly title?: string;
}

/** The event of one type. */
export type PortalEventOf<T extends PortalEventType> = Extract<PortalEvent, { type: T }>;

/** A mounted portal. */
export interface Portal {
  /** The iframe element. */
  readonly iframe: HTMLIFrameElement;
  /** Listens to one event type (or `'*'` for all); answers an unsubscribe function. */
  on<T extends PortalEventType>(type: T, handler: (event: Readonly<PortalEventOf<T>>) => void): () => void;
  on(type: '*', handler: (event: Readonly<PortalEvent>) => void): () => void;
  /** Switches the portal's language at runtime. */
  setLanguage(language: PortalLanguage): Promise<void>;
  /** Switches light/dark at runtime. */
  setTheme(theme: { mode: PortalThemeMode }): Promise<void>;
  /** Closes the channel, removes every listener and the iframe. */
  destroy(): void;
}

/** How long a token fetched at mount time may wait for the iframe to ask for it. */
const EARLY_TOKEN_MS = 20_000;

type Handler = (event: Readonly<PortalEvent>) => void;
/** The portal's methods as a plain object type (penpal wants an index signature, interfaces have none). */
type Remote = { [K in keyof PortalMethods]: PortalMethods[K] };

function report(error: unknown): void {
  const g = globalThis as { reportError?: (e: unknown) => void };
  if (g.reportError) g.reportError(error);
  else
    setTimeout(() => {
      throw error;
    });
}

/**
 * Mounts the Patchbay portal into `container`: creates the iframe (no token in its URL), opens a
 * penpal channel pinned to the origin of `url` and to the iframe's window, hands the iframe a
 * token when it asks, relays its events to your listeners and follows its height.
 *
 * ```ts
 * const portal = mountPortal({ container: '#integrations', url: 'https://patchbay.example.com', configId: 'cfg_…',
 *   token: () => fetch('/api/patchbay-token').then((r) => r.text()) });
 * const off = portal.on('integration.enabled', (e) => console.log(e.integrationId));
 * ```
 */
export function mountPortal(options: MountPortalOptions): Portal {
  const container = typeof options.container === 'string' ? document.querySelector(options.container) : options.container;
  if (!container) throw new TypeError(`Patchbay: no element matches ${String(options.container)}`);
  if (typeof options.token !== 'string' && typeof options.token !== 'function') throw new TypeError('Patchbay: `token` must be a function');
  const origin = patchbayBase(options.url).origin;
  const src = portalUrl(options);

  const iframe = document.createElement('iframe');
  iframe.title = options.title ?? 'Integrations';
  iframe.src = src;
  iframe.style.cssText = 'display:block;width:100%;border:0;height:320px';
  container.appendChild(iframe);

  const handlers = new Map<string, Set<Handler>>();
  let destroyed = false;
  const dispatch = (event: Readonly<PortalEvent>) => {
    for (const key of [event.type, '*']) {
      for (const handler of [...(handlers.get(key) ?? [])]) {
        try {
          handler(event);
        } catch (error) {
          report(error);
        }
      }
    }
  };

  const fetchToken = async (): Promise<string> => {
    const token = typeof options.token === 'function' ? await options.token() : options.token;
    // The message names no value: a token must never reach a log.
    if (!looksLikeJwt(token)) throw new Error('Patchbay: the token function did not return an embed token (a JWT)');
    return token;
  };
  // The first token is fetched while the iframe loads and handed over only when the iframe asks
  // for it after the handshake; an early token older than EARLY_TOKEN_MS is not used.
  let early: { at: number; token: Promise<string> } | undefined = { at: Date.now(), token: fetchToken() };
  early.token.catch(() => undefined);

  const methods = {
    async getToken(): Promise<string> {
      if (destroyed) throw new Error('Patchbay: the portal was destroyed');
      const first = early;
      early = undefined;
      if (first && Date.now() - first.at < EARLY_TOKEN_MS) {
        try {
          return await first.token;
        } catch {
          // fetched again below
        }
      }
      return fetchToken();
    },
    emit(value: PortalEvent): void {
      const event = toPortalEvent(value);
      if (event && !destroyed) dispatch(event);
    },
    resize(height: number): void {
      const h = boundedHeight(height);
      if (h !== undefined && !destroyed) iframe.style.height = `${h}px`;
    },
  } satisfies HostMethods;

  const messenger = new WindowMessenger({ remoteWindow: iframe.contentWindow as Window, allowedOrigins: [origin] });
  const connection = connect<Remote>({ messenger, methods, channel: PORTAL_CHANNEL });
  let remote: RemoteProxy<Remote> | undefined;
  const connected = connection.promise.then((r) => {
    remote = r;
    return r;
  });
  // A failed or destroyed connection is not an unhandled rejection; calls below report it.
  connected.catch(() => undefined);

  const call = async (fn: (r: RemoteProxy<Remote>) => Promise<void>) => {
    if (destroyed) throw new Error('Patchbay: the portal was destroyed');
    await fn(remote ?? (await connected));
  };

  return {
    iframe,
    on(type: string, handler: Handler) {
      const set = handlers.get(type) ?? new Set<Handler>();
      handlers.set(type, set);
      set.add(handler);
      return () => {
        handlers.get(type)?.delete(handler);
      };
    },
    setLanguage: (language) => call((r) => r.setLanguage(language)),
    setTheme: (theme) => call((r) => r.setTheme(theme)),
    destroy() {
      if (destroyed) return;
      destroyed = true;
      connection.destroy();
      handlers.clear();
      iframe.remove();
    },
  } as Portal;
}

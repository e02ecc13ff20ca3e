import { type HostMethods, isOriginPattern, originPatternRegExp, PORTAL_CHANNEL, type PortalMethods } from '@patchbay/shared/protocol';
import { connect, WindowMessenger } from 'penpal';

/** How long the handshake with the host page may take. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

/** The host page's methods, as penpal hands them to us (every call answers a promise). */
export type Host = {
  [K in keyof HostMethods]: (...args: Parameters<HostMethods[K]>) => Promise<Awaited<ReturnType<HostMethods[K]>>>;
};

/** Reads the allowed-origin patterns the page shell put in `<meta name="patchbay-allowed-origins">`; invalid ones are dropped. */
export function allowedOriginPatterns(doc: Document): string[] {
  const content = doc.querySelector('meta[name="patchbay-allowed-origins"]')?.getAttribute('content');
  if (!content) return [];
  try {
    const list: unknown = JSON.parse(content);
    return Array.isArray(list) ? list.filter((p): p is string => typeof p === 'string' && isOriginPattern(p)) : [];
  } catch {
    return [];
  }
}

/** Whether this document runs inside a frame. */
export function isFramed(win: Window): boolean {
  try {
    return win.parent !== win;
  } catch {
    return true;
  }
}

/**
 * Connects to the host page with penpal over the parent window, accepting only origins that match
 * the configuration's patterns. Rejects when no allowed host answers within the timeout.
 */
export function connectHost(patterns: readonly string[], methods: PortalMethods, timeout = HANDSHAKE_TIMEOUT_MS): Promise<Host> {
  if (patterns.length === 0) return Promise.reject(new Error('no allowed origins'));
  const messenger = new WindowMessenger({ remoteWindow: window.parent, allowedOrigins: patterns.map(originPatternRegExp) });
  const connection = connect({
    messenger,
    methods: { setLanguage: methods.setLanguage, setTheme: methods.setTheme } satisfies PortalMethods,
    channel: PORTAL_CHANNEL,
    timeout,
  });
  return connection.promise as unknown as Promise<Host>;
}

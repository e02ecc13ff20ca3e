import type { PortalEvent } from '../events.ts';

/**
 * The host ↔ iframe protocol, carried by penpal over `postMessage` with exact origins on both sides.
 * The SDK creates the iframe at `/embed/{configId}` with only non-secret options in the URL
 * (`lang`, `theme`, `flowId`); once penpal's handshake completes, the iframe asks the host for an
 * embed token with `getToken()` (and again when its session nears expiry), exchanges it for an
 * opaque session kept in memory, and reports events and its height.
 */
export interface HostMethods {
  /** Calls the vendor's token function; resolves with a fresh embed token (a JWT). */
  getToken(): Promise<string>;
  /** Relays one portal event to the host's listeners. */
  emit(event: PortalEvent): void;
  /** The iframe's content height in CSS pixels, for auto-resize. */
  resize(height: number): void;
}

/** Methods the iframe exposes to the host. */
export interface PortalMethods {
  /** Switches the language at runtime. */
  setLanguage(language: Language): void;
  /** Switches light/dark at runtime. */
  setTheme(theme: { mode: ThemeMode }): void;
}

/** penpal channel name, so other penpal users on the page never cross wires with ours. */
export const PORTAL_CHANNEL = 'patchbay.portal.v1';

/** Languages the iframe speaks. */
export const LANGUAGES = ['en', 'de'] as const;
/** One of {@link LANGUAGES}. */
export type Language = (typeof LANGUAGES)[number];

/** Whether `value` is a language the iframe speaks. */
export function isLanguage(value: unknown): value is Language {
  return (LANGUAGES as readonly unknown[]).includes(value);
}

/** Light, dark, or following the user's system setting. */
export const THEME_MODES = ['light', 'dark', 'auto'] as const;
/** One of {@link THEME_MODES}. */
export type ThemeMode = (typeof THEME_MODES)[number];

/** Whether `value` is a theme mode. */
export function isThemeMode(value: unknown): value is ThemeMode {
  return (THEME_MODES as readonly unknown[]).includes(value);
}

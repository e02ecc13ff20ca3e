import { z } from 'zod';
import type { PortalEvent } from './events.ts';

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
  setLanguage(language: 'en' | 'de'): void;
  /** Switches light/dark at runtime. */
  setTheme(theme: { mode: 'light' | 'dark' | 'auto' }): void;
}

/** penpal channel name, so other penpal users on the page never cross wires with ours. */
export const PORTAL_CHANNEL = 'patchbay.portal.v1';

/** Non-secret options the SDK puts in the iframe URL's query string. */
export const portalUrlOptionsSchema = z.object({
  lang: z.enum(['en', 'de']).optional(),
  theme: z.enum(['light', 'dark', 'auto']).optional(),
  flowId: z
    .string()
    .regex(/^flow_[a-z0-9]{10,40}$/)
    .optional(),
});
/** Options in the iframe URL. */
export type PortalUrlOptions = z.infer<typeof portalUrlOptionsSchema>;

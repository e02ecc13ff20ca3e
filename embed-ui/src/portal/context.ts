import type { EmbedSession, PortalEvent } from '@patchbay/shared';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from '../lib/api.ts';
import type { Language, Translate } from '../lib/i18n.ts';

type Base = 'type' | 'configId' | 'userId' | 'accountId' | 'sharingLevel';
/** The extra fields of an event of type `T` (the common ones are filled in). */
export type EventExtra<T extends PortalEvent['type']> = Omit<Extract<PortalEvent, { type: T }>, Base>;

/** What every view needs: the language, the API client, the session and the event emitter. */
export interface PortalContext {
  t: Translate;
  lang: Language;
  api: Api;
  session: EmbedSession;
  emit<T extends PortalEvent['type']>(type: T, extra: EventExtra<T>): void;
  /** The server wants consent first (a connect attempt failed with `consent_required`): show the consent screen again. */
  consentRequired(): void;
}

/** The portal's context; provided by the app once the session exists. */
export const Portal = createContext<PortalContext | null>(null);

/** The portal context (inside the app only). */
export function usePortal(): PortalContext {
  const value = useContext(Portal);
  if (!value) throw new Error('usePortal outside <Portal.Provider>');
  return value;
}

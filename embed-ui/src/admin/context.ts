import type { Connector, EmbedConfig, Flow } from '@patchbay/shared';
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Language } from '../lib/i18n.ts';
import type { ConsoleApi } from './api.ts';
import type { Translate } from './i18n.ts';
import type { Me } from './permissions.ts';

/** Configurations, flows and connectors by id: the names the tables show beside ids. */
export interface Lookups {
  configs: ReadonlyMap<string, EmbedConfig>;
  flows: ReadonlyMap<string, Flow>;
  connectors: ReadonlyMap<string, Connector>;
}

/** What every page needs: language, the API client, who is signed in, and how to tell the user what happened. */
export interface ConsoleContext {
  t: Translate;
  lang: Language;
  api: ConsoleApi;
  me: Me;
  lookups: Lookups;
  /** Loads configurations, flows and connectors again (after a page changed one). */
  reloadLookups(): Promise<void>;
  /** Says what an action did, in the polite live region (visible at the top of the page). */
  announce(text: string): void;
  /** The readable message of an error (the server's, or a translated fallback). */
  errorText(error: unknown): string;
  /** A timestamp in the console's language; "—" for none. */
  date(iso: string | null | undefined): string;
}

/** The console's context; provided once signed in. */
export const Console = createContext<ConsoleContext | null>(null);

/** The console context (inside the signed-in shell only). */
export function useConsole(): ConsoleContext {
  const value = useContext(Console);
  if (!value) throw new Error('useConsole outside <Console.Provider>');
  return value;
}

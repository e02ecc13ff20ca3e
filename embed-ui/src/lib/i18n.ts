import { isLanguage, type Language as ProtocolLanguage } from '@patchbay/shared/protocol';

/** Every string the iframe shows, in English; German mirrors the keys exactly (checked by a test). */
export const en = {
  notFramed: 'This page must be opened through the host application.',
  hostUnreachable: 'The host application did not answer. Reload the page to try again.',
  sessionFailed: 'Could not start the session.',
  loading: 'Loading…',
  retry: 'Retry',
  close: 'Close',
  cancel: 'Cancel',
  consentHeading: 'Before you start',
  consentDefault: '{product} connects your accounts on your behalf to run the integrations you set up. Please accept to continue.',
  consentAgain: 'Your consent is needed before anything can be changed.',
  accept: 'Accept',
  tabsLabel: 'Sections',
  tabIntegrations: 'Integrations',
  tabConnections: 'Connections',
  availableFlows: 'Available integrations',
  enabledIntegrations: 'Your integrations',
  noFlows: 'No integrations are available yet.',
  noIntegrations: 'No integrations yet. Set one up above.',
  noConnections: 'No connections yet. They appear here when you connect an account while setting up an integration.',
  setUp: 'Set up',
  statusEnabled: 'Enabled',
  statusDisabled: 'Disabled',
  disabledByAdmin: 'Disabled by the administrator',
  disabledBySystem: 'Disabled automatically',
  latestRun: 'Latest run: {status}, {at}',
  noRunsYet: 'No runs yet',
  nextRun: 'Next run: {at}',
  runQueued: 'queued',
  runRunning: 'running',
  runSuccess: 'succeeded',
  runError: 'failed',
  edit: 'Edit',
  disable: 'Disable',
  enable: 'Enable',
  delete: 'Delete',
  deleteAnyway: 'Delete anyway',
  confirmDeleteIntegration: 'Delete the integration "{name}"? It stops running and its settings are removed.',
  confirmDeleteConnection: 'Delete the connection "{name}"?',
  connectionInUse: 'These integrations use this connection. Deleting it disables them:',
  triggerManual: 'Runs on demand',
  triggerSchedule: 'Runs every {n} minutes',
  triggerCron: 'Runs on a schedule',
  triggerWebhook: 'Runs when data arrives',
  statusActive: 'Active',
  statusNeedsReauth: 'Needs reconnect',
  statusRevoked: 'Revoked',
  managedByHost: 'Managed by the application',
  sharedByColleague: 'Shared by a colleague',
  rename: 'Rename',
  name: 'Name',
  save: 'Save',
  reconnect: 'Reconnect',
  lastError: 'Last error: {message}',
  wizardStep: 'Step {n} of {total}',
  chooseAccount: 'Choose the {connector} account for "{label}".',
  noAccountsYet: 'No {connector} account is connected yet.',
  connectNew: 'Connect new account',
  saveConnection: 'Save connection',
  connecting: 'Waiting for the sign-in window…',
  popupBlocked: 'Your browser blocked the sign-in window.',
  openInNewWindow: 'Open in a new window',
  connected: 'Connected.',
  pickAccount: 'Choose an account or connect a new one.',
  settings: 'Settings',
  noSettings: 'Nothing else to fill in. Select "Enable" to start the integration.',
  noSettingsEdit: 'Nothing else to change. Select "Save" to keep your changes.',
  required: 'Required',
  requiredMissing: 'Please fill in this field.',
  notANumber: 'Please enter a number.',
  tooSmall: 'Must be at least {min}.',
  tooLarge: 'Must be at most {max}.',
  passwordKept: 'Leave empty to keep the saved value.',
  selectPlaceholder: 'Choose…',
  remoteOptionsFallback: 'Type the value.',
  on: 'On',
  back: 'Back',
  next: 'Next',
  fixErrors: 'Please correct the highlighted fields.',
  updated: 'Saved.',
  logo: '{title} logo',
  errorGeneric: 'Something went wrong. Please try again.',
  errorNetwork: 'The server could not be reached. Check your connection and try again.',
  // Error sentences and connect outcomes (docs/embedding.md): one per code the embed API answers.
  popupClosed: 'The sign-in window was closed — try again.',
  connectCancelled: 'You cancelled the sign-in. Try again when you are ready.',
  connectProviderError: 'The service reported a problem with the sign-in. Try again in a moment.',
  connectExchangeFailed: 'The service did not confirm the sign-in. Try again.',
  connectExpired: 'The sign-in took too long. Try again.',
  connectUnavailable: 'This service cannot be connected right now. Ask your administrator.',
  connectBrowserMismatch: 'The sign-in finished in another browser. Start it again here.',
  errBadRequest: 'The request could not be understood. Reload the page and try again.',
  errValidation: 'Some values are not valid. Check the highlighted fields.',
  errBindingMissing: 'Choose or connect an account for every step to turn this on.',
  errTooLarge: 'This is too large to save. Shorten it and try again.',
  errSession: 'Your session has ended. Reload the page to continue.',
  errForbidden: 'You are not allowed to do this. Ask your administrator.',
  errDisabled: 'Integrations are turned off for this application. Ask your administrator.',
  errConsent: 'Please accept the terms first.',
  errNotFound: 'This item no longer exists. It may have been deleted — reload to see the current state.',
  errConflict: 'This was changed at the same time elsewhere. Reload and try again.',
  errInUse: 'This is still in use. Remove what uses it first.',
  errUnprocessable: 'This cannot be done in the current state.',
  errRateLimited: 'Too many requests. Wait a moment and try again.',
  errUpstream: 'The connected service did not answer as expected. Check the account and try again.',
  errUnavailable: 'The service is busy right now. Try again in a moment.',
  errLogin: 'The service did not accept these credentials. Check them and try again.',
  authBroken: 'The service no longer accepts this connection. Reconnect it to continue.',
  // Confirmations said in the polite live region.
  saidRenamed: 'Renamed.',
  saidReconnected: 'Reconnected.',
  saidDeleted: 'Deleted.',
  saidEnabled: 'Enabled.',
  saidDisabled: 'Disabled.',
  saidSaved: 'Saved.',
  notNow: 'Not now',
  triggerCronZone: 'Runs on a schedule ({zone} time)',
  // Runs, remote options and "Delete all my integration data"
  runNow: 'Run now',
  runs: 'Runs',
  saidRunStarted: '"{name}" started. Its run appears in the history.',
  runHistory: 'Run history',
  runCanceled: 'canceled',
  runByYou: 'Started by you',
  runByAdmin: 'Started by the administrator',
  runBySchedule: 'Scheduled',
  runByWebhook: 'Started by incoming data',
  runByRetry: 'Retried',
  durationMs: '{n} ms',
  durationS: '{n} s',
  durationMin: '{n} min',
  showLog: 'Show log',
  hideLog: 'Hide log',
  loadMore: 'Load more',
  logPending: 'The log appears when the run has finished.',
  logNone: 'This run has no log.',
  logOverview: 'Overview',
  logEmpty: 'No records.',
  logRecords: '{status}: {n} records',
  logDetails: 'Details',
  logEntity: 'Entity',
  logStatus: 'Status',
  logCount: 'Records',
  logErrors: 'Errors',
  logSuccess: 'Succeeded',
  logWarning: 'Warning',
  logError: 'Failed',
  optionsSearch: 'Type to search',
  optionsLabel: 'Options',
  optionsLoading: 'Loading options…',
  optionsNone: 'No matching options.',
  yourData: 'Your data',
  deleteDataHelp: 'Removes all your integrations, their runs and your connections from this application.',
  deleteDataHelpAccount: "Removes all of your company's integrations, their runs and connections from this application.",
  deleteData: 'Delete all my integration data',
  confirmDeleteData: 'Delete all your integrations, their runs and your connections? This cannot be undone.',
  confirmDeleteDataAccount:
    "Delete all of your company's integrations, their runs and connections, for everyone in your company? This cannot be undone.",
  deleteDataConfirm: 'Delete everything',
  saidDataDeleted: 'All your integration data was deleted.',
  notAnEmail: 'Please enter an e-mail address, e.g. name@example.com.',
  notAUrl: 'Please enter a web address starting with https://.',
  consentDeferred: 'Nothing has been stored or shared. Accept whenever you are ready to set up an integration.',
  // Connection identity, catalogue search (brief H12).
  connectAnAccount: 'Connect an account',
  connectedAs: 'Connected as {account}',
  setUpByOn: 'Set up by {name} on {date}',
  connectedOn: 'Connected on {date}',
  usedBy: 'Used by {list}',
  usedByNone: 'Not used by any integration yet',
  reconnectHeading: 'Reconnect "{name}"',
  searchLabel: 'Search integrations and services',
  noMatches: 'Nothing matches your search.',
} as const;

/** A key of the dictionaries. */
export type MessageKey = keyof typeof en;
/** A language of the iframe. */
export type Language = ProtocolLanguage;

/**
 * The dictionaries loaded so far. English is part of the first view; every other language is its
 * own chunk (`i18n.<lang>.ts`), fetched by {@link loadLanguage} before the iframe shows text in it.
 */
const DICTIONARIES: Partial<Record<Language, Record<MessageKey, string>>> = { en };
const LOADERS: Record<Exclude<Language, 'en'>, () => Promise<Record<MessageKey, string>>> = {
  de: () => import('./i18n.de.ts').then((m) => m.de),
};

/** Whether `language`'s dictionary is loaded (English always is). */
export function hasLanguage(language: Language): boolean {
  return DICTIONARIES[language] !== undefined;
}

/** Loads `language`'s dictionary once; resolves when {@link translator} can speak it. */
export async function loadLanguage(language: Language): Promise<void> {
  if (language === 'en' || DICTIONARIES[language]) return;
  DICTIONARIES[language] = await LOADERS[language]();
}

/** A translate function bound to one language. */
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/**
 * The translate function for `language`: `{name}` placeholders are replaced from `vars`. A language
 * not loaded yet ({@link loadLanguage}) answers in English.
 */
export function translator(language: Language): Translate {
  const dict = DICTIONARIES[language] ?? en;
  return (key, vars) => {
    const text = dict[key] ?? en[key];
    return vars ? text.replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m)) : text;
  };
}

/** The language to use: the URL option, then the user's, then the configuration's default, then English. */
export function pickLanguage(...candidates: (string | null | undefined)[]): Language {
  for (const c of candidates) {
    const short = c?.toLowerCase().slice(0, 2);
    if (isLanguage(short)) return short;
  }
  return 'en';
}

/** Date and time in the iframe's language, e.g. `23 Nov 2026, 12:00`. */
export function formatDateTime(language: Language, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium', timeStyle: 'short' }).format(date);
}

/** A date in the iframe's language, e.g. `23 Nov 2026`. */
export function formatDate(language: Language, iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return new Intl.DateTimeFormat(language === 'de' ? 'de-DE' : 'en-GB', { dateStyle: 'medium' }).format(date);
}

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
  consentDefault: 'This service connects your accounts on your behalf. Please accept to continue.',
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
  connectFailed: 'The account could not be connected ({code}).',
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
} as const;

/** A key of the dictionaries. */
export type MessageKey = keyof typeof en;
/** A language of the iframe. */
export type Language = ProtocolLanguage;

/** German; the same keys as English. */
export const de: Record<MessageKey, string> = {
  notFramed: 'Diese Seite muss über die Anwendung des Anbieters geöffnet werden.',
  hostUnreachable: 'Die Anwendung hat nicht geantwortet. Laden Sie die Seite neu, um es erneut zu versuchen.',
  sessionFailed: 'Die Sitzung konnte nicht gestartet werden.',
  loading: 'Wird geladen…',
  retry: 'Erneut versuchen',
  close: 'Schließen',
  cancel: 'Abbrechen',
  consentHeading: 'Bevor Sie beginnen',
  consentDefault: 'Dieser Dienst verbindet Ihre Konten in Ihrem Auftrag. Bitte stimmen Sie zu, um fortzufahren.',
  consentAgain: 'Ihre Zustimmung ist nötig, bevor etwas geändert werden kann.',
  accept: 'Akzeptieren',
  tabsLabel: 'Bereiche',
  tabIntegrations: 'Integrationen',
  tabConnections: 'Verbindungen',
  availableFlows: 'Verfügbare Integrationen',
  enabledIntegrations: 'Ihre Integrationen',
  noFlows: 'Es sind noch keine Integrationen verfügbar.',
  noIntegrations: 'Noch keine Integrationen. Richten Sie oben eine ein.',
  noConnections: 'Noch keine Verbindungen. Sie erscheinen hier, sobald Sie beim Einrichten einer Integration ein Konto verbinden.',
  setUp: 'Einrichten',
  statusEnabled: 'Aktiviert',
  statusDisabled: 'Deaktiviert',
  disabledByAdmin: 'Vom Administrator deaktiviert',
  disabledBySystem: 'Automatisch deaktiviert',
  latestRun: 'Letzter Lauf: {status}, {at}',
  noRunsYet: 'Noch keine Läufe',
  nextRun: 'Nächster Lauf: {at}',
  runQueued: 'wartet',
  runRunning: 'läuft',
  runSuccess: 'erfolgreich',
  runError: 'fehlgeschlagen',
  edit: 'Bearbeiten',
  disable: 'Deaktivieren',
  enable: 'Aktivieren',
  delete: 'Löschen',
  deleteAnyway: 'Trotzdem löschen',
  confirmDeleteIntegration: 'Die Integration „{name}“ löschen? Sie läuft nicht mehr und ihre Einstellungen werden entfernt.',
  confirmDeleteConnection: 'Die Verbindung „{name}“ löschen?',
  connectionInUse: 'Diese Integrationen verwenden die Verbindung. Beim Löschen werden sie deaktiviert:',
  triggerManual: 'Läuft auf Anforderung',
  triggerSchedule: 'Läuft alle {n} Minuten',
  triggerCron: 'Läuft nach Zeitplan',
  triggerWebhook: 'Läuft, wenn Daten eintreffen',
  statusActive: 'Aktiv',
  statusNeedsReauth: 'Neu verbinden nötig',
  statusRevoked: 'Widerrufen',
  managedByHost: 'Von der Anwendung verwaltet',
  sharedByColleague: 'Von einer Kollegin oder einem Kollegen geteilt',
  rename: 'Umbenennen',
  name: 'Name',
  save: 'Speichern',
  reconnect: 'Neu verbinden',
  lastError: 'Letzter Fehler: {message}',
  wizardStep: 'Schritt {n} von {total}',
  chooseAccount: 'Wählen Sie das {connector}-Konto für „{label}“.',
  noAccountsYet: 'Es ist noch kein {connector}-Konto verbunden.',
  connectNew: 'Neues Konto verbinden',
  saveConnection: 'Verbindung speichern',
  connecting: 'Warte auf das Anmeldefenster…',
  popupBlocked: 'Ihr Browser hat das Anmeldefenster blockiert.',
  openInNewWindow: 'In neuem Fenster öffnen',
  connectFailed: 'Das Konto konnte nicht verbunden werden ({code}).',
  connected: 'Verbunden.',
  pickAccount: 'Wählen Sie ein Konto oder verbinden Sie ein neues.',
  settings: 'Einstellungen',
  noSettings: 'Sonst ist nichts auszufüllen. Wählen Sie „Aktivieren“, um die Integration zu starten.',
  noSettingsEdit: 'Sonst ist nichts zu ändern. Wählen Sie „Speichern“, um Ihre Änderungen zu übernehmen.',
  required: 'Pflichtfeld',
  requiredMissing: 'Bitte füllen Sie dieses Feld aus.',
  notANumber: 'Bitte geben Sie eine Zahl ein.',
  tooSmall: 'Mindestens {min}.',
  tooLarge: 'Höchstens {max}.',
  passwordKept: 'Leer lassen, um den gespeicherten Wert zu behalten.',
  selectPlaceholder: 'Bitte wählen…',
  remoteOptionsFallback: 'Geben Sie den Wert ein.',
  on: 'An',
  back: 'Zurück',
  next: 'Weiter',
  fixErrors: 'Bitte korrigieren Sie die markierten Felder.',
  updated: 'Gespeichert.',
  logo: 'Logo von {title}',
  errorGeneric: 'Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.',
  errorNetwork: 'Der Server ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.',
};

const DICTIONARIES: Record<Language, Record<MessageKey, string>> = { en, de };

/** A translate function bound to one language. */
export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

/** The translate function for `language`: `{name}` placeholders are replaced from `vars`. */
export function translator(language: Language): Translate {
  const dict = DICTIONARIES[language];
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

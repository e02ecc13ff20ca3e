import { beforeAll, describe, expect, it } from 'vitest';
import { de } from './i18n.de.ts';
import { en, hasLanguage, loadLanguage, pickLanguage, translator } from './i18n.ts';

beforeAll(async () => {
  // German is its own chunk; until it is loaded the translator answers in English.
  expect(hasLanguage('de')).toBe(false);
  expect(translator('de')('retry')).toBe(en.retry);
  await loadLanguage('de');
  expect(hasLanguage('de')).toBe(true);
});

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('dictionaries', () => {
  it('German has exactly the English keys', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  it.each(Object.keys(en))('%s is translated with the same placeholders', (key) => {
    const k = key as keyof typeof en;
    expect(de[k].trim()).not.toBe('');
    expect(placeholders(de[k])).toEqual(placeholders(en[k]));
  });

  it('keeps the labels the end-to-end tests select by', () => {
    expect([en.consentHeading, en.accept, en.tabIntegrations, en.tabConnections, en.setUp, en.connectNew, en.saveConnection]).toEqual([
      'Before you start',
      'Accept',
      'Integrations',
      'Connections',
      'Set up',
      'Connect new account',
      'Save connection',
    ]);
    expect([
      en.openInNewWindow,
      en.back,
      en.next,
      en.enable,
      en.edit,
      en.disable,
      en.delete,
      en.rename,
      en.name,
      en.save,
      en.reconnect,
    ]).toEqual(['Open in a new window', 'Back', 'Next', 'Enable', 'Edit', 'Disable', 'Delete', 'Rename', 'Name', 'Save', 'Reconnect']);
    expect([de.accept, de.setUp, de.tabIntegrations, de.tabConnections]).toEqual([
      'Akzeptieren',
      'Einrichten',
      'Integrationen',
      'Verbindungen',
    ]);
  });
});

describe('translator', () => {
  it('fills placeholders and leaves unknown ones', () => {
    expect(translator('en')('wizardStep', { n: 1, total: 3 })).toBe('Step 1 of 3');
    expect(translator('de')('wizardStep', { n: 2, total: 3 })).toBe('Schritt 2 von 3');
    expect(translator('en')('tooSmall', {})).toBe('Must be at least {min}.');
  });

  it('picks the first supported language', () => {
    expect(pickLanguage(undefined, 'de-AT', 'en')).toBe('de');
    expect(pickLanguage('fr', null, 'de')).toBe('de');
    expect(pickLanguage(undefined, null, undefined)).toBe('en');
  });
});

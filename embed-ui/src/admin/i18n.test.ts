import { describe, expect, it } from 'vitest';
import { de, en, translator } from './i18n.ts';
import { NAV } from './Layout.tsx';

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('the console dictionaries', () => {
  it('German has exactly the English keys', () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  it.each(Object.keys(en))('%s is translated, with the same placeholders', (key) => {
    const k = key as keyof typeof en;
    expect(de[k].trim()).not.toBe('');
    expect(placeholders(de[k])).toEqual(placeholders(en[k]));
  });

  it('keeps the accessible names of SPEC §12 that tests select by', () => {
    expect(NAV.map((n) => en[n.label])).toEqual([
      'Integrations',
      'Connector auths',
      'Runs',
      'Connectors',
      'Embed configurations',
      'Flows',
      'Callbacks',
      'Audit log',
      'Admin users',
      'API tokens',
    ]);
    expect([en.email, en.password, en.signIn, en.signOut, en.mainNavigation]).toEqual([
      'Email',
      'Password',
      'Sign in',
      'Sign out',
      'Main navigation',
    ]);
    expect([en.disable, en.enable, en.revoke, en.delete, en.deleteAnyway, en.publishVersion, en.pushToIntegrations]).toEqual([
      'Disable',
      'Enable',
      'Revoke',
      'Delete',
      'Delete anyway',
      'Publish version',
      'Push to existing integrations',
    ]);
    expect([en.sharingUser, en.sharingAccount, en.yes, en.no]).toEqual(['User', 'Account', 'Yes', 'No']);
    expect([en.runNow, en.retryRun, en.cancelRun, en.redeliver, en.sendTestEvent]).toEqual([
      'Run now',
      'Retry',
      'Cancel',
      'Redeliver',
      'Send test event',
    ]);
  });
});

describe('translator', () => {
  it('fills placeholders, leaves unknown ones, and speaks German', () => {
    expect(translator('en')('copied', { what: 'Redirect URI' })).toBe('Redirect URI copied to the clipboard.');
    expect(translator('en')('copied', {})).toBe('{what} copied to the clipboard.');
    expect(translator('de')('signOut')).toBe('Abmelden');
  });
});

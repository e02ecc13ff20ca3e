import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors.ts';
import { checkInputs, type FlowInput, isIsoDate } from './inputs.ts';

const form: FlowInput[] = [
  { key: 'name', type: 'text', label: 'Name', required: true, pattern: '[A-Z][a-z]*' },
  { key: 'count', type: 'number', label: 'Count', required: false, min: 0, default: 3 },
  {
    key: 'remote',
    type: 'select',
    label: 'Remote',
    required: false,
    remoteOptions: { slot: 'crm', path: '/lists', valueKey: 'id', labelKey: 'name' },
  },
  { key: 'secret', type: 'password', label: 'Secret', required: false },
];

function issuesOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    if (err instanceof AppError) return (err.details as { issues: unknown }).issues;
    throw err;
  }
  throw new Error('did not throw');
}

describe('checkInputs', () => {
  it('splits plain and password values, applying defaults', () => {
    expect(checkInputs(form, { name: 'Ada', remote: 'list-7', secret: 's3cret' }, { where: 'body.inputs' })).toEqual({
      plain: { name: 'Ada', count: 3, remote: 'list-7' },
      secret: { secret: 's3cret' },
    });
  });

  it('anchors patterns at both ends, like the HTML pattern attribute', () => {
    expect(issuesOf(() => checkInputs(form, { name: 'xAda' }, { where: 'body.inputs' }))).toEqual([
      { path: 'body.inputs.name', message: 'must match the pattern [A-Z][a-z]*' },
    ]);
    expect(issuesOf(() => checkInputs(form, { name: 'Ada1' }, { where: 'x' }))).toEqual([
      { path: 'x.name', message: 'must match the pattern [A-Z][a-z]*' },
    ]);
  });

  it('keeps a stored password that is left out, and drops it on null', () => {
    const stored = { secret: 'old' };
    expect(checkInputs(form, { name: 'Ada' }, { where: 'b', storedSecrets: stored }).secret).toEqual({ secret: 'old' });
    expect(checkInputs(form, { name: 'Ada', secret: null }, { where: 'b', storedSecrets: stored }).secret).toEqual({});
  });
});

describe('isIsoDate', () => {
  it('accepts real calendar dates only', () => {
    expect(['2024-02-29', '2026-12-31'].map(isIsoDate)).toEqual([true, true]);
    expect(['2026-02-29', '2026-13-01', '2026-1-01', '2026-01-01T00:00:00Z', ''].map(isIsoDate)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });
});

describe('email, url and requiredWhen', () => {
  const mailForm: FlowInput[] = [
    { key: 'summary', type: 'switch', label: 'E-mail a summary', required: false, default: false },
    { key: 'to', type: 'email', label: 'Summary recipient', required: false, requiredWhen: 'summary' },
    { key: 'site', type: 'url', label: 'Website', required: false },
  ];

  it('requires an input only while the one it names has a value', () => {
    expect(checkInputs(mailForm, {}, { where: 'b' }).plain).toEqual({ summary: false });
    expect(issuesOf(() => checkInputs(mailForm, { summary: true }, { where: 'b' }))).toEqual([
      { path: 'b.to', message: 'is required when E-mail a summary is set' },
    ]);
    expect(checkInputs(mailForm, { summary: true, to: 'ada@crm.example' }, { where: 'b' }).plain).toEqual({
      summary: true,
      to: 'ada@crm.example',
    });
  });

  it('refuses what is not an e-mail address or an http(s) URL', () => {
    expect(issuesOf(() => checkInputs(mailForm, { to: 'ada at crm', site: 'javascript:alert(1)' }, { where: 'b' }))).toEqual([
      { path: 'b.to', message: 'must be an e-mail address' },
      { path: 'b.site', message: 'must be an http or https URL' },
    ]);
    expect(checkInputs(mailForm, { to: 'a@b.example', site: 'https://crm.example/x' }, { where: 'b' }).plain).toMatchObject({
      to: 'a@b.example',
      site: 'https://crm.example/x',
    });
  });
});

import type { EmbedFlow, EmbedIntegration } from '@patchbay/shared';
import { describe, expect, it } from 'vitest';
import { bindingsPayload, canAdvance, initialValues, inputsPayload, validateInputs, wizardSteps } from './wizard.ts';

const flow: EmbedFlow = {
  id: 'flow_abcdefghij',
  name: 'Sync contacts',
  description: null,
  icon: null,
  version: 1,
  slots: [
    { key: 'crm', connectorId: 'democrm', label: 'CRM', prefilled: false },
    { key: 'maps', connectorId: 'maps', label: 'Maps', prefilled: true },
    { key: 'mail', connectorId: 'mailer', label: 'Mailer', prefilled: false },
  ],
  inputs: [
    { key: 'email', type: 'text', label: 'E-mail', required: true, pattern: '[^@]+@[^@]+' },
    { key: 'limit', type: 'number', label: 'Limit', required: false, min: 1, max: 100, default: 10 },
    { key: 'mode', type: 'select', label: 'Mode', required: true, options: [{ value: 'a', label: 'A' }] },
    { key: 'active', type: 'switch', label: 'Active', required: false, default: true },
    { key: 'since', type: 'date', label: 'Since', required: false },
    { key: 'secret', type: 'password', label: 'Secret', required: true },
  ],
  trigger: { type: 'manual' },
};

describe('wizardSteps', () => {
  it('has a step per non-prefilled slot, then the inputs', () => {
    expect(wizardSteps(flow).map((s) => (s.kind === 'slot' ? s.slot.key : s.kind))).toEqual(['crm', 'mail', 'inputs']);
  });

  it('always ends with the inputs step, even without slots or inputs', () => {
    expect(wizardSteps({ ...flow, slots: [], inputs: [] })).toEqual([{ kind: 'inputs' }]);
  });

  it('needs an account chosen before leaving a slot step', () => {
    const [crm, , inputs] = wizardSteps(flow);
    expect(canAdvance(crm, {})).toBe(false);
    expect(canAdvance(crm, { crm: 'ca_1' })).toBe(true);
    expect(canAdvance(inputs, {})).toBe(true);
    expect(canAdvance(undefined, {})).toBe(false);
  });
});

describe('inputs', () => {
  it('starts from defaults, or from the integration with passwords empty', () => {
    expect(initialValues(flow)).toEqual({ email: '', limit: '10', mode: '', active: true, since: '', secret: '' });
    const integration = {
      inputs: { email: 'a@b.c', limit: 5, mode: 'a', active: false, since: null, secret: null },
    } as unknown as EmbedIntegration;
    expect(initialValues(flow, integration)).toEqual({ email: 'a@b.c', limit: '5', mode: 'a', active: false, since: '', secret: '' });
  });

  it('checks required and number range, and leaves patterns to the server', () => {
    const values = { email: 'nope', limit: '500', mode: '', active: false, since: '', secret: '' };
    expect(validateInputs(flow.inputs, values)).toEqual({
      limit: { key: 'tooLarge', vars: { max: 100 } },
      mode: { key: 'requiredMissing' },
      secret: { key: 'requiredMissing' },
    });
    expect(validateInputs(flow.inputs, { ...values, email: 'a@b', limit: 'x', mode: 'a' }, ['secret'])).toEqual({
      limit: { key: 'notANumber' },
    });
    expect(validateInputs(flow.inputs, { ...values, email: 'a@b', limit: '0', mode: 'a', secret: 's' })).toEqual({
      limit: { key: 'tooSmall', vars: { min: 1 } },
    });
  });

  it('builds the request body with typed values, leaving out empty ones', () => {
    const values = { email: ' a@b.c ', limit: '7', mode: 'a', active: true, since: '', secret: '' };
    expect(inputsPayload(flow.inputs, values)).toEqual({ email: 'a@b.c', limit: 7, mode: 'a', active: true });
    expect(inputsPayload(flow.inputs, { ...values, secret: ' s3cret ' })).toMatchObject({ secret: ' s3cret ' });
  });

  it('binds only the slots the user chose', () => {
    expect(bindingsPayload(flow, { crm: 'ca_1', maps: 'ca_evil', mail: '' })).toEqual({ crm: 'ca_1' });
  });
});

describe('email, url and requiredWhen', () => {
  const inputs = [
    { key: 'summary', type: 'switch', label: 'E-mail a summary', required: false },
    { key: 'to', type: 'email', label: 'Summary recipient', required: false, requiredWhen: 'summary' },
    { key: 'site', type: 'url', label: 'Website', required: false },
  ] as EmbedFlow['inputs'];

  it('requires the recipient only while the summary is on', () => {
    expect(validateInputs(inputs, { summary: false, to: '', site: '' })).toEqual({});
    expect(validateInputs(inputs, { summary: true, to: '', site: '' })).toEqual({ to: { key: 'requiredMissing' } });
    expect(validateInputs(inputs, { summary: true, to: 'ada@crm.example', site: '' })).toEqual({});
  });

  it('checks e-mail addresses and web addresses', () => {
    expect(validateInputs(inputs, { summary: false, to: 'not an address', site: 'ftp://x' })).toEqual({
      to: { key: 'notAnEmail' },
      site: { key: 'notAUrl' },
    });
    expect(validateInputs(inputs, { summary: false, to: 'a@b.example', site: 'https://crm.example/x' })).toEqual({});
  });
});

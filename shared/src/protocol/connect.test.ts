import { describe, expect, it } from 'vitest';
import { connectResultMessageSchema } from '../schemas/connect.ts';
import { isConnectResultMessage } from './connect.ts';

const good = {
  source: 'patchbay',
  type: 'connect.result',
  ticketId: 'ct_abcdefghij0123456789',
  status: 'success',
  connectorAuthId: 'ca_abcdefghij0123456789',
  error: null,
};

const samples: [string, unknown][] = [
  ['a success', good],
  ['an error', { ...good, status: 'error', connectorAuthId: null, error: 'access_denied' }],
  ['missing consent', { ...good, status: 'error', connectorAuthId: null, error: 'consent_required' }],
  ['an unknown error code', { ...good, status: 'error', connectorAuthId: null, error: 'provider said <b>no</b>' }],
  ['an extra key', { ...good, accessToken: 'secret' }],
  ['a missing key', { source: 'patchbay', type: 'connect.result', ticketId: good.ticketId, status: 'success', connectorAuthId: null }],
  ['another source', { ...good, source: 'other' }],
  ['another type', { ...good, type: 'ready' }],
  ['a bad ticket id', { ...good, ticketId: 'ct_SHORT' }],
  ['a bad auth id', { ...good, connectorAuthId: 'int_abcdefghij0123456789' }],
  ['a pending status', { ...good, status: 'pending' }],
  ['undefined error', { ...good, error: undefined }],
  ['a string', 'connect.result'],
  ['null', null],
  ['an array', [good]],
];

describe('isConnectResultMessage', () => {
  it.each(samples)('agrees with connectResultMessageSchema on %s', (_name, data) => {
    expect(isConnectResultMessage(data)).toBe(connectResultMessageSchema.safeParse(data).success);
  });

  it('accepts the two real shapes', () => {
    expect(isConnectResultMessage(good)).toBe(true);
    expect(isConnectResultMessage({ ...good, status: 'error', connectorAuthId: null, error: 'expired' })).toBe(true);
  });
});

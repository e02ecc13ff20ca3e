import crypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  type CallbackEvent,
  CallbackVerificationError,
  type CallbackVerificationErrorCode,
  signCallback,
  verifyCallback,
} from './callbacks.ts';

const newSecret = () => `whsec_${crypto.randomBytes(24).toString('base64')}`;
const secret = newSecret();
const NOW = 1_790_000_000_000;
const TS = String(NOW / 1000);

/** An independent signer, straight from the Standard Webhooks spec. */
const sign = (key: string, id: string, ts: string, body: string | Uint8Array) =>
  `v1,${crypto
    .createHmac('sha256', Buffer.from(key.slice('whsec_'.length), 'base64'))
    .update(Buffer.concat([Buffer.from(`${id}.${ts}.`), Buffer.from(body)]))
    .digest('base64')}`;

const event = {
  type: 'integration.enabled',
  timestamp: '2026-09-21T13:33:20.000Z',
  data: { configId: 'cfg_1', userId: 'u-42', accountId: 'acme', sharingLevel: 'user', integrationId: 'int_1', flowId: 'flow_1' },
};
const body = JSON.stringify(event);
const headersFor = (b: string | Uint8Array = body, ts = TS, key = secret) => ({
  'webhook-id': 'msg_1',
  'webhook-timestamp': ts,
  'webhook-signature': sign(key, 'msg_1', ts, b),
});

/** The code of the CallbackVerificationError that `fn` throws. */
function codeOf(fn: () => unknown): CallbackVerificationErrorCode {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(CallbackVerificationError);
    expect((error as Error).message).not.toContain(secret.slice(6));
    return (error as CallbackVerificationError).code;
  }
  throw new Error('did not throw');
}

describe('verifyCallback', () => {
  it('answers the event for a string, a Buffer and a Uint8Array body', () => {
    for (const raw of [body, Buffer.from(body), new TextEncoder().encode(body)]) {
      const verified: CallbackEvent = verifyCallback(raw, headersFor(), secret, { now: NOW });
      expect(verified).toEqual(event);
    }
  });

  it('signs the bytes as received, and refuses JSON parsed and re-serialised', () => {
    const raw = Buffer.from('{ "type": "ping", "timestamp": "2026-09-21T13:33:20Z", "data": { "configId": "cfg_1", "note": "ü" } }');
    expect(verifyCallback(raw, headersFor(raw), secret, { now: NOW }).data.note).toBe('ü');
    expect(codeOf(() => verifyCallback(JSON.stringify(JSON.parse(raw.toString())), headersFor(raw), secret, { now: NOW }))).toBe(
      'no_matching_signature',
    );
  });

  it('reads headers in any case, as string[] values, or from a fetch Headers', () => {
    const h = headersFor();
    const mixed = { 'Webhook-Id': h['webhook-id'], 'WEBHOOK-TIMESTAMP': [TS], 'webhook-Signature': ['v2,other', h['webhook-signature']] };
    expect(verifyCallback(body, mixed, secret, { now: NOW })).toEqual(event);
    expect(verifyCallback(body, new Headers(h), secret, { now: NOW })).toEqual(event);
  });

  it('accepts during a rotation: any secret matching any v1 signature; other versions are ignored', () => {
    const old = newSecret();
    const both = `${sign(newSecret(), 'msg_1', TS, body)} v1a,${'A'.repeat(44)} ${sign(old, 'msg_1', TS, body)}`;
    const headers = { ...headersFor(), 'webhook-signature': both };
    expect(verifyCallback(body, headers, [secret, old], { now: NOW })).toEqual(event);
    expect(verifyCallback(body, headersFor(body, TS, old), [secret, old], { now: NOW })).toEqual(event);
    expect(codeOf(() => verifyCallback(body, headers, [secret], { now: NOW }))).toBe('no_matching_signature');
    expect(
      codeOf(() => verifyCallback(body, { ...headers, 'webhook-signature': `v2,${sign(old, 'msg_1', TS, body).slice(3)}` }, old, NOW)),
    ).toBe('no_matching_signature');
  });

  it('refuses a changed body, id, timestamp or signature', () => {
    const h = headersFor();
    expect(codeOf(() => verifyCallback(body.replace('int_1', 'int_2'), h, secret, { now: NOW }))).toBe('no_matching_signature');
    expect(codeOf(() => verifyCallback(body, { ...h, 'webhook-id': 'msg_2' }, secret, { now: NOW }))).toBe('no_matching_signature');
    expect(codeOf(() => verifyCallback(body, { ...h, 'webhook-timestamp': String(Number(TS) + 1) }, secret, { now: NOW }))).toBe(
      'no_matching_signature',
    );
    const flipped = `${h['webhook-signature'].slice(0, 10)}${h['webhook-signature'][10] === 'A' ? 'B' : 'A'}${h['webhook-signature'].slice(11)}`;
    expect(codeOf(() => verifyCallback(body, { ...h, 'webhook-signature': flipped }, secret, { now: NOW }))).toBe('no_matching_signature');
    expect(codeOf(() => verifyCallback(body, h, newSecret(), { now: NOW }))).toBe('no_matching_signature');
  });

  it('keeps a 5-minute window both ways, adjustable, with the earlier numeric `now` still accepted', () => {
    const at = (offset: number) => String(Number(TS) + offset);
    expect(verifyCallback(body, headersFor(body, at(-300)), secret, { now: NOW })).toEqual(event);
    expect(verifyCallback(body, headersFor(body, at(300)), secret, NOW)).toEqual(event);
    expect(codeOf(() => verifyCallback(body, headersFor(body, at(-301)), secret, { now: NOW }))).toBe('timestamp_too_old');
    expect(codeOf(() => verifyCallback(body, headersFor(body, at(301)), secret, NOW))).toBe('timestamp_too_new');
    expect(codeOf(() => verifyCallback(body, headersFor(body, at(-61)), secret, { now: NOW, toleranceSeconds: 60 }))).toBe(
      'timestamp_too_old',
    );
    // Default: the real clock.
    const realTs = String(Math.floor(Date.now() / 1000));
    expect(verifyCallback(body, headersFor(body, realTs), secret)).toEqual(event);
    expect(codeOf(() => verifyCallback(body, headersFor(), secret))).toBe(Date.now() > NOW ? 'timestamp_too_old' : 'timestamp_too_new');
  });

  it('names a missing, doubled or malformed header', () => {
    const h = headersFor();
    expect(codeOf(() => verifyCallback(body, {}, secret, { now: NOW }))).toBe('missing_header');
    for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const { [name]: _, ...rest } = h;
      expect(() => verifyCallback(body, rest, secret, { now: NOW })).toThrow(`missing ${name} header`);
    }
    expect(codeOf(() => verifyCallback(body, { ...h, 'webhook-id': ['a', 'b'] }, secret, { now: NOW }))).toBe('invalid_header');
    expect(codeOf(() => verifyCallback(body, { ...h, 'webhook-timestamp': '2026-09-21T13:33:20Z' }, secret, { now: NOW }))).toBe(
      'invalid_header',
    );
    expect(codeOf(() => verifyCallback(body, { ...h, 'webhook-signature': 'bogus' }, secret, { now: NOW }))).toBe('no_matching_signature');
  });

  it('refuses a malformed secret and a body that is not raw, before looking at the request', () => {
    for (const bad of ['', secret.slice(6), 'whsec_', 'whsec_not*base64', `whsec_${crypto.randomBytes(16).toString('base64')}`, []]) {
      expect(codeOf(() => verifyCallback(body, headersFor(), bad, { now: NOW }))).toBe('invalid_secret');
    }
    expect(codeOf(() => verifyCallback(body, headersFor(), [secret, 'whsec_x'], { now: NOW }))).toBe('invalid_secret');
    expect(codeOf(() => verifyCallback(event as never, headersFor(), secret, { now: NOW }))).toBe('invalid_body');
    expect(() => verifyCallback(body, headersFor(), secret, { now: NOW, toleranceSeconds: -1 })).toThrow(RangeError);
  });

  it('refuses a correctly signed body that is not a { type, timestamp, data } JSON object', () => {
    for (const raw of [
      'not json',
      '[]',
      '{"type":"ping","timestamp":"t"}',
      '{"type":1,"timestamp":"t","data":{}}',
      Buffer.from([0x7b, 0xff, 0x7d]),
    ]) {
      expect(codeOf(() => verifyCallback(raw, headersFor(raw), secret, { now: NOW }))).toBe('invalid_payload');
    }
  });
});

describe('signCallback', () => {
  it('answers the three headers, one signature per secret, that verifyCallback accepts', () => {
    const old = newSecret();
    const headers = signCallback({ body, secret: [secret, old], now: NOW });
    expect(headers['webhook-id']).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(headers['webhook-timestamp']).toBe(TS);
    expect(headers['webhook-signature']).toBe(
      `${sign(secret, headers['webhook-id'], TS, body)} ${sign(old, headers['webhook-id'], TS, body)}`,
    );
    expect(verifyCallback(body, headers, old, { now: NOW })).toEqual(event);
    expect(signCallback({ body, secret, id: 'msg_x', now: NOW })['webhook-id']).toBe('msg_x');
  });
});

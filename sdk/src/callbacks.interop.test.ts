/**
 * Interop with the Standard Webhooks reference library (npm `standardwebhooks`), against the
 * built Node entry (dist/node.js): what it signs, verifyCallback accepts; what signCallback or a
 * by-the-spec signer signs, it accepts; both refuse the same tampering and the same stale or
 * future timestamps; rotation with two secrets.
 */
import crypto from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type * as Node from './node.ts';
import { distDir } from './testing/buildDist.ts';

let sdk: typeof Node;
beforeAll(async () => {
  sdk = await import(pathToFileURL(path.join(distDir, 'node.js')).href);
});

const NOW = new Date('2026-12-02T06:00:00Z');
// One clock for both libraries: standardwebhooks reads Date.now().
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  vi.useRealTimers();
});

const newSecret = () => `whsec_${crypto.randomBytes(32).toString('base64')}`;
const body = JSON.stringify({
  type: 'run.failed',
  timestamp: NOW.toISOString(),
  data: { configId: 'cfg_1', userId: 'u-42', accountId: 'acme', sharingLevel: 'account', runId: 'run_1' },
});
type Headers3 = { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string };

/** Headers from standardwebhooks' own signer. */
function referenceSigned(secret: string, payload = body, at = NOW, id = 'msg_ref'): Headers3 {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, payload),
  };
}

/** A signer written from the spec alone: base64 HMAC-SHA256 of "id.timestamp.body" keyed by the base64 after whsec_. */
function specSigned(secret: string, payload = body, at = NOW, id = 'msg_spec'): Headers3 {
  const ts = String(Math.floor(at.getTime() / 1000));
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return {
    'webhook-id': id,
    'webhook-timestamp': ts,
    'webhook-signature': `v1,${crypto.createHmac('sha256', key).update(`${id}.${ts}.${payload}`).digest('base64')}`,
  };
}

/** Whether each library accepts the request: [verifyCallback, standardwebhooks]. */
function accepted(secrets: string[], headers: Headers3, payload: string = body): [boolean, boolean] {
  let ours = true;
  try {
    expect(sdk.verifyCallback(Buffer.from(payload), headers, secrets)).toEqual(JSON.parse(payload));
  } catch (error) {
    if (!(error instanceof sdk.CallbackVerificationError)) throw error;
    ours = false;
  }
  const theirs = secrets.some((secret) => {
    try {
      expect(new Webhook(secret).verify(payload, headers)).toEqual(JSON.parse(payload));
      return true;
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      return false;
    }
  });
  return [ours, theirs];
}

describe('verifyCallback (built) and standardwebhooks agree', () => {
  const secret = newSecret();

  it('on what standardwebhooks signs, what signCallback signs and what the spec signer signs', () => {
    expect(accepted([secret], referenceSigned(secret))).toEqual([true, true]);
    expect(accepted([secret], sdk.signCallback({ body, secret }))).toEqual([true, true]);
    expect(accepted([secret], specSigned(secret))).toEqual([true, true]);
  });

  it('on refusing a tampered body, id, timestamp or signature, and a wrong secret', () => {
    for (const signed of [referenceSigned(secret), sdk.signCallback({ body, secret }), specSigned(secret)]) {
      expect(accepted([secret], signed, body.replace('run_1', 'run_2'))).toEqual([false, false]);
      expect(accepted([secret], signed, `${body} `)).toEqual([false, false]);
      expect(accepted([secret], { ...signed, 'webhook-id': `${signed['webhook-id']}x` })).toEqual([false, false]);
      expect(accepted([secret], { ...signed, 'webhook-timestamp': String(Number(signed['webhook-timestamp']) - 1) })).toEqual([
        false,
        false,
      ]);
      const sig = signed['webhook-signature'];
      const flipped = `${sig.slice(0, 5)}${sig[5] === 'A' ? 'B' : 'A'}${sig.slice(6)}`;
      expect(accepted([secret], { ...signed, 'webhook-signature': flipped })).toEqual([false, false]);
      expect(accepted([secret], { ...signed, 'webhook-signature': sig.replace('v1,', 'v2,') })).toEqual([false, false]);
      expect(accepted([newSecret()], signed)).toEqual([false, false]);
    }
  });

  it('during a rotation: both secrets sign, either one verifies; a third does not', () => {
    const old = newSecret();
    const ours = sdk.signCallback({ body, secret: [secret, old] });
    expect(ours['webhook-signature'].split(' ')).toHaveLength(2);
    const r1 = referenceSigned(secret);
    const theirs = { ...r1, 'webhook-signature': `${r1['webhook-signature']} ${referenceSigned(old)['webhook-signature']}` };
    for (const signed of [ours, theirs]) {
      expect(accepted([secret], signed)).toEqual([true, true]);
      expect(accepted([old], signed)).toEqual([true, true]);
      expect(accepted([old, secret], signed)).toEqual([true, true]);
      expect(accepted([newSecret()], signed)).toEqual([false, false]);
    }
    // The receiver mid-rotation holds both and gets a callback signed by the old one only.
    expect(accepted([secret, old], referenceSigned(old))).toEqual([true, true]);
  });

  it('on the 5-minute window, both ways', () => {
    const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);
    for (const sign of [referenceSigned, specSigned]) {
      expect(accepted([secret], sign(secret, body, at(-299)))).toEqual([true, true]);
      expect(accepted([secret], sign(secret, body, at(299)))).toEqual([true, true]);
      expect(accepted([secret], sign(secret, body, at(-301)))).toEqual([false, false]);
      expect(accepted([secret], sign(secret, body, at(301)))).toEqual([false, false]);
    }
    expect(accepted([secret], sdk.signCallback({ body, secret, now: at(-301).getTime() }))).toEqual([false, false]);
    expect(() => sdk.verifyCallback(body, referenceSigned(secret, body, at(-301)), secret)).toThrow('s old');
    expect(() => sdk.verifyCallback(body, referenceSigned(secret, body, at(301)), secret)).toThrow('s ahead');
  });
});

import jwt from 'jsonwebtoken';
import { createEmbedFixture } from '../../src/testing/embedFixtures.ts';
import type { PatchbayTarget } from '../targets/patchbay.ts';
import { expectStatus, type Scenario } from './scenario.ts';

/** An embed configuration with an HS256 signing secret. */
interface SigningConfig {
  readonly configId: string;
  readonly kid: string;
  readonly secret: string;
  readonly via: 'api' | 'database';
}

/**
 * Creates the configuration through `POST /api/v1/embed-configs`, which answers the first secret
 * once; if that route is not there, writes the rows directly (sealed the same way the service does).
 */
async function signingConfig(patchbay: PatchbayTarget): Promise<SigningConfig> {
  const res = await patchbay.request('POST', '/api/v1/embed-configs', {
    token: patchbay.apiToken,
    body: { name: 'Bench', sharingLevel: 'user', allowedOrigins: ['http://localhost:5173'] },
  });
  if (res.status === 404 && res.body?.error?.code === 'not_found' && /route|path/i.test(res.body.error.message ?? '')) {
    return insertSigningConfig(patchbay);
  }
  expectStatus('POST /api/v1/embed-configs', res, 201, patchbay);
  return { configId: res.body.id, kid: res.body.secret.kid, secret: res.body.secret.value, via: 'api' };
}

/** Stores the configuration and its secret with the shared test fixture (repository functions, sealed). */
async function insertSigningConfig(patchbay: PatchbayTarget): Promise<SigningConfig> {
  const fx = await createEmbedFixture(patchbay.app.ctx, { name: 'Bench', keys: ['hs'], consent: { enabled: false } });
  return { configId: fx.configId, kid: fx.hs.kid, secret: fx.hs.secret, via: 'database' };
}

/** The token exchange: HS256 verification, claim checks, end-user upsert, session insert. */
export const sessionExchange: Scenario = {
  name: 'session-exchange',
  description: 'POST /embed/api/session with a valid HS256 embed token (no jti, so it may repeat)',
  async prepare({ patchbay }) {
    const cfg = await signingConfig(patchbay);
    const iat = Math.floor(Date.now() / 1000);
    // One hour, the longest allowed, so the token outlives any run; without `jti` it is not single-use.
    const token = jwt.sign(
      {
        aud: cfg.configId,
        embed_user_id: 'bench-user',
        embed_account_id: 'bench-account',
        embed_user_name: 'Bench User',
        iat,
        exp: iat + 3600,
      },
      cfg.secret,
      { algorithm: 'HS256', keyid: cfg.kid },
    );
    const body = JSON.stringify({ token });
    const check = await patchbay.request('POST', '/embed/api/session', { body: { token } });
    expectStatus(`POST /embed/api/session (config seeded via ${cfg.via})`, check, 200, patchbay);
    return {
      request: { url: `${patchbay.url}/embed/api/session`, method: 'POST', headers: { 'content-type': 'application/json' }, body },
    };
  },
};

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findConnector } from '../db/repos/connectors.ts';
import { sql } from '../db/sql.ts';
import { requestToken, tokenClientFor } from '../services/providers/tokenEndpoint.ts';
import { driveOAuth2Login, embedSessionToken, rewriteFor } from '../testing/connectFlow.ts';
import { insertFlow, insertGroup } from '../testing/domainFixtures.ts';
import { createEmbedFixture, type EmbedFixture } from '../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { startOAuthProvider, type TestOAuthProvider } from '../testing/oidcProvider.ts';

// S-08: the authorization-code exchange goes through egress like every other outbound call:
// a size cap, a total timeout, the address check on IP literals too, no redirects.

let s: TestServer;
let op: TestOAuthProvider;
let fx: EmbedFixture;
let hostile: http.Server;
let hostileUrl: string;
/** Bytes the hostile token endpoint got rid of before its client hung up, per path. */
const sent: Record<string, number> = {};
const closed: Record<string, Promise<void>> = {};

const MB = 1024 * 1024;

/** What the hostile endpoint's `/record` path saw: the Authorization header and the form. */
const recorded: { authorization: string | undefined; form: Record<string, string> }[] = [];

/** A token endpoint that records `/record` calls, streams a 64 MB answer (`/huge`) or one byte every 300 ms forever (`/drip`). */
function startHostileTokenEndpoint(): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = req.url ?? '';
    if (path === '/record') {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString('utf8');
      });
      req.on('end', () => {
        recorded.push({ authorization: req.headers.authorization, form: Object.fromEntries(new URLSearchParams(body)) });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"at-1","token_type":"bearer","expires_in":60}');
      });
      return;
    }
    sent[path] = 0;
    let done: () => void = () => {};
    closed[path] = new Promise<void>((resolve) => {
      done = resolve;
    });
    req.resume();
    res.on('close', () => done());
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"access_token":"');
    if (path === '/huge') {
      const chunk = Buffer.alloc(256 * 1024, 'a');
      const pump = () => {
        while (!res.destroyed && sent[path]! < 64 * MB) {
          sent[path]! += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        if (!res.destroyed) res.end('"}');
      };
      pump();
    } else {
      const drip = setInterval(() => {
        if (res.destroyed) clearInterval(drip);
        else res.write('a');
      }, 300);
      res.on('close', () => clearInterval(drip));
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

beforeAll(async () => {
  s = await startTestServer();
  const publicUrl = s.app.ctx.config.publicUrl;
  op = await startOAuthProvider({
    redirectUris: ['huge', 'drip', 'literal'].map((id) => `${publicUrl}/oauth/callback/${id}`),
  });
  hostile = await startHostileTokenEndpoint();
  hostileUrl = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
  const admin = await s.adminToken();
  const oauth2 = { authorizeUrl: op.authorizeUrl, clientId: op.clientId, clientSecret: op.clientSecret, scopes: ['openid'] };
  const base = { authType: 'oauth2', baseUrl: 'http://127.0.0.1:9' };
  for (const body of [
    { ...base, id: 'huge', name: 'Huge answer', oauth2: { ...oauth2, tokenUrl: `${hostileUrl}/huge` } },
    { ...base, id: 'drip', name: 'Slow drip', oauth2: { ...oauth2, tokenUrl: `${hostileUrl}/drip` } },
    // Saved while loopback is allowed: the provider's token URL is the IP literal 127.0.0.1.
    { ...base, id: 'literal', name: 'IP literal', oauth2: { ...oauth2, tokenUrl: op.tokenUrl } },
    { ...base, id: 'recorded', name: 'Recorded', oauth2: { ...oauth2, tokenUrl: `${hostileUrl}/record` } },
    // A catalogue provider whose token endpoint wants HTTP Basic (grant's list), pointed at the recorder.
    { id: 'reddit', catalogKey: 'reddit', oauth2: { clientId: 'r id', clientSecret: 'r:secret', tokenUrl: `${hostileUrl}/record` } },
  ]) {
    const res = await s.request('POST', '/api/v1/connectors', { token: admin, body });
    expect(res.status, res.text).toBe(201);
  }
  expect(new URL(op.tokenUrl).hostname).toBe('127.0.0.1');
  fx = await createEmbedFixture(s.app.ctx);
  const slots = ['huge', 'drip', 'literal'].map((connectorId) => ({ key: connectorId, connectorId, label: connectorId }));
  await insertGroup(s.app.ctx, fx.configId, {
    flowIds: [await insertFlow(s.app.ctx, { definition: { slots, inputs: [], trigger: { type: 'manual' }, steps: [] } })],
  });
}, 30_000);

afterAll(async () => {
  hostile?.closeAllConnections();
  await Promise.all([s?.close(), op?.close(), new Promise((r) => hostile?.close(r))]);
});

async function authCount(connectorId: string): Promise<number> {
  return (
    (await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM connector_auths WHERE connector_id = ${connectorId}`)) as {
      n: number;
    }
  ).n;
}

/** Runs a whole popup flow for `connectorId` on `server` (default: the main one); answers the callback page and the ticket status. */
async function connect(connectorId: string, server: TestServer = s) {
  const bearer = await embedSessionToken(server, fx.token());
  const t = await server.request('POST', '/embed/api/connect-tickets', { token: bearer, body: { connectorId } });
  expect(t.status, t.text).toBe(201);
  const started = Date.now();
  const run = await driveOAuth2Login(t.body.url, { rewrite: rewriteFor(server) });
  const ms = Date.now() - started;
  const status = (await server.request('GET', `/embed/api/connect-tickets/${t.body.id}`, { token: bearer })).body;
  return { run, status, ms, ticketId: t.body.id as string };
}

describe('the code exchange is bounded', () => {
  it('a token endpoint streaming a 64 MB answer is cut at the cap: a clear error page, the ticket fails, memory stays bounded', async () => {
    const rssBefore = process.memoryUsage().rss;
    const { run, status, ticketId } = await connect('huge');
    await closed['/huge'];
    expect(run.response?.status).toBe(502);
    expect(run.text).toContain('Could not connect');
    expect(run.text).toContain('The provider answered something we could not use.');
    expect(run.text).toContain('The provider’s answer was too large.');
    expect(run.text).toContain(`"ticketId":"${ticketId}","status":"error","connectorAuthId":null,"error":"invalid_response"`);
    expect(status).toEqual({ status: 'error', error: 'invalid_response' });
    // The connection was dropped long before the end: only socket buffers' worth was ever sent.
    expect(sent['/huge']).toBeLessThan(16 * MB);
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(64 * MB);
    expect(await authCount('huge')).toBe(0);
  });

  it('a token endpoint that drips one byte every 300 ms hits the total timeout (15 s), not an idle one', async () => {
    const { run, status, ms } = await connect('drip');
    await closed['/drip'];
    expect(run.response?.status).toBe(502);
    expect(run.text).toContain('The provider did not accept the authorization. Please try again.');
    expect(run.text).toContain('The provider did not answer in time.');
    expect(status).toEqual({ status: 'error', error: 'exchange_failed' });
    expect(ms).toBeGreaterThanOrEqual(14_000);
    expect(ms).toBeLessThan(40_000);
    expect(await authCount('drip')).toBe(0);
  }, 60_000);
});

describe('the code exchange checks IP literals', () => {
  it('a connector saved while loopback was allowed is refused at exchange time by a server without that flag', async () => {
    // With the flag (the main server) the connector works…
    const ok = await connect('literal');
    expect(ok.status).toEqual({ status: 'success', connectorAuthId: expect.stringMatching(/^ca_/) });
    expect(await authCount('literal')).toBe(1);

    // …and a second server on the same database, started without it, never reaches 127.0.0.1.
    const strict = await startTestServer({ sameDatabaseAs: s, env: { PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'false' } });
    try {
      expect(strict.app.ctx.config.allowInsecureLoopback).toBe(false);
      const calls = op.tokenCalls.authorization_code ?? 0;
      const refused = await connect('literal', strict);
      expect(refused.run.response?.status).toBe(502);
      expect(refused.run.text).toContain('The provider’s token address is not allowed.');
      expect(refused.status).toEqual({ status: 'error', error: 'exchange_failed' });
      expect(op.tokenCalls.authorization_code ?? 0).toBe(calls);
      expect(await authCount('literal')).toBe(1);
    } finally {
      await strict.close();
    }
  });
});

describe('client authentication at the token endpoint', () => {
  const grant = {
    grantType: 'authorization_code',
    code: 'c-1',
    redirectUri: 'https://x.example/cb',
    codeVerifier: 'v'.repeat(43),
  } as const;
  const clientOf = async (id: string) => {
    const row = await findConnector(s.app.ctx.db, id);
    const client = row && tokenClientFor(s.app.ctx, row);
    if (!client) throw new Error(id);
    return client;
  };

  it('posts client_id and client_secret in the form by default (client_secret_post), with code, redirect URI and verifier', async () => {
    recorded.length = 0;
    const outcome = await requestToken(s.app.ctx, await clientOf('recorded'), grant);
    expect(outcome).toEqual({
      kind: 'ok',
      tokens: { accessToken: 'at-1', refreshToken: null, tokenType: 'Bearer', expiresIn: 60, scope: null },
    });
    expect(recorded).toEqual([
      {
        authorization: undefined,
        form: {
          grant_type: 'authorization_code',
          code: 'c-1',
          redirect_uri: 'https://x.example/cb',
          code_verifier: 'v'.repeat(43),
          client_id: op.clientId,
          client_secret: op.clientSecret,
        },
      },
    ]);
  });

  it('sends HTTP Basic (RFC 6749 §2.3.1 encoding) for catalogue providers that require it, and no secret in the form', async () => {
    recorded.length = 0;
    expect((await clientOf('reddit')).authMethod).toBe('client_secret_basic');
    await requestToken(s.app.ctx, await clientOf('reddit'), grant);
    expect(recorded).toEqual([
      {
        authorization: `Basic ${Buffer.from('r+id:r%3Asecret').toString('base64')}`,
        form: { grant_type: 'authorization_code', code: 'c-1', redirect_uri: 'https://x.example/cb', code_verifier: 'v'.repeat(43) },
      },
    ]);
  });
});

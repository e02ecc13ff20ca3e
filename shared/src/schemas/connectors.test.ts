import { describe, expect, it } from 'vitest';
import { connectorSchema, storedConnectorDefinitionSchema } from './connectors.ts';

const oauth2 = {
  authorizeUrl: 'https://provider.test/authorize',
  tokenUrl: 'https://provider.test/token',
  revokeUrl: null,
  clientId: 'client',
  scopes: ['read'],
  scopeDelimiter: ' ',
  pkce: true,
  grantType: 'authorization_code',
  authorizeParams: {},
} as const;

describe('storedConnectorDefinitionSchema', () => {
  it('parses a definition written before `proxy` existed: it stays absent', () => {
    const stored = { oauth2, oauth1: null, apiKey: null, fields: [], validation: null };
    expect(storedConnectorDefinitionSchema.parse(stored)).toEqual(stored);
  });

  it('keeps what was stored as it is (loose fields, no defaults added) and drops keys it does not know', () => {
    const stored = {
      oauth2: null,
      oauth1: null,
      apiKey: { in: 'header', name: 'X Key', prefix: null },
      fields: [{ key: 'k', label: '', type: 'password', required: false }],
      validation: { method: 'OPTIONS', path: 'me', expectStatus: 204 },
      proxy: { forwardHeaders: ['x-trace-id'] },
      legacy: true,
    };
    const { legacy: _, ...known } = stored;
    expect(storedConnectorDefinitionSchema.parse(stored)).toEqual(known);
  });

  it('refuses a definition with a part missing', () => {
    expect(storedConnectorDefinitionSchema.safeParse({ oauth2: null, oauth1: null, apiKey: null, fields: [] }).success).toBe(false);
  });
});

describe('connectorSchema', () => {
  it('answers the stored definition with whether a secret is set, and `proxy` always', () => {
    const answer = {
      id: 'acme',
      name: 'Acme',
      authType: 'oauth2',
      catalogKey: null,
      baseUrl: 'https://api.provider.test',
      iconUrl: null,
      redirectUri: 'https://patchbay.test/oauth/callback/acme',
      oauth2: { ...oauth2, hasClientSecret: true },
      oauth1: null,
      apiKey: null,
      fields: [],
      validation: null,
      proxy: { forwardHeaders: [] },
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    };
    expect(connectorSchema.parse(answer)).toEqual(answer);
    expect(connectorSchema.safeParse({ ...answer, proxy: undefined }).success).toBe(false);
    expect(connectorSchema.safeParse({ ...answer, oauth2 }).success).toBe(false);
  });
});

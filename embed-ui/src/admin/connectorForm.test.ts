import type { CatalogEntryOut, Connector } from '@patchbay/shared';
import { connectorCreateSchema, connectorUpdateSchema } from '@patchbay/shared';
import { describe, expect, it } from 'vitest';
import {
  catalogBody,
  createBody,
  emptyConnectorForm,
  formFromConnector,
  parseParams,
  sortIssues,
  splitScopes,
  updateBody,
} from './connectorForm.ts';

const oauth2Form = {
  ...emptyConnectorForm(),
  id: 'crm',
  name: ' Demo CRM ',
  baseUrl: 'https://api.crm.example',
  authorizeUrl: 'https://crm.example/oauth/authorize',
  tokenUrl: 'https://crm.example/oauth/token',
  clientId: 'client-1',
  clientSecret: 's3cret',
  scopes: 'contacts.read, contacts.write\nprofile',
  authorizeParams: 'access_type=offline\n\nprompt = consent\nnot a param',
  validationPath: '/me',
};

describe('the connector form', () => {
  it('builds a custom OAuth2 body the shared create schema accepts, with only the OAuth2 part', () => {
    const body = createBody(oauth2Form);
    expect(connectorCreateSchema.safeParse(body).success).toBe(true);
    expect(body).toEqual({
      id: 'crm',
      name: 'Demo CRM',
      authType: 'oauth2',
      baseUrl: 'https://api.crm.example',
      validation: { method: 'GET', path: '/me', expectStatus: 200 },
      oauth2: {
        authorizeUrl: 'https://crm.example/oauth/authorize',
        tokenUrl: 'https://crm.example/oauth/token',
        clientId: 'client-1',
        clientSecret: 's3cret',
        scopes: ['contacts.read', 'contacts.write', 'profile'],
        scopeDelimiter: ' ',
        pkce: true,
        grantType: 'authorization_code',
        authorizeParams: { access_type: 'offline', prompt: 'consent' },
      },
    });
  });

  it('builds API-key and basic bodies with their fields, and no OAuth parts', () => {
    const apiKey = createBody({ ...emptyConnectorForm(), id: 'mailer', name: 'Mailer', authType: 'api_key', keyName: 'X-Api-Key' });
    expect(apiKey).toEqual({ id: 'mailer', name: 'Mailer', authType: 'api_key', apiKey: { in: 'header', name: 'X-Api-Key' } });
    expect(connectorCreateSchema.safeParse(apiKey).success).toBe(true);
    const basic = createBody({
      ...emptyConnectorForm(),
      id: 'vault',
      name: 'Vault',
      authType: 'basic',
      fields: [{ key: 'tenant', label: ' Tenant ', type: 'text', required: true }],
    });
    expect(basic).toEqual({
      id: 'vault',
      name: 'Vault',
      authType: 'basic',
      fields: [{ key: 'tenant', label: 'Tenant', type: 'text', required: true }],
    });
    expect(connectorCreateSchema.safeParse(basic).success).toBe(true);
  });

  it('builds a catalogue body: the key and client credentials, the URLs only for providers that need a subdomain', () => {
    const entry: CatalogEntryOut = {
      key: 'slack',
      name: 'Slack',
      authType: 'oauth2',
      authorizeUrl: 'https://slack.com/oauth/authorize',
      tokenUrl: 'https://slack.com/api/oauth.access',
      scopeDelimiter: ',',
      needsSubdomain: false,
    };
    const body = catalogBody(entry, { ...emptyConnectorForm(), id: 'slack', clientId: 'c', clientSecret: 's', scopes: 'chat:write' });
    expect(body).toEqual({ id: 'slack', catalogKey: 'slack', oauth2: { clientId: 'c', clientSecret: 's', scopes: ['chat:write'] } });
    expect(connectorCreateSchema.safeParse(body).success).toBe(true);
    const sub = catalogBody(
      { ...entry, key: 'zendesk', needsSubdomain: true },
      {
        ...emptyConnectorForm(),
        id: 'zendesk',
        clientId: 'c',
        authorizeUrl: 'https://acme.zendesk.com/oauth/authorizations/new',
        tokenUrl: 'https://acme.zendesk.com/oauth/tokens',
      },
    );
    expect(sub.oauth2).toMatchObject({
      authorizeUrl: 'https://acme.zendesk.com/oauth/authorizations/new',
      tokenUrl: 'https://acme.zendesk.com/oauth/tokens',
    });
  });

  it('keeps a stored secret unless a new one is typed, and clears emptied URLs with null', () => {
    const stored = {
      id: 'crm',
      name: 'Demo CRM',
      authType: 'oauth2',
      catalogKey: null,
      baseUrl: 'https://api.crm.example',
      iconUrl: null,
      redirectUri: 'http://127.0.0.1:3000/oauth/callback/crm',
      oauth2: {
        authorizeUrl: 'https://crm.example/a',
        tokenUrl: 'https://crm.example/t',
        revokeUrl: 'https://crm.example/r',
        clientId: 'client-1',
        hasClientSecret: true,
        scopes: ['a', 'b'],
        scopeDelimiter: ' ',
        pkce: false,
        grantType: 'authorization_code',
        authorizeParams: { prompt: 'consent' },
      },
      oauth1: null,
      apiKey: null,
      fields: [],
      validation: null,
      proxy: { forwardHeaders: [] },
      createdAt: '2026-11-23T12:00:00.000Z',
      updatedAt: '2026-11-23T12:00:00.000Z',
    } satisfies Connector;
    const form = formFromConnector(stored);
    expect(form.clientSecret).toBe('');
    expect(form.scopes).toBe('a b');
    expect(form.authorizeParams).toBe('prompt=consent');
    const kept = updateBody(form, stored);
    expect(kept.oauth2).not.toHaveProperty('clientSecret');
    expect(connectorUpdateSchema.safeParse(kept).success).toBe(true);
    const changed = updateBody({ ...form, clientSecret: 'new-secret', revokeUrl: '', baseUrl: '' }, stored, true);
    expect(changed).toMatchObject({ baseUrl: null, force: true, oauth2: { clientSecret: 'new-secret', revokeUrl: null } });
  });

  it('splits scopes and params as typed', () => {
    expect(splitScopes(' a,b  c\n,d ')).toEqual(['a', 'b', 'c', 'd']);
    expect(parseParams('a=1\nb = x=y\n=z\nnone')).toEqual({ a: '1', b: 'x=y' });
  });

  it('puts server issues on their inputs and keeps the others for the list', () => {
    expect(
      sortIssues([
        { path: 'body.oauth2.tokenUrl', message: 'required for a custom connector' },
        { path: 'body.fields.0.key', message: 'bad key' },
        { path: 'body.id', message: 'taken' },
        { path: 'body.proxy.forwardHeaders.0', message: 'refused' },
      ]),
    ).toEqual({
      byField: { tokenUrl: 'required for a custom connector', fields: 'bad key', id: 'taken' },
      other: [{ path: 'body.proxy.forwardHeaders.0', message: 'refused' }],
    });
  });
});

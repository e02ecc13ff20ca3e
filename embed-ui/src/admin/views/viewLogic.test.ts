import { brandingSchema } from '@patchbay/shared';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../lib/api.ts';
import { tokenState } from './ApiTokens.tsx';
import { localToIso } from './AuditLog.tsx';
import { referencesOf } from './ConnectorAuths.tsx';
import { brandingBody } from './EmbedBranding.tsx';
import { bodyIssues, splitOrigins } from './EmbedConfigCreate.tsx';
import { changedFields } from './EmbedConfigDetail.tsx';
import { npmSnippet, scriptSnippet } from './EmbedSnippet.tsx';
import { pathText } from './FlowEditor.tsx';

describe('view helpers', () => {
  it('reads the integrations a 409 in_use lists, skipping malformed entries', () => {
    const error = new ApiError(409, 'in_use', 'used', {
      references: [
        { integrationId: 'int_1', flowId: 'flow_1', name: 'Sync' },
        { integrationId: 'int_2', flowId: 'flow_2' },
        { nope: true },
        'x',
      ],
    });
    expect(referencesOf(error)).toEqual([
      { integrationId: 'int_1', flowId: 'flow_1', name: 'Sync' },
      { integrationId: 'int_2', flowId: 'flow_2' },
    ]);
    expect(referencesOf(new ApiError(404, 'not_found', 'gone'))).toBeUndefined();
  });

  it('turns the branding form into a body the shared schema accepts, without empty values', () => {
    const body = brandingBody({
      title: ' Acme ',
      logoUrl: '',
      mode: 'dark',
      light: { primary: '#123456', text: ' ' },
      dark: {},
      customCss: '',
    });
    expect(body).toEqual({ title: 'Acme', mode: 'dark', colors: { primary: '#123456' } });
    expect(brandingSchema.safeParse(body).success).toBe(true);
    expect(brandingBody({ title: '', logoUrl: '', mode: 'x', light: {}, dark: {}, customCss: '' })).toEqual({});
  });

  it('splits origins and sorts issues onto fields', () => {
    expect(splitOrigins('https://a.example\n https://*.b.example, http://localhost:5173')).toEqual([
      'https://a.example',
      'https://*.b.example',
      'http://localhost:5173',
    ]);
    const error = new ApiError(400, 'validation_failed', 'bad', {
      issues: [
        { path: 'body.allowedOrigins.1', message: 'must be an origin' },
        { path: 'body.groups.0.name', message: 'too long' },
      ],
    });
    expect(bodyIssues(error, ['allowedOrigins'])).toEqual({
      byField: { allowedOrigins: 'must be an origin' },
      other: [{ path: 'body.groups.0.name', message: 'too long' }],
    });
  });

  it('sends only the settings that changed', () => {
    const current = {
      name: 'A',
      allowedOrigins: ['https://a.example'],
      consent: { enabled: true } as { enabled: boolean; text?: string },
      callbackUrl: null as string | null,
    };
    expect(changedFields({ ...current, allowedOrigins: ['https://a.example'] }, current)).toEqual({});
    expect(changedFields({ ...current, name: 'B', consent: { enabled: true, text: 'Hi' } }, current)).toEqual({
      name: 'B',
      consent: { enabled: true, text: 'Hi' },
    });
    expect(changedFields({ ...current, callbackUrl: 'https://hooks.example' }, current)).toEqual({ callbackUrl: 'https://hooks.example' });
  });

  it('writes the snippets with the Patchbay origin and the configuration id', () => {
    const script = scriptSnippet('https://pb.example', 'cfg_abc');
    expect(script).toContain('<script src="https://pb.example/sdk/v1/patchbay.js"></script>');
    expect(script).toContain("configId: 'cfg_abc'");
    expect(npmSnippet('https://pb.example', 'cfg_abc')).toContain("import { mountPortal } from '@patchbay/sdk';");
  });

  it('names token states, audit times and definition paths', () => {
    const now = Date.parse('2026-11-23T12:00:00.000Z');
    expect(tokenState({ revokedAt: null, expiresAt: null }, now)).toBe('active');
    expect(tokenState({ revokedAt: null, expiresAt: '2026-11-23T11:59:59.000Z' }, now)).toBe('expired');
    expect(tokenState({ revokedAt: '2026-11-01T00:00:00.000Z', expiresAt: null }, now)).toBe('revoked');
    expect(localToIso('')).toBeUndefined();
    expect(localToIso('not a date')).toBeUndefined();
    expect(localToIso('2026-11-23T12:00')).toBe(new Date('2026-11-23T12:00').toISOString());
    expect(pathText(['steps', 0, 'slot'], '(definition)')).toBe('steps[0].slot');
    expect(pathText([], '(definition)')).toBe('(definition)');
  });
});

import type { CallbackDelivery, ConnectorAuth, EmbedConfig, Flow, Integration, Run } from '@patchbay/shared';
import { describe, expect, it } from 'vitest';
import { type CellContext, CONNECTOR_AUTH_COLUMNS, DELIVERY_COLUMNS, durationText, INTEGRATION_COLUMNS, RUN_COLUMNS } from './columns.ts';
import { en, translator } from './i18n.ts';

const config = {
  id: 'cfg_abcdefghij',
  name: 'Acme CRM',
  groups: [
    { id: 'grp_a', name: 'CRM sync', flowIds: ['flow_sync'], highlightedConnectors: [] },
    { id: 'grp_b', name: 'Reporting', flowIds: ['flow_sync', 'flow_export'], highlightedConnectors: [] },
  ],
} as unknown as EmbedConfig;
const ctx: CellContext = {
  t: translator('en'),
  lookups: {
    configs: new Map([[config.id, config]]),
    flows: new Map([['flow_sync', { id: 'flow_sync', name: 'Sync contacts' } as Flow]]),
    connectors: new Map(),
  },
  date: (iso) => (iso ? `at ${iso}` : '—'),
};

const integration: Integration = {
  id: 'int_0123456789ab',
  flowId: 'flow_sync',
  flowVersion: 2,
  configId: config.id,
  userId: 'u1',
  accountId: 'acme',
  sharingLevel: 'account',
  status: 'disabled',
  disabledBy: 'admin',
  bindings: {},
  inputs: {},
  webhookUrl: null,
  nextRunAt: null,
  latestRun: { id: 'run_1', status: 'error', at: '2026-11-23T12:00:00.000Z' },
  createdAt: '2026-11-23T12:00:00.000Z',
  updatedAt: '2026-11-23T12:00:00.000Z',
};

describe('the Integrations table', () => {
  it('has Locoia’s columns in SPEC §12 order', () => {
    expect(INTEGRATION_COLUMNS.map((c) => en[c.header])).toEqual([
      'Integration',
      'Status',
      'Latest run',
      'Embed flow',
      'Configuration ID',
      'Configuration name',
      'Group name',
      'User ID',
      'Account ID',
      'Sharing level',
    ]);
  });

  it('fills each cell from the integration and the names the console looked up', () => {
    expect(INTEGRATION_COLUMNS.map((c) => c.text(integration, ctx))).toEqual([
      'int_0123456789ab',
      'Disabled by an administrator',
      'Failed · at 2026-11-23T12:00:00.000Z',
      'Sync contacts',
      'cfg_abcdefghij',
      'Acme CRM',
      'CRM sync, Reporting',
      'u1',
      'acme',
      'Account',
    ]);
  });

  it('says so when a run, a name or a group is missing', () => {
    const bare = {
      ...integration,
      flowId: 'flow_gone',
      configId: 'cfg_gone',
      status: 'enabled',
      disabledBy: null,
      latestRun: null,
      sharingLevel: 'user',
    } as const;
    const text = Object.fromEntries(INTEGRATION_COLUMNS.map((c) => [c.key, c.text(bare, ctx)]));
    expect(text).toMatchObject({
      status: 'Enabled',
      latestRun: 'No runs yet',
      flow: 'flow_gone',
      configName: '—',
      group: '—',
      sharing: 'User',
    });
  });
});

describe('the Connector auths table', () => {
  const auth: ConnectorAuth = {
    id: 'ca_0123456789ab',
    connectorId: 'crm',
    name: 'Demo CRM Login',
    userId: null,
    accountId: 'acme',
    configId: config.id,
    sharingLevel: 'account',
    proprietary: true,
    status: 'needs_reauth',
    disabledBy: null,
    scopes: [],
    expiresAt: null,
    createdAt: '2026-11-23T12:00:00.000Z',
    updatedAt: '2026-11-23T12:00:00.000Z',
    lastUsedAt: null,
    lastRefreshedAt: '2026-11-24T08:00:00.000Z',
    lastError: null,
  };

  it('has the SPEC §12 columns in order, with Proprietary as Yes / No', () => {
    expect(CONNECTOR_AUTH_COLUMNS.map((c) => en[c.header])).toEqual([
      'Connector auth name',
      'Connector',
      'Status',
      'User ID',
      'Account ID',
      'Sharing level',
      'Proprietary',
      'Last refreshed',
      'Last used',
    ]);
    expect(CONNECTOR_AUTH_COLUMNS.map((c) => c.text(auth, ctx))).toEqual([
      'Demo CRM Login',
      'crm',
      'Needs reconnect',
      '—',
      'acme',
      'Account',
      'Yes',
      'at 2026-11-24T08:00:00.000Z',
      '—',
    ]);
    const own = CONNECTOR_AUTH_COLUMNS.find((c) => c.key === 'proprietary');
    expect(own?.text({ ...auth, proprietary: false }, ctx)).toBe('No');
    expect(CONNECTOR_AUTH_COLUMNS[2]?.text({ ...auth, status: 'disabled', disabledBy: 'admin' }, ctx)).toBe('Disabled by an administrator');
  });
});

const run: Run = {
  id: 'run_0123456789ab',
  integrationId: integration.id,
  configId: config.id,
  flowId: 'flow_sync',
  accountId: 'acme',
  userId: 'u1',
  trigger: 'admin',
  status: 'canceled',
  attempt: 2,
  maxAttempts: 3,
  flowVersion: 2,
  retryOf: null,
  errorCode: null,
  error: null,
  createdAt: '2026-11-23T12:00:00.000Z',
  startedAt: '2026-11-23T12:00:01.000Z',
  finishedAt: '2026-11-23T12:00:13.300Z',
  durationMs: 12_300,
  cancelRequestedAt: null,
  steps: [],
  endUserLog: null,
};

describe('the Runs and Callbacks tables', () => {
  it('show a run’s status, trigger, integration, flow, user, time, duration and attempt', () => {
    expect(RUN_COLUMNS.map((c) => en[c.header])).toEqual([
      'Run',
      'Status',
      'Trigger',
      'Integration',
      'Embed flow',
      'User ID',
      'Created',
      'Duration',
      'Attempt',
    ]);
    expect(RUN_COLUMNS.map((c) => c.text(run, ctx))).toEqual([
      run.id,
      'Canceled',
      'Admin',
      integration.id,
      'Sync contacts',
      'u1',
      'at 2026-11-23T12:00:00.000Z',
      '12.3 s',
      '2 of 3',
    ]);
    expect(RUN_COLUMNS[2]?.text({ ...run, trigger: 'manual' }, ctx)).toBe('End user');
    expect(RUN_COLUMNS[7]?.text({ ...run, durationMs: null }, ctx)).toBe('—');
  });

  it('formats durations in ms, s and min', () => {
    expect([durationText(0), durationText(850), durationText(1000), durationText(245_000), durationText(null)]).toEqual([
      '0 ms',
      '850 ms',
      '1.0 s',
      '4 min 5 s',
      '—',
    ]);
  });

  it('show a delivery’s event, status, configuration, attempts, last status and when it is tried next or was delivered', () => {
    const d: CallbackDelivery = {
      id: 'msg_1',
      configId: config.id,
      eventType: 'run.failed',
      status: 'failed',
      attemptCount: 8,
      lastStatusCode: 500,
      lastError: null,
      nextAttemptAt: null,
      createdAt: '2026-11-23T12:00:00.000Z',
      deliveredAt: null,
    };
    expect(DELIVERY_COLUMNS.map((c) => c.text(d, ctx))).toEqual([
      'msg_1',
      'run.failed',
      'Failed',
      'Acme CRM',
      '8',
      '500',
      'at 2026-11-23T12:00:00.000Z',
      '—',
    ]);
    const delivered = { ...d, status: 'delivered' as const, lastStatusCode: 204, deliveredAt: '2026-11-23T12:00:01.000Z' };
    expect(DELIVERY_COLUMNS.map((c) => c.text(delivered, ctx)).slice(2)).toEqual([
      'Delivered',
      'Acme CRM',
      '8',
      '204',
      'at 2026-11-23T12:00:00.000Z',
      'Delivered at 2026-11-23T12:00:01.000Z',
    ]);
  });
});

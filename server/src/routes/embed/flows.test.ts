/**
 * `GET /embed/api/flows` (docs/domain.md, docs/http-api.md): the configuration's groups in order
 * with their flows' current versions — slots (pre-filled ones marked), form and trigger, never
 * steps — and highlighted connectors by name and icon. Other configurations' flows never appear.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from '../../db/sql.ts';
import { insertConnector, insertConnectorAuth, insertFlow, insertGroup } from '../../testing/domainFixtures.ts';
import { createEmbedFixture } from '../../testing/embedFixtures.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer({ env: { PATCHBAY_SESSION_RATE_LIMIT: '100000' } });
});
afterAll(() => s.close());

async function sessionOf(token: string): Promise<string> {
  const res = await s.request('POST', '/embed/api/session', { body: { token } });
  expect(res.status, res.text).toBe(200);
  return res.body.sessionToken as string;
}

describe('GET /embed/api/flows', () => {
  it('answers the groups in order with their flows, without steps or secrets', async () => {
    const ctx = s.app.ctx;
    const fx = await createEmbedFixture(ctx, { keys: ['hs'] });
    const other = await createEmbedFixture(ctx, { keys: ['hs'] });
    const crm = await insertConnector(ctx, { id: 'flows-crm', name: 'Demo CRM', authType: 'basic' });
    const backend = await insertConnector(ctx, { id: 'flows-backend', name: 'Acme Backend' });
    await ctx.db.run(sql`UPDATE connectors SET icon_url = 'https://cdn.example.test/crm.png' WHERE id = ${crm}`);
    const vendorAuth = await insertConnectorAuth(ctx, {
      configId: fx.configId,
      connectorId: backend,
      sharingLevel: 'account',
      accountId: null,
    });

    const sync = await insertFlow(ctx, {
      name: 'Sync contacts',
      definition: {
        slots: [
          { key: 'crm', connectorId: crm, label: 'Your CRM' },
          { key: 'be', connectorId: backend, label: 'Acme', connectorAuthId: vendorAuth },
        ],
        inputs: [
          { key: 'list', type: 'select', label: 'List', required: true, options: [{ value: 'leads', label: 'Leads' }] },
          { key: 'pin', type: 'password', label: 'PIN', default: 'CANARY-default-pin' },
        ],
        trigger: { type: 'schedule', everyMinutes: 15 },
        steps: [{ id: 'push', type: 'http', slot: 'crm', method: 'POST', path: '/contacts', body: { secret: 'CANARY-step-body' } }],
      },
    });
    const manual = await insertFlow(ctx, { name: 'Manual export', connectorId: crm });
    const third = await insertFlow(ctx, { name: 'Third', connectorId: crm });
    const hidden = await insertFlow(ctx, { name: 'Other config only', connectorId: crm });
    // inserted out of order: positions decide
    const later = await insertGroup(ctx, fx.configId, { name: 'Later', flowIds: [third], position: 2 });
    const first = await insertGroup(ctx, fx.configId, { name: 'CRM', flowIds: [manual, sync], position: 1 });
    await ctx.db.run(sql`UPDATE embed_groups SET highlighted_connectors = ${JSON.stringify([crm, backend, 'gone'])} WHERE id = ${first}`);
    await insertGroup(ctx, other.configId, { name: 'Elsewhere', flowIds: [hidden] });

    const res = await s.request('GET', '/embed/api/flows', { token: await sessionOf(fx.token()) });
    expect(res.status).toBe(200);
    const manualFlow = {
      id: manual,
      name: 'Manual export',
      description: null,
      icon: null,
      version: 1,
      slots: [{ key: 'main', connectorId: crm, label: 'Main', prefilled: false }],
      inputs: [],
      trigger: { type: 'manual' },
    };
    expect(res.body).toEqual({
      groups: [
        {
          id: first,
          name: 'CRM',
          highlightedConnectors: [
            { id: crm, name: 'Demo CRM', iconUrl: 'https://cdn.example.test/crm.png' },
            { id: backend, name: 'Acme Backend', iconUrl: null },
          ],
          flows: [
            manualFlow,
            {
              id: sync,
              name: 'Sync contacts',
              description: null,
              icon: null,
              version: 1,
              slots: [
                { key: 'crm', connectorId: crm, label: 'Your CRM', prefilled: false },
                { key: 'be', connectorId: backend, label: 'Acme', prefilled: true },
              ],
              inputs: [
                { key: 'list', type: 'select', label: 'List', required: true, options: [{ value: 'leads', label: 'Leads' }] },
                { key: 'pin', type: 'password', label: 'PIN', required: false },
              ],
              trigger: { type: 'schedule', everyMinutes: 15 },
            },
          ],
        },
        { id: later, name: 'Later', highlightedConnectors: [], flows: [{ ...manualFlow, id: third, name: 'Third' }] },
      ],
    });
    expect(res.text).not.toContain('CANARY');
    expect(res.text).not.toContain(vendorAuth);
  });

  it('answers no groups for a configuration without any, and 401 without a session', async () => {
    const fx = await createEmbedFixture(s.app.ctx, { keys: ['hs'] });
    const res = await s.request('GET', '/embed/api/flows', { token: await sessionOf(fx.token()) });
    expect({ status: res.status, body: res.body }).toEqual({ status: 200, body: { groups: [] } });
    expect((await s.request('GET', '/embed/api/flows')).status).toBe(401);
  });
});

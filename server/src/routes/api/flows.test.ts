import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nowIso } from '../../context.ts';
import { newId } from '../../crypto/tokens.ts';
import { sql } from '../../db/sql.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';
import { insertionOrder } from '../../testing/schemaInfo.ts';

/** The example flow body of docs/http-api.md, as written there. */
const DOCUMENTED_FLOW = {
  name: 'Push new contacts to Demo CRM',
  slots: [{ key: 'crm', connectorId: 'crm', label: 'Your CRM' }],
  inputs: [{ key: 'list', type: 'select', label: 'List', options: [{ value: 'leads', label: 'Leads' }], required: true }],
  trigger: { type: 'schedule', everyMinutes: 60 },
  steps: [
    {
      id: 'push',
      type: 'http',
      slot: 'crm',
      method: 'POST',
      path: '/contacts',
      body: { list: '{{ inputs.list }}', owner: '{{ embed.user_id }}' },
    },
  ],
};

/** The definition stored for {@link DOCUMENTED_FLOW}: the parsed fields, defaults included. */
const DOCUMENTED_DEFINITION = {
  slots: DOCUMENTED_FLOW.slots,
  inputs: DOCUMENTED_FLOW.inputs,
  trigger: DOCUMENTED_FLOW.trigger,
  steps: DOCUMENTED_FLOW.steps,
};

function definitionWith(overrides: Record<string, unknown>) {
  return { ...DOCUMENTED_DEFINITION, ...overrides };
}

/** Domain rows inserted with SQL, so these tests do not depend on other areas' APIs. */
class Fixture {
  constructor(private readonly s: TestServer) {}
  private get ctx() {
    return this.s.app.ctx;
  }
  async connector(id: string): Promise<void> {
    const now = nowIso(this.ctx);
    await this.ctx.db.run(sql`INSERT INTO connectors (id, name, auth_type, base_url, definition, created_at, updated_at)
      VALUES (${id}, ${`Connector ${id}`}, 'api_key', 'https://api.example.test', '{}', ${now}, ${now})`);
  }
  async config(): Promise<string> {
    const id = newId('cfg');
    const now = nowIso(this.ctx);
    await this.ctx.db.run(sql`INSERT INTO embed_configs (id, name, sharing_level, allowed_origins, consent, branding, created_at, updated_at)
      VALUES (${id}, 'Config', 'user', '["https://app.example.test"]', '{"enabled":false}', '{}', ${now}, ${now})`);
    return id;
  }
  async group(configId: string, flowIds: string[], name = 'CRM'): Promise<string> {
    const id = newId('grp');
    await this.ctx.db.run(sql`INSERT INTO embed_groups (id, config_id, name, position, highlighted_connectors)
      VALUES (${id}, ${configId}, ${name}, 0, '[]')`);
    for (const [i, flowId] of flowIds.entries()) {
      await this.ctx.db.run(sql`INSERT INTO embed_group_flows (group_id, flow_id, position) VALUES (${id}, ${flowId}, ${i})`);
    }
    return id;
  }
  async endUser(configId: string): Promise<string> {
    const id = newId('eu');
    const now = nowIso(this.ctx);
    await this.ctx.db.run(sql`INSERT INTO end_users (id, config_id, account_id, user_id, first_seen_at, last_seen_at)
      VALUES (${id}, ${configId}, ${`acc-${id}`}, ${`user-${id}`}, ${now}, ${now})`);
    return id;
  }
  async integration(flowId: string, version = 1): Promise<{ id: string; configId: string }> {
    const configId = await this.config();
    const endUserId = await this.endUser(configId);
    const id = newId('int');
    const now = nowIso(this.ctx);
    await this.ctx.db.run(sql`INSERT INTO integrations (id, config_id, flow_id, flow_version, owner_end_user_id, account_id, sharing_level,
        scope_user_id, status, created_at, updated_at)
      VALUES (${id}, ${configId}, ${flowId}, ${version}, ${endUserId}, ${`acc-${endUserId}`}, 'user', ${endUserId}, 'enabled', ${now}, ${now})`);
    return { id, configId };
  }
  async connectorAuth(connectorId: string): Promise<string> {
    const configId = await this.config();
    const id = newId('ca');
    const now = nowIso(this.ctx);
    await this.ctx.db.run(sql`INSERT INTO connector_auths (id, config_id, connector_id, name, sharing_level, status, created_via, created_at, updated_at)
      VALUES (${id}, ${configId}, ${connectorId}, 'Vendor login', 'account', 'active', 'vendor_api', ${now}, ${now})`);
    return id;
  }
  async integrationVersions(flowId: string): Promise<number[]> {
    return (
      await this.ctx.db.all<{ flow_version: number }>(
        sql`SELECT flow_version FROM integrations WHERE flow_id = ${flowId} ORDER BY created_at, id`,
      )
    ).map((r) => r.flow_version);
  }
  async audit(objectId: string) {
    return this.ctx.db.all<{ action: string; actor_type: string; details: string }>(
      sql`SELECT action, actor_type, details FROM audit_events WHERE object_type = 'flow' AND object_id = ${objectId} ORDER BY at, ${insertionOrder(this.ctx.db)}`,
    );
  }
}

function invalid(issues: { path: string; message: string }[]) {
  return {
    error: {
      code: 'validation_failed',
      message: `Invalid request: ${[...new Set(issues.map((i) => i.path))].slice(0, 5).join(', ')}`,
      requestId: expect.any(String),
      details: { issues },
    },
  };
}

function envelope(code: string, message: string, details?: unknown) {
  return { error: { code, message, requestId: expect.any(String), ...(details === undefined ? {} : { details }) } };
}

let s: TestServer;
let fx: Fixture;
let owner: string;

beforeAll(async () => {
  s = await startTestServer();
  fx = new Fixture(s);
  await fx.connector('crm');
  await fx.connector('mailer');
  owner = await s.adminToken({ role: 'owner' });
});
afterAll(() => s.close());

async function createFlow(body: unknown = DOCUMENTED_FLOW, token = owner) {
  const res = await s.request('POST', '/api/v1/flows', { token, body });
  expect(res.status).toBe(201);
  return res.body as { id: string; version: number; createdAt: string };
}

describe('POST /api/v1/flows', () => {
  it('accepts the docs/http-api.md example as written and stores it as version 1', async () => {
    const now = nowIso(s.app.ctx);
    const res = await s.request('POST', '/api/v1/flows', { token: owner, body: DOCUMENTED_FLOW });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^flow_[a-z0-9]{26}$/),
      name: 'Push new contacts to Demo CRM',
      description: null,
      icon: null,
      version: 1,
      definition: DOCUMENTED_DEFINITION,
      createdAt: now,
      updatedAt: now,
    });
    const id = res.body.id as string;
    expect((await s.request('GET', `/api/v1/flows/${id}`, { token: owner })).body).toEqual(res.body);
    expect((await s.request('GET', `/api/v1/flows/${id}/versions/1`, { token: owner })).body).toEqual({
      flowId: id,
      version: 1,
      definition: DOCUMENTED_DEFINITION,
      createdAt: now,
    });
    expect(await fx.audit(id)).toEqual([
      { action: 'flow.created', actor_type: 'api_token', details: JSON.stringify({ name: DOCUMENTED_FLOW.name, version: 1 }) },
    ]);
  });

  it('fills defaults: a manual trigger, no slots, optional inputs', async () => {
    const res = await s.request('POST', '/api/v1/flows', {
      token: owner,
      body: {
        name: 'Minimal',
        description: 'Does nothing yet',
        icon: 'https://cdn.example.test/i.png',
        inputs: [{ key: 'note', type: 'text', label: 'Note' }],
        retry: { maxAttempts: 3, backoffSeconds: 60 },
      },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Minimal', description: 'Does nothing yet', icon: 'https://cdn.example.test/i.png' });
    expect(res.body.definition).toEqual({
      slots: [],
      inputs: [{ key: 'note', type: 'text', label: 'Note', required: false }],
      trigger: { type: 'manual' },
      steps: [],
      retry: { maxAttempts: 3, backoffSeconds: 60 },
    });
  });

  it('keeps the end-user log template of a new flow in its first version', async () => {
    const endUserLog = {
      overview: [{ status: '{{ status }}', numberOfRecords: '{{ steps.list.body.items | size }}' }],
      details: [{ entity: 'contact', status: 'success', numberOfRecords: '{{ steps.list.body.items | size }}' }],
      errors: [],
    };
    const res = await s.request('POST', '/api/v1/flows', { token: owner, body: { name: 'With a log', endUserLog } });
    expect(res.status, res.text).toBe(201);
    expect(res.body.definition.endUserLog).toEqual(endUserLog);
    const version = await s.request('GET', `/api/v1/flows/${res.body.id}/versions/1`, { token: owner });
    expect(version.body.definition.endUserLog).toEqual(endUserLog);
  });

  it('accepts a cron schedule, templated query/headers/forEach and a pre-filled vendor connector auth', async () => {
    const authId = await fx.connectorAuth('mailer');
    const body = {
      name: 'Nightly mail',
      slots: [
        { key: 'crm', connectorId: 'crm', label: 'CRM' },
        { key: 'mail', connectorId: 'mailer', label: 'Mailer', connectorAuthId: authId },
      ],
      inputs: [
        {
          key: 'list',
          type: 'select',
          label: 'List',
          remoteOptions: { slot: 'crm', path: '/lists?owner={{embed.user_id}}', valueKey: 'id', labelKey: 'name' },
        },
      ],
      trigger: { type: 'schedule', cron: '30 2 * * mon-fri' },
      steps: [
        {
          id: 'fetch',
          type: 'http',
          slot: 'crm',
          method: 'GET',
          path: '/lists/{{ inputs.list }}/contacts',
          query: { since: '{{ run.startedAt }}' },
        },
        {
          id: 'send',
          type: 'http',
          slot: 'mail',
          method: 'POST',
          path: '/send',
          headers: { 'X-Idempotency-Key': '{{ run.id }}-{{ index }}' },
          forEach: '{{ steps.fetch.body.items }}',
          body: { to: '{{ item.email }}', lines: ['Hi {{ item.name | default: "there" }}'] },
        },
      ],
    };
    const res = await s.request('POST', '/api/v1/flows', { token: owner, body });
    expect(res.status).toBe(201);
    expect(res.body.definition).toEqual({
      slots: body.slots,
      inputs: [{ ...body.inputs[0], required: false }],
      trigger: body.trigger,
      steps: body.steps,
    });
  });

  const cases: [string, Record<string, unknown>, { path: string; message: string }[]][] = [
    [
      'duplicate slot keys',
      {
        slots: [
          { key: 'crm', connectorId: 'crm', label: 'A' },
          { key: 'crm', connectorId: 'mailer', label: 'B' },
        ],
      },
      [{ path: 'body.slots.1.key', message: 'duplicate key "crm"' }],
    ],
    [
      'a step referring to an unknown slot',
      { steps: [{ ...DOCUMENTED_FLOW.steps[0], slot: 'hubspot' }] },
      [{ path: 'body.steps.0.slot', message: 'unknown slot "hubspot"' }],
    ],
    [
      'a select without options',
      { inputs: [{ key: 'list', type: 'select', label: 'List' }] },
      [{ path: 'body.inputs.0.options', message: 'a select needs options or remoteOptions' }],
    ],
    [
      'a select with an empty option list',
      { inputs: [{ key: 'list', type: 'select', label: 'List', options: [] }] },
      [{ path: 'body.inputs.0.options', message: 'Too small: expected array to have >=1 items' }],
    ],
    [
      'a cron value out of range',
      { trigger: { type: 'schedule', cron: '61 * * * *' } },
      [{ path: 'body.trigger.cron', message: 'minute: "61" is outside 0-59' }],
    ],
    [
      'a cron expression with the wrong number of fields',
      { trigger: { type: 'schedule', cron: 'every hour' } },
      [{ path: 'body.trigger.cron', message: 'must be a five-field cron expression (minute hour day-of-month month day-of-week)' }],
    ],
    [
      'a schedule with neither interval nor cron',
      { trigger: { type: 'schedule' } },
      [{ path: 'body.trigger', message: 'give exactly one of everyMinutes or cron' }],
    ],
    [
      'an absolute URL as a step path',
      { steps: [{ ...DOCUMENTED_FLOW.steps[0], path: 'https://evil.example/steal' }] },
      [{ path: 'body.steps.0.path', message: 'must be a path under the connector base URL, starting with a single "/"' }],
    ],
    [
      'a protocol-relative step path',
      { steps: [{ ...DOCUMENTED_FLOW.steps[0], path: '//evil.example/steal' }] },
      [{ path: 'body.steps.0.path', message: 'must be a path under the connector base URL, starting with a single "/"' }],
    ],
    [
      'a step path with a backslash',
      { steps: [{ ...DOCUMENTED_FLOW.steps[0], path: '/a\\b' }] },
      [{ path: 'body.steps.0.path', message: 'must not contain a backslash or control characters' }],
    ],
    [
      'a step path that is all template',
      { steps: [{ ...DOCUMENTED_FLOW.steps[0], path: '{{ inputs.url }}' }] },
      [{ path: 'body.steps.0.path', message: 'must be a path under the connector base URL, starting with a single "/"' }],
    ],
  ];
  it.each(cases)('refuses %s, naming the field', async (_name, overrides, issues) => {
    const res = await s.request('POST', '/api/v1/flows', { token: owner, body: { ...DOCUMENTED_FLOW, ...overrides } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(invalid(issues));
  });

  it('refuses a step body nested too deeply (before anything walks it)', async () => {
    const deep = `${'['.repeat(50_000)}"x"${']'.repeat(50_000)}`;
    const rawBody = JSON.stringify({ ...DOCUMENTED_FLOW, steps: [{ ...DOCUMENTED_FLOW.steps[0], body: 'DEEP' }] }).replace('"DEEP"', deep);
    const res = await s.request('POST', '/api/v1/flows', { token: owner, rawBody });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(invalid([{ path: 'body.steps.0.body', message: 'must not nest deeper than 32 levels' }]));
  });

  it('refuses a Liquid syntax error, naming the string that holds it', async () => {
    const steps = [{ ...DOCUMENTED_FLOW.steps[0], body: { list: '{{ inputs.list ', owner: '{{ embed.user_id }}' } }];
    const res = await s.request('POST', '/api/v1/flows', { token: owner, body: { ...DOCUMENTED_FLOW, steps } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      invalid([{ path: 'body.steps.0.body.list', message: 'Liquid: output "{{ inputs.list " not closed, line:1, col:1' }]),
    );
  });

  it('refuses unknown filters and file tags in templates', async () => {
    const steps = [
      {
        ...DOCUMENTED_FLOW.steps[0],
        query: { q: '{{ inputs.list | shell }}' },
        body: { owner: '{% include "/etc/passwd" %}' },
      },
    ];
    const res = await s.request('POST', '/api/v1/flows', { token: owner, body: { ...DOCUMENTED_FLOW, steps } });
    expect(res.body).toEqual(
      invalid([
        { path: 'body.steps.0.query.q', message: 'Liquid: undefined filter: shell, line:1, col:1' },
        { path: 'body.steps.0.body.owner', message: 'Liquid: the "include" tag is not allowed in flows, line:1, col:1' },
      ]),
    );
  });

  it('refuses an unknown connector and connector auths that are unknown or of another connector', async () => {
    const mailerAuth = await fx.connectorAuth('mailer');
    const slots = [
      { key: 'crm', connectorId: 'nope', label: 'A' },
      { key: 'b', connectorId: 'crm', label: 'B', connectorAuthId: 'ca_0000000000aaaaaaaaaa' },
      { key: 'c', connectorId: 'crm', label: 'C', connectorAuthId: mailerAuth },
    ];
    const res = await s.request('POST', '/api/v1/flows', { token: owner, body: { ...DOCUMENTED_FLOW, slots } });
    expect(res.status).toBe(400);
    expect(res.body).toEqual(
      invalid([
        { path: 'body.slots.0.connectorId', message: 'unknown connector "nope"' },
        { path: 'body.slots.1.connectorAuthId', message: 'unknown connector auth "ca_0000000000aaaaaaaaaa"' },
        { path: 'body.slots.2.connectorAuthId', message: `connector auth "${mailerAuth}" belongs to connector "mailer", not "crm"` },
      ]),
    );
  });

  it('refuses unknown fields and a missing name', async () => {
    const res = await s.request('POST', '/api/v1/flows', { token: owner, body: { steps: [], version: 3 } });
    expect(res.body).toEqual(
      invalid([
        { path: 'body.name', message: 'Invalid input: expected string, received undefined' },
        { path: 'body', message: 'unknown field(s): version' },
      ]),
    );
  });

  it('stores nothing when refused', async () => {
    const before = (await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM flows`))?.n;
    await s.request('POST', '/api/v1/flows', {
      token: owner,
      body: { ...DOCUMENTED_FLOW, slots: [{ key: 'crm', connectorId: 'nope', label: 'x' }] },
    });
    expect((await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM flows`))?.n).toBe(before);
  });
});

describe('PATCH /api/v1/flows/{id}', () => {
  it('changes metadata only and leaves the version alone', async () => {
    const flow = await createFlow({ ...DOCUMENTED_FLOW, description: 'old', icon: 'https://cdn.example.test/a.png' });
    s.clock.advance(60);
    const res = await s.request('PATCH', `/api/v1/flows/${flow.id}`, {
      token: owner,
      body: { name: 'Renamed', description: null, icon: 'https://cdn.example.test/b.png' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: flow.id,
      name: 'Renamed',
      description: null,
      icon: 'https://cdn.example.test/b.png',
      version: 1,
      definition: DOCUMENTED_DEFINITION,
      createdAt: flow.createdAt,
      updatedAt: nowIso(s.app.ctx),
    });
    expect((await fx.audit(flow.id)).map((a) => [a.action, JSON.parse(a.details)])).toEqual([
      ['flow.created', { name: DOCUMENTED_FLOW.name, version: 1 }],
      ['flow.updated', { fields: ['name', 'description', 'icon'] }],
    ]);
  });

  it('refuses definition fields (a definition change is a new version)', async () => {
    const flow = await createFlow();
    const res = await s.request('PATCH', `/api/v1/flows/${flow.id}`, { token: owner, body: { steps: [] } });
    expect(res.body).toEqual(invalid([{ path: 'body', message: 'unknown field(s): steps' }]));
  });

  it('answers 404 for an unknown flow', async () => {
    const res = await s.request('PATCH', '/api/v1/flows/flow_0000000000zzzzzzzzzz', { token: owner, body: { name: 'x' } });
    expect(res.status).toBe(404);
    expect(res.body).toEqual(envelope('not_found', 'Flow "flow_0000000000zzzzzzzzzz" not found'));
  });
});

describe('versions', () => {
  it('increments the version, makes it current and keeps every stored definition', async () => {
    const flow = await createFlow();
    s.clock.advance(10);
    const v2def = definitionWith({ trigger: { type: 'webhook' } });
    const v2 = await s.request('POST', `/api/v1/flows/${flow.id}/versions`, { token: owner, body: { definition: v2def } });
    expect(v2.status).toBe(201);
    const v2at = nowIso(s.app.ctx);
    expect(v2.body).toEqual({ flowId: flow.id, version: 2, definition: v2def, createdAt: v2at, movedIntegrations: 0 });
    s.clock.advance(10);
    const v3def = definitionWith({ trigger: { type: 'manual' }, inputs: [] });
    const v3 = await s.request('POST', `/api/v1/flows/${flow.id}/versions`, { token: owner, body: { definition: v3def } });
    expect(v3.body).toMatchObject({ version: 3 });
    const v3at = nowIso(s.app.ctx);

    expect((await s.request('GET', `/api/v1/flows/${flow.id}`, { token: owner })).body).toEqual({
      id: flow.id,
      name: DOCUMENTED_FLOW.name,
      description: null,
      icon: null,
      version: 3,
      definition: v3def,
      createdAt: flow.createdAt,
      updatedAt: v3at,
    });
    expect((await s.request('GET', `/api/v1/flows/${flow.id}/versions/2`, { token: owner })).body).toEqual({
      flowId: flow.id,
      version: 2,
      definition: v2def,
      createdAt: v2at,
    });
    expect((await s.request('GET', `/api/v1/flows/${flow.id}/versions`, { token: owner })).body).toEqual({
      items: [
        { flowId: flow.id, version: 3, definition: v3def, createdAt: v3at },
        { flowId: flow.id, version: 2, definition: v2def, createdAt: v2at },
        { flowId: flow.id, version: 1, definition: DOCUMENTED_DEFINITION, createdAt: flow.createdAt },
      ],
      nextCursor: null,
    });
    expect((await fx.audit(flow.id)).map((a) => [a.action, JSON.parse(a.details)])).toEqual([
      ['flow.created', { name: DOCUMENTED_FLOW.name, version: 1 }],
      ['flow.version_created', { version: 2, pushToIntegrations: false, movedIntegrations: 0 }],
      ['flow.version_created', { version: 3, pushToIntegrations: false, movedIntegrations: 0 }],
    ]);
  });

  it('pages the version list with a cursor', async () => {
    const flow = await createFlow();
    for (let i = 0; i < 2; i++) {
      await s.request('POST', `/api/v1/flows/${flow.id}/versions`, { token: owner, body: { definition: DOCUMENTED_DEFINITION } });
    }
    const first = await s.request('GET', `/api/v1/flows/${flow.id}/versions?limit=2`, { token: owner });
    expect(first.body.items.map((v: { version: number }) => v.version)).toEqual([3, 2]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await s.request('GET', `/api/v1/flows/${flow.id}/versions?limit=2&cursor=${first.body.nextCursor}`, { token: owner });
    expect(second.body).toEqual({ items: [expect.objectContaining({ version: 1 })], nextCursor: null });
    const bad = await s.request('GET', `/api/v1/flows/${flow.id}/versions?cursor=nonsense`, { token: owner });
    expect(bad.status).toBe(400);
    expect(bad.body).toEqual(
      envelope('bad_request', 'The cursor is malformed; pass back `nextCursor` as given', {
        issues: [{ path: 'query.cursor', message: 'malformed cursor' }],
      }),
    );
  });

  it('answers 404 for an unknown version and 400 for a malformed one', async () => {
    const flow = await createFlow();
    const missing = await s.request('GET', `/api/v1/flows/${flow.id}/versions/9`, { token: owner });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(envelope('not_found', `Version 9 of flow "${flow.id}" not found`));
    const malformed = await s.request('GET', `/api/v1/flows/${flow.id}/versions/latest`, { token: owner });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.details.issues).toEqual([
      { path: 'params.version', message: 'Invalid input: expected number, received NaN' },
    ]);
    const unknownFlow = await s.request('GET', '/api/v1/flows/flow_0000000000zzzzzzzzzz/versions/1', { token: owner });
    expect(unknownFlow.body).toEqual(envelope('not_found', 'Flow "flow_0000000000zzzzzzzzzz" not found'));
  });

  it('reports definition errors under body.definition', async () => {
    const flow = await createFlow();
    const dup = await s.request('POST', `/api/v1/flows/${flow.id}/versions`, {
      token: owner,
      body: { definition: definitionWith({ steps: [DOCUMENTED_FLOW.steps[0], DOCUMENTED_FLOW.steps[0]] }) },
    });
    expect(dup.body).toEqual(invalid([{ path: 'body.definition.steps.1.id', message: 'duplicate id "push"' }]));
    const liquid = await s.request('POST', `/api/v1/flows/${flow.id}/versions`, {
      token: owner,
      body: { definition: definitionWith({ steps: [{ ...DOCUMENTED_FLOW.steps[0], body: { owner: '{{ inputs.list ' } }] }) },
    });
    expect(liquid.body).toEqual(
      invalid([{ path: 'body.definition.steps.0.body.owner', message: 'Liquid: output "{{ inputs.list " not closed, line:1, col:1' }]),
    );
    const connector = await s.request('POST', `/api/v1/flows/${flow.id}/versions`, {
      token: owner,
      body: { definition: definitionWith({ slots: [{ key: 'crm', connectorId: 'gone', label: 'x' }] }) },
    });
    expect(connector.body).toEqual(invalid([{ path: 'body.definition.slots.0.connectorId', message: 'unknown connector "gone"' }]));
    const missing = await s.request('POST', `/api/v1/flows/${flow.id}/versions`, { token: owner, body: {} });
    expect(missing.body).toEqual(invalid([{ path: 'body.definition', message: 'Invalid input: expected object, received undefined' }]));
    expect((await s.request('GET', `/api/v1/flows/${flow.id}`, { token: owner })).body.version).toBe(1);
  });

  it('pushes the new version to every integration of the flow in the same write', async () => {
    const flow = await createFlow();
    const other = await createFlow();
    await fx.integration(flow.id);
    await fx.integration(flow.id);
    await fx.integration(other.id);
    const unpushed = await s.request('POST', `/api/v1/flows/${flow.id}/versions`, {
      token: owner,
      body: { definition: DOCUMENTED_DEFINITION },
    });
    expect(unpushed.body).toMatchObject({ version: 2, movedIntegrations: 0 });
    expect(await fx.integrationVersions(flow.id)).toEqual([1, 1]);

    const pushed = await s.request('POST', `/api/v1/flows/${flow.id}/versions`, {
      token: owner,
      body: { definition: DOCUMENTED_DEFINITION, pushToIntegrations: true },
    });
    expect(pushed.status).toBe(201);
    expect(pushed.body).toEqual({
      flowId: flow.id,
      version: 3,
      definition: DOCUMENTED_DEFINITION,
      createdAt: nowIso(s.app.ctx),
      movedIntegrations: 2,
    });
    expect(await fx.integrationVersions(flow.id)).toEqual([3, 3]);
    expect(await fx.integrationVersions(other.id)).toEqual([1]);
    expect(JSON.parse((await fx.audit(flow.id)).at(-1)?.details ?? '{}')).toEqual({
      version: 3,
      pushToIntegrations: true,
      movedIntegrations: 2,
    });
  });
});

describe('DELETE /api/v1/flows/{id}', () => {
  it('answers 409 in_use listing the integrations and groups that use the flow', async () => {
    const flow = await createFlow();
    const integration = await fx.integration(flow.id);
    const configId = await fx.config();
    const groupId = await fx.group(configId, [flow.id], 'Sales');
    const res = await s.request('DELETE', `/api/v1/flows/${flow.id}`, { token: owner });
    expect(res.status).toBe(409);
    expect(res.body).toEqual(
      envelope('in_use', `Flow "${flow.id}" is used by 1 integration(s) and 1 configuration group(s); remove them first`, {
        integrations: [{ id: integration.id, configId: integration.configId }],
        integrationCount: 1,
        groups: [{ id: groupId, configId, name: 'Sales' }],
      }),
    );
    expect((await s.request('GET', `/api/v1/flows/${flow.id}`, { token: owner })).status).toBe(200);
  });

  it('deletes an unused flow with its versions', async () => {
    const flow = await createFlow();
    await s.request('POST', `/api/v1/flows/${flow.id}/versions`, { token: owner, body: { definition: DOCUMENTED_DEFINITION } });
    const res = await s.request('DELETE', `/api/v1/flows/${flow.id}`, { token: owner });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect((await s.request('GET', `/api/v1/flows/${flow.id}`, { token: owner })).status).toBe(404);
    expect((await s.app.ctx.db.get<{ n: number }>(sql`SELECT count(*) AS n FROM flow_versions WHERE flow_id = ${flow.id}`))?.n).toBe(0);
    expect((await fx.audit(flow.id)).map((a) => [a.action, JSON.parse(a.details)]).at(-1)).toEqual([
      'flow.deleted',
      { name: DOCUMENTED_FLOW.name, version: 2 },
    ]);
    const again = await s.request('DELETE', `/api/v1/flows/${flow.id}`, { token: owner });
    expect(again.body).toEqual(envelope('not_found', `Flow "${flow.id}" not found`));
  });
});

describe('protection', () => {
  const routes: [string, string][] = [
    ['POST', '/api/v1/flows'],
    ['GET', '/api/v1/flows'],
    ['GET', '/api/v1/flows/flow_0000000000aaaaaaaaaa'],
    ['PATCH', '/api/v1/flows/flow_0000000000aaaaaaaaaa'],
    ['DELETE', '/api/v1/flows/flow_0000000000aaaaaaaaaa'],
    ['POST', '/api/v1/flows/flow_0000000000aaaaaaaaaa/versions'],
    ['GET', '/api/v1/flows/flow_0000000000aaaaaaaaaa/versions'],
    ['GET', '/api/v1/flows/flow_0000000000aaaaaaaaaa/versions/1'],
  ];
  it.each(routes)('%s %s needs an API token', async (method, path) => {
    const res = await s.request(method, path, { body: method === 'GET' || method === 'DELETE' ? undefined : {} });
    expect(res.status).toBe(401);
    expect(res.body).toEqual(envelope('unauthorized', 'Send an API token as `Authorization: Bearer pb_…`'));
  });

  it('a read-only token cannot write', async () => {
    const reader = await s.adminToken({ role: 'owner', scopes: ['read'] });
    const res = await s.request('POST', '/api/v1/flows', { token: reader, body: DOCUMENTED_FLOW });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(envelope('insufficient_scope', 'This API token lacks the "write" scope'));
  });
});

describe('listing and member permissions', () => {
  let t: TestServer;
  let tfx: Fixture;
  let admin: string;
  let inGroup: { id: string };
  let outside: { id: string };
  let groupId: string;

  beforeAll(async () => {
    t = await startTestServer();
    tfx = new Fixture(t);
    await tfx.connector('crm');
    admin = await t.adminToken({ role: 'admin' });
    const make = async (name: string) => {
      t.clock.advance(1);
      const res = await t.request('POST', '/api/v1/flows', { token: admin, body: { ...DOCUMENTED_FLOW, name } });
      return res.body as { id: string };
    };
    inGroup = await make('In group');
    outside = await make('Outside');
    await make('Third');
    groupId = await tfx.group(await tfx.config(), [inGroup.id]);
  });
  afterAll(() => t.close());

  it('lists every flow for owners and admins, newest first, with cursor pagination', async () => {
    const first = await t.request('GET', '/api/v1/flows?limit=2', { token: admin });
    expect(first.status).toBe(200);
    expect(first.body.items.map((f: { name: string }) => f.name)).toEqual(['Third', 'Outside']);
    expect(first.body.items[0]).toEqual({
      id: expect.stringMatching(/^flow_/),
      name: 'Third',
      description: null,
      icon: null,
      version: 1,
      definition: DOCUMENTED_DEFINITION,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const second = await t.request('GET', `/api/v1/flows?limit=2&cursor=${first.body.nextCursor}`, { token: admin });
    expect(second.body).toEqual({ items: [expect.objectContaining({ id: inGroup.id, name: 'In group' })], nextCursor: null });
  });

  it('members cannot create flows', async () => {
    const member = await t.adminToken({ role: 'member', groups: [{ groupId, view: true, manage: true }] });
    const res = await t.request('POST', '/api/v1/flows', { token: member, body: DOCUMENTED_FLOW });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(envelope('forbidden', 'Only owners and admins can create flows'));
  });

  it('members see only flows in groups where they hold view', async () => {
    const viewer = await t.adminToken({ role: 'member', groups: [{ groupId, view: true }] });
    const list = await t.request('GET', '/api/v1/flows', { token: viewer });
    expect(list.body).toEqual({ items: [expect.objectContaining({ id: inGroup.id })], nextCursor: null });
    expect((await t.request('GET', `/api/v1/flows/${inGroup.id}`, { token: viewer })).status).toBe(200);
    expect((await t.request('GET', `/api/v1/flows/${inGroup.id}/versions/1`, { token: viewer })).status).toBe(200);
    for (const path of [`/api/v1/flows/${outside.id}`, `/api/v1/flows/${outside.id}/versions`, `/api/v1/flows/${outside.id}/versions/1`]) {
      const res = await t.request('GET', path, { token: viewer });
      expect(res.status).toBe(404);
      expect(res.body).toEqual(envelope('not_found', `Flow "${outside.id}" not found`));
    }
    const none = await t.adminToken({ role: 'member' });
    expect((await t.request('GET', '/api/v1/flows', { token: none })).body).toEqual({ items: [], nextCursor: null });
    const otherGroup = await tfx.group(await tfx.config(), [outside.id], 'Other');
    const elsewhere = await t.adminToken({ role: 'member', groups: [{ groupId: otherGroup, view: true, run: true, manage: true }] });
    expect((await t.request('GET', `/api/v1/flows/${inGroup.id}`, { token: elsewhere })).status).toBe(404);
    expect((await t.request('GET', '/api/v1/flows', { token: elsewhere })).body.items.map((f: { id: string }) => f.id)).toEqual([
      outside.id,
    ]);
  });

  it('a view-only member cannot change a flow; 404 for flows outside the groups', async () => {
    const viewer = await t.adminToken({ role: 'member', groups: [{ groupId, view: true, run: true }] });
    const patch = await t.request('PATCH', `/api/v1/flows/${inGroup.id}`, { token: viewer, body: { name: 'Nope' } });
    expect(patch.status).toBe(403);
    expect(patch.body).toEqual(envelope('forbidden', 'You lack the "manage" permission on this object\'s group'));
    const version = await t.request('POST', `/api/v1/flows/${inGroup.id}/versions`, {
      token: viewer,
      body: { definition: DOCUMENTED_DEFINITION },
    });
    expect(version.status).toBe(403);
    const hidden = await t.request('PATCH', `/api/v1/flows/${outside.id}`, { token: viewer, body: { name: 'Nope' } });
    expect(hidden.body).toEqual(envelope('not_found', `Flow "${outside.id}" not found`));
    const hiddenDelete = await t.request('DELETE', `/api/v1/flows/${outside.id}`, { token: viewer });
    expect(hiddenDelete.status).toBe(404);
    expect((await t.request('GET', `/api/v1/flows/${inGroup.id}`, { token: admin })).body.name).toBe('In group');
  });

  it('a member with manage may change metadata and publish versions but not delete', async () => {
    const manager = await t.adminToken({ role: 'member', groups: [{ groupId, view: true, manage: true }] });
    const patch = await t.request('PATCH', `/api/v1/flows/${inGroup.id}`, { token: manager, body: { description: 'Managed' } });
    expect(patch.status).toBe(200);
    expect(patch.body).toMatchObject({ id: inGroup.id, description: 'Managed' });
    const version = await t.request('POST', `/api/v1/flows/${inGroup.id}/versions`, {
      token: manager,
      body: { definition: DOCUMENTED_DEFINITION },
    });
    expect(version.status).toBe(201);
    expect(version.body).toMatchObject({ version: 2, movedIntegrations: 0 });
    const del = await t.request('DELETE', `/api/v1/flows/${inGroup.id}`, { token: manager });
    expect(del.status).toBe(403);
    expect(del.body).toEqual(envelope('forbidden', 'Only owners and admins can delete flows'));
    const outsidePatch = await t.request('PATCH', `/api/v1/flows/${outside.id}`, { token: manager, body: { name: 'x' } });
    expect(outsidePatch.status).toBe(404);
  });
});

/**
 * The contract every `/api/v1` route keeps, checked over `allRoutes()` so routes added later are
 * covered without touching this file: no token → 401; a token without the route's scope → 403;
 * an unknown id → 404; a malformed body → 400 naming `body…` fields; and a member without the
 * group permission can neither see nor change the group's objects.
 */
import type { ApiTokenScope } from '@patchbay/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { newId } from '../crypto/tokens.ts';
import type { RouteDef } from '../http/route.ts';
import { insertRun, seedTwoGroups, type TwoGroupWorld } from '../testing/domainFixtures.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { allRoutes } from './index.ts';

const s: TestServer = await startTestServer();
afterAll(() => s.close());

const ALL_SCOPES: readonly ApiTokenScope[] = ['read', 'write', 'run'];
// A `method: 'all'` route (the proxy) is checked once for each method it is documented with.
const ALL_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
const routes = allRoutes(s.app.ctx)
  .filter((r) => r.path.startsWith('/api/v1') && r.auth === 'apiToken')
  .flatMap((r): RouteDef[] => (r.method === 'all' ? ALL_METHODS.map((method) => ({ ...r, method })) : [r]));
const key = (r: RouteDef) => `${r.method.toUpperCase()} ${r.path}`;
// fetch upper-cases only some methods; a lower-case `patch` would be refused by Node's HTTP parser.
const verb = (r: RouteDef) => r.method.toUpperCase();
const neededScope = (r: RouteDef): ApiTokenScope => r.scope ?? (r.method === 'get' ? 'read' : 'write');
const paramNames = (r: RouteDef) => [...r.path.matchAll(/\{(\w+)\+?\}/g)].map((m) => m[1] as string);
/** A `{rest+}` wildcard tail: Express hands it over as segments, so any plain segment fills it. */
const isWildcard = (r: RouteDef, name: string) => r.path.includes(`{${name}+}`);
const withParams = routes.filter((r) => paramNames(r).length > 0);
const withBody = routes.filter((r) => r.body !== undefined);

/** Object kinds that belong to a group (directly or through their configuration or flow). */
type GroupKind = 'cfg' | 'flow' | 'int' | 'ca' | 'run';
const GROUP_KINDS = new Set<string>(['cfg', 'flow', 'int', 'ca', 'run']);
const KIND_BY_PARAM: Record<string, string> = {
  configId: 'cfg',
  flowId: 'flow',
  integrationId: 'int',
  connectorAuthId: 'ca',
  runId: 'run',
  adminUserId: 'adm',
  tokenId: 'tok',
  groupId: 'grp',
};
const KIND_BY_COLLECTION: Record<string, string> = {
  'embed-configs': 'cfg',
  flows: 'flow',
  integrations: 'int',
  'connector-auths': 'ca',
  runs: 'run',
  'admin-users': 'adm',
  'api-tokens': 'tok',
  connectors: 'connector',
};

function paramSchema(r: RouteDef, name: string): z.ZodType | undefined {
  const shape = (r.params as z.ZodObject | undefined)?.shape as Record<string, z.ZodType> | undefined;
  return shape?.[name];
}

/** The prefix a `prefixedIdSchema` param demands, read from its regex (`^cfg_[a-z0-9]…`). */
function schemaPrefix(schema: z.ZodType | undefined): string | undefined {
  const patterns = (schema as { _zod?: { bag?: { patterns?: Set<RegExp> } } } | undefined)?._zod?.bag?.patterns;
  for (const p of patterns ?? []) {
    const m = /^\^([a-z]+)_/.exec(p.source);
    if (m) return m[1];
  }
  return undefined;
}

/** What kind of object a path parameter names: from its schema, else its name, else its collection. */
function kindOf(r: RouteDef, name: string): string | undefined {
  const fromSchema = schemaPrefix(paramSchema(r, name));
  if (fromSchema) return fromSchema;
  if (KIND_BY_PARAM[name]) return KIND_BY_PARAM[name];
  if (name === 'id') {
    const segments = r.path.split('/');
    return KIND_BY_COLLECTION[segments[segments.indexOf('{id}') - 1] ?? ''];
  }
  if (name === 'connectorId') return 'connector';
  return undefined;
}

/** A well-formed value for a parameter that names nothing that exists. */
function unknownValue(r: RouteDef, name: string): string {
  if (isWildcard(r, name)) return 'contract-path';
  const kind = kindOf(r, name);
  const candidates = [
    kind && kind !== 'connector' ? newId(kind) : undefined,
    kind === 'connector' ? 'nope-connector' : undefined,
    name === 'version' ? '999' : undefined,
    name === 'kid' ? 'nope' : undefined,
    'nope',
    'nope-connector',
    '999',
  ].filter((c): c is string => c !== undefined);
  const schema = paramSchema(r, name);
  const ok = candidates.find((c) => !schema || schema.safeParse(c).success);
  if (!ok) throw new Error(`${key(r)}: teach apiContract.test.ts a well-formed unknown value for {${name}}`);
  return ok;
}

/** The route's path with each parameter filled by `value` (or an unknown well-formed value). */
function pathOf(r: RouteDef, value: (name: string, kind: string | undefined) => string | undefined = () => undefined): string {
  return r.path.replace(/\{(\w+)\+?\}/g, (_m, name: string) => encodeURIComponent(value(name, kindOf(r, name)) ?? unknownValue(r, name)));
}

/**
 * Valid bodies for routes whose body has required fields, so a request reaches the handler (and
 * its 404 or permission check) instead of stopping at validation. Each is checked against the
 * route's schema first; a route without one here is tried with `{}`.
 */
const EXAMPLE_BODIES: Record<string, unknown> = {
  'PUT /api/v1/admin-users/{id}/permissions': { permissions: [] },
  'POST /api/v1/embed-configs/{id}/keys': { type: 'accountSecret', accountId: 'acct-contract' },
  'POST /api/v1/flows/{id}/versions': { definition: { slots: [], inputs: [], trigger: { type: 'manual' }, steps: [] } },
  'PUT /api/v1/flows/{id}': { name: 'Contract flow' },
};

function validBody(r: RouteDef): unknown {
  if (!r.body) return undefined;
  const example = EXAMPLE_BODIES[key(r)];
  for (const candidate of example === undefined ? [{}] : [example, {}]) {
    if (r.body.safeParse(candidate).success) return candidate;
  }
  throw new Error(`${key(r)}: add a valid example body to EXAMPLE_BODIES in apiContract.test.ts`);
}

let owner: string;
const lacking = new Map<ApiTokenScope, string>();
beforeAll(async () => {
  owner = await s.adminToken();
  for (const scope of ALL_SCOPES) lacking.set(scope, await s.adminToken({ scopes: ALL_SCOPES.filter((x) => x !== scope) }));
});

const envelope = (code: string, message: unknown, requestId: string | null) => ({ error: { code, message, requestId } });

it('sees the routes of this area (guards against an empty route list)', () => {
  expect(routes.map(key)).toEqual(
    expect.arrayContaining([
      'GET /api/v1/integrations',
      'GET /api/v1/integrations/{id}',
      'POST /api/v1/integrations/{id}/disable',
      'POST /api/v1/integrations/{id}/enable',
      'GET /api/v1/connector-auths',
      'GET /api/v1/connector-auths/{id}',
      'GET /api/v1/audit-events',
      'GET /api/v1/admin-users',
      'GET /api/v1/admin-users/{id}',
      'POST /api/v1/admin-users',
      'PUT /api/v1/admin-users/{id}/permissions',
      'POST /api/v1/api-tokens',
      'GET /api/v1/api-tokens',
      'DELETE /api/v1/api-tokens/{id}',
      'GET /api/v1/proxy/{connectorAuthId}/{path+}',
      'POST /api/v1/proxy/{connectorAuthId}/{path+}',
    ]),
  );
  expect(withBody.map(key)).toEqual(expect.arrayContaining(['POST /api/v1/admin-users', 'POST /api/v1/api-tokens']));
  // Every vendor API route authenticates with an API token; none is accidentally public.
  expect(
    allRoutes(s.app.ctx)
      .filter((r) => r.path.startsWith('/api/v1') && r.auth !== 'apiToken')
      .map(key),
  ).toEqual([]);
});

describe.each(routes.map((r) => [key(r), r] as const))('%s', (_name, route) => {
  it('answers 401 unauthorized without a token, with a garbage token, and with an unknown well-shaped token', async () => {
    const path = pathOf(route);
    const none = await s.request(verb(route), path);
    expect(none.status).toBe(401);
    expect(none.body).toEqual(
      envelope('unauthorized', 'Send an API token as `Authorization: Bearer pb_…`', none.headers.get('x-request-id')),
    );
    const garbage = await s.request(verb(route), path, { token: 'garbage' });
    expect(garbage.status).toBe(401);
    expect(garbage.body).toEqual(envelope('unauthorized', 'The API token is not valid', garbage.headers.get('x-request-id')));
    const unknown = await s.request(verb(route), path, { token: `pb_${'A'.repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.body).toEqual(
      envelope('unauthorized', 'The API token is not valid, expired or revoked', unknown.headers.get('x-request-id')),
    );
  });

  it('answers 403 insufficient_scope to a token without the needed scope', async () => {
    const scope = neededScope(route);
    // Scopes are checked before the body is read, so no body is needed.
    const res = await s.request(verb(route), pathOf(route), { token: lacking.get(scope) as string });
    expect(res.status).toBe(403);
    expect(res.body).toEqual(envelope('insufficient_scope', `This API token lacks the "${scope}" scope`, res.headers.get('x-request-id')));
  });

  if (paramNames(route).length > 0) {
    it('answers 404 not_found for unknown well-formed ids', async () => {
      const res = await s.request(verb(route), pathOf(route), { token: owner, body: validBody(route) });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
      // a 404 from the route itself, not from "no such route"
      expect(res.body.error.message).not.toMatch(/^No route/);
    });
  }

  if (route.body !== undefined)
    it('answers 400 validation_failed naming body fields for malformed bodies', async () => {
      const path = pathOf(route);
      // (A bare JSON string or number never gets this far: the strict JSON parser answers 400 bad_request, checked below.)
      for (const body of [{ __unexpected: 1 }, []]) {
        const res = await s.request(verb(route), path, { token: owner, body });
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.code).toBe('validation_failed');
        const issues: { path: string; message: string }[] = res.body.error.details.issues;
        expect(issues.length).toBeGreaterThan(0);
        for (const issue of issues) expect(issue.path).toMatch(/^body(\.|$)/);
      }
      for (const rawBody of ['{"a":', '"text"', '42']) {
        const notJson = await s.request(verb(route), path, { token: owner, rawBody });
        expect(notJson.status, rawBody).toBe(400);
        expect(notJson.body).toEqual(envelope('bad_request', 'The request body is not valid JSON', notJson.headers.get('x-request-id')));
      }
    });
});

describe('members and group permissions, on every route', () => {
  // C holds G1 (F1) and G2 (F2); D is another configuration. The member may only view G1.
  let c: TwoGroupWorld;
  let d: TwoGroupWorld;
  let member: string;
  let ids: { visible: Record<GroupKind, string>; hiddenInD: Record<GroupKind, string>; hiddenInG2: Partial<Record<GroupKind, string>> };
  beforeAll(async () => {
    c = await seedTwoGroups(s.app.ctx);
    d = await seedTwoGroups(s.app.ctx);
    const run = (integrationId: string) => insertRun(s.app.ctx, integrationId);
    ids = {
      visible: {
        cfg: c.configId,
        flow: c.g1.flowId,
        int: c.g1.integrationId,
        ca: c.g1.connectorAuthId,
        run: await run(c.g1.integrationId),
      },
      hiddenInD: {
        cfg: d.configId,
        flow: d.g1.flowId,
        int: d.g1.integrationId,
        ca: d.g1.connectorAuthId,
        run: await run(d.g1.integrationId),
      },
      // Connector auths belong to a configuration, not a group, so C's auths are all visible.
      hiddenInG2: { flow: c.g2.flowId, int: c.g2.integrationId, run: await run(c.g2.integrationId) },
    };
    member = await s.adminToken({ role: 'member', groups: [{ groupId: c.g1.groupId, view: true }] });
  });

  const groupRoutes = () => withParams.filter((r) => paramNames(r).some((n) => GROUP_KINDS.has(kindOf(r, n) ?? '')));
  const fill = (r: RouteDef, objects: Partial<Record<GroupKind, string>>, world: () => TwoGroupWorld) =>
    pathOf(r, (name, kind) => {
      if (kind && kind in objects) return objects[kind as GroupKind];
      if (kind === 'connector') return world().connectorId;
      if (name === 'version') return '1';
      return undefined;
    });
  const usesOnly = (r: RouteDef, objects: Partial<Record<GroupKind, string>>) =>
    paramNames(r).some((n) => (kindOf(r, n) ?? '') in objects) &&
    paramNames(r).every((n) => !GROUP_KINDS.has(kindOf(r, n) ?? '') || (kindOf(r, n) ?? '') in objects);

  it('hides objects of groups the member may not view: 404 on every route, reads and writes', async () => {
    const checked: string[] = [];
    for (const [label, objects, world] of [
      ['other configuration', ids.hiddenInD, () => d],
      ['other group', ids.hiddenInG2, () => c],
    ] as const) {
      for (const r of groupRoutes().filter((x) => usesOnly(x, objects))) {
        const path = fill(r, objects, world);
        const res = await s.request(verb(r), path, { token: member, body: validBody(r) });
        expect(res.status, `${label}: ${key(r)} → ${path}`).toBe(404);
        expect(res.body.error.code).toBe('not_found');
        checked.push(key(r));
      }
    }
    expect(checked).toEqual(expect.arrayContaining(['GET /api/v1/integrations/{id}', 'POST /api/v1/integrations/{id}/disable']));
  });

  it('refuses changes to objects the member may only view: 403 forbidden on every write route', async () => {
    const writes = groupRoutes().filter((r) => r.method !== 'get' && usesOnly(r, ids.visible));
    expect(writes.map(key)).toEqual(expect.arrayContaining(['POST /api/v1/integrations/{id}/disable']));
    for (const r of writes) {
      const path = fill(r, ids.visible, () => c);
      const res = await s.request(verb(r), path, { token: member, body: validBody(r) });
      expect(res.status, `${key(r)} → ${path}`).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
  });

  it('lets the member read what it may view, and the owner read everything', async () => {
    // Only routes whose every parameter is a seeded group object: a kid or a version would be unknown.
    const reads = groupRoutes().filter((r) => r.method === 'get' && paramNames(r).every((n) => GROUP_KINDS.has(kindOf(r, n) ?? '')));
    expect(reads.map(key)).toEqual(expect.arrayContaining(['GET /api/v1/integrations/{id}', 'GET /api/v1/connector-auths/{id}']));
    for (const r of reads) {
      const visible = await s.request(
        'GET',
        fill(r, ids.visible, () => c),
        { token: member },
      );
      expect(visible.status, `member: ${key(r)}: ${visible.text}`).toBe(200);
      const hidden = await s.request(
        'GET',
        fill(r, ids.hiddenInD, () => d),
        { token: owner },
      );
      expect(hidden.status, `owner: ${key(r)}`).toBe(200);
    }
  });

  it('keeps hidden objects out of every list the member can read', async () => {
    const hidden = [...Object.values(ids.hiddenInD), ids.hiddenInG2.int, ids.hiddenInG2.run] as string[];
    const lists = routes.filter((r) => r.method === 'get' && paramNames(r).length === 0);
    for (const r of lists) {
      const res = await s.request('GET', r.path, { token: member });
      expect([200, 403], key(r)).toContain(res.status);
      for (const id of hidden) expect(res.text, `${key(r)} leaks ${id}`).not.toContain(id);
    }
    // The owner's lists do show them (so the check above can fail).
    const ownerList = await s.request('GET', '/api/v1/integrations?limit=200', { token: owner });
    expect(ownerList.text).toContain(ids.hiddenInD.int);
  });
});

describe('the member permission matrix of integrations and connector auths', () => {
  let w: TwoGroupWorld;
  let other: TwoGroupWorld;
  beforeAll(async () => {
    w = await seedTwoGroups(s.app.ctx);
    other = await seedTwoGroups(s.app.ctx);
  });
  const listIds = async (path: string, token: string) => {
    const res = await s.request('GET', `${path}?limit=200`, { token });
    expect(res.status).toBe(200);
    return res.body.items.map((i: { id: string }) => i.id) as string[];
  };

  it('a member with view on G1 lists only G1’s integrations and the auths of G1’s configuration', async () => {
    const viewer = await s.adminToken({ role: 'member', groups: [{ groupId: w.g1.groupId, view: true }] });
    expect(await listIds('/api/v1/integrations', viewer)).toEqual([w.g1.integrationId]);
    expect((await listIds('/api/v1/connector-auths', viewer)).sort()).toEqual([w.g2.connectorAuthId, w.g1.connectorAuthId].sort());
    expect((await s.request('GET', `/api/v1/integrations/${w.g1.integrationId}`, { token: viewer })).status).toBe(200);
    const g2 = await s.request('GET', `/api/v1/integrations/${w.g2.integrationId}`, { token: viewer });
    expect(g2.status).toBe(404);
    expect(g2.body.error).toMatchObject({ code: 'not_found', message: `Integration "${w.g2.integrationId}" not found` });
    expect((await s.request('GET', `/api/v1/connector-auths/${other.g1.connectorAuthId}`, { token: viewer })).status).toBe(404);
  });

  it('a member needs manage to disable: 403 with view only, 200 with manage, 404 for another group', async () => {
    const viewer = await s.adminToken({ role: 'member', groups: [{ groupId: w.g1.groupId, view: true, run: true }] });
    const manager = await s.adminToken({ role: 'member', groups: [{ groupId: w.g1.groupId, manage: true }] });
    const refused = await s.request('POST', `/api/v1/integrations/${w.g1.integrationId}/disable`, { token: viewer });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await s.request('GET', `/api/v1/integrations/${w.g1.integrationId}`, { token: owner })).body.status).toBe('enabled');
    expect((await s.request('POST', `/api/v1/integrations/${w.g2.integrationId}/disable`, { token: manager })).status).toBe(404);
    const ok = await s.request('POST', `/api/v1/integrations/${w.g1.integrationId}/disable`, { token: manager });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ status: 'disabled', disabledBy: 'admin' });
  });

  it('a member with no permissions sees nothing; the owner sees everything', async () => {
    const nobody = await s.adminToken({ role: 'member' });
    expect(await listIds('/api/v1/integrations', nobody)).toEqual([]);
    expect(await listIds('/api/v1/connector-auths', nobody)).toEqual([]);
    const all = await listIds('/api/v1/integrations', owner);
    expect(all).toEqual(expect.arrayContaining([w.g1.integrationId, w.g2.integrationId, other.g1.integrationId, other.g2.integrationId]));
    const auths = await listIds('/api/v1/connector-auths', owner);
    expect(auths).toEqual(expect.arrayContaining([w.g1.connectorAuthId, other.g2.connectorAuthId]));
  });
});

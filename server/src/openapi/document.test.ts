import * as shared from '@patchbay/shared';
import { compileErrors, validate } from '@readme/openapi-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { RouteDef } from '../http/route.ts';
import { allRoutes } from '../routes/index.ts';
import { startTestServer, type TestServer } from '../testing/harness.ts';
import { buildOpenApiDocument } from './document.ts';

type Json = Record<string, any>;
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** What a `method: 'all'` route is documented as. */
const ALL_METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Property names that must never appear in an answer: secrets that are only ever written, and stored forms. */
const SECRET_PROPERTY =
  /^(client_?secret|consumer_?secret|password|password_?hash|hash|token_?hash|access_?token|refresh_?token|credentials|private_?key|secret_?inputs|.*_enc|.*Enc)$/i;

/** Validates a document; `validate` dereferences in place, so it gets a copy. */
async function validated(doc: unknown) {
  const result = await validate(structuredClone(doc) as never);
  return { valid: result.valid, errors: result.valid ? '' : compileErrors(result), specification: result.specification };
}

/** Every `$ref` string anywhere in a value. */
function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

/** Every property name a schema can answer with, following `$ref`s into `components.schemas`. */
function propertyNames(schema: unknown, doc: Json, out = new Set<string>(), seen = new Set<string>()): Set<string> {
  if (Array.isArray(schema)) for (const s of schema) propertyNames(s, doc, out, seen);
  else if (schema && typeof schema === 'object') {
    const s = schema as Json;
    if (typeof s.$ref === 'string' && !seen.has(s.$ref)) {
      seen.add(s.$ref);
      propertyNames(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')], doc, out, seen);
    }
    for (const name of Object.keys(s.properties ?? {})) out.add(name);
    for (const key of ['properties', 'patternProperties', '$defs'])
      for (const v of Object.values(s[key] ?? {})) propertyNames(v, doc, out, seen);
    for (const key of ['items', 'prefixItems', 'additionalProperties', 'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else']) {
      propertyNames(s[key], doc, out, seen);
    }
  }
  return out;
}

/** `post /api/v1/x 201: clientSecret` for every secret-looking property any answer of a document can carry. */
function secretLeaks(doc: Json): string[] {
  const leaks: string[] = [];
  for (const op of operationsOf(doc)) {
    const [method, p] = op.split(' ') as [string, string];
    for (const [code, response] of Object.entries(doc.paths[p][method].responses as Json)) {
      for (const name of propertyNames(response.content?.['application/json']?.schema, doc)) {
        if (SECRET_PROPERTY.test(name)) leaks.push(`${op} ${code}: ${name}`);
      }
    }
  }
  return leaks;
}

/** `get /api/v1/x/{id}` for every operation of a document. */
function operationsOf(doc: Json): string[] {
  return Object.entries(doc.paths as Json).flatMap(([p, item]) => METHODS.filter((m) => m in item).map((m) => `${m} ${p}`));
}

describe('GET /api/v1/openapi.json', () => {
  let s: TestServer;
  let doc: Json;
  let documented: RouteDef[];

  beforeAll(async () => {
    s = await startTestServer();
    const res = await s.request('GET', '/api/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = res.body;
    // A `method: 'all'` route (the proxy) is documented once per method it answers.
    documented = allRoutes(s.app.ctx)
      .filter((r) => r.path.startsWith('/api/v1/') || r.path.startsWith('/embed/api/') || r.path.startsWith('/hooks/'))
      .flatMap((r) => (r.method === 'all' ? ALL_METHODS.map((method) => ({ ...r, method })) : [r]));
  });
  afterAll(() => s.close());

  it('passes the OpenAPI 3.1 validator', async () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(await validated(doc)).toEqual({ valid: true, errors: '', specification: 'OpenAPI' });
  });

  it('lists every /api/v1, /embed/api and /hooks route with its method, and nothing else', () => {
    expect(documented.length).toBeGreaterThan(0);
    const expected = documented.map((r) => `${r.method} ${r.path.replace(/\{(\w+)\+\}/g, '{$1}')}`);
    expect(new Set(expected).size).toBe(expected.length); // a route declared twice would hide one handler
    expect(operationsOf(doc).sort()).toEqual([...expected].sort());
  });

  it('documents each route’s authentication and its error envelope', () => {
    for (const r of documented) {
      const op = doc.paths[r.path.replace(/\{(\w+)\+\}/g, '{$1}')][r.method];
      const scheme = r.auth === 'none' ? [] : [{ [r.auth]: [] }];
      expect({ route: `${r.method} ${r.path}`, security: op.security }).toEqual({ route: `${r.method} ${r.path}`, security: scheme });
      const errorStatuses = Object.keys(op.responses).filter((code) => Number(code) >= 400);
      expect(errorStatuses).toContain('500');
      if (r.auth !== 'none') expect(errorStatuses).toContain('401');
      for (const code of errorStatuses) {
        expect(op.responses[code].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(['apiToken', 'embedSession']);
  });

  it('has the Error schema, and every $ref resolves inside components.schemas', () => {
    expect(doc.components.schemas.Error).toMatchObject({
      type: 'object',
      required: ['error'],
      properties: { error: { type: 'object', required: ['code', 'message'] } },
    });
    expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual([...shared.ERROR_CODES]);
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(0);
    const unresolved = refs.filter((ref) => {
      const match = /^#\/components\/schemas\/([A-Za-z0-9._-]+)$/.exec(ref);
      return !match || !((match[1] as string) in doc.components.schemas);
    });
    expect(unresolved).toEqual([]);
    expect(JSON.stringify(doc)).not.toContain('$defs');
  });

  it('names no secret-looking property in any response schema', () => {
    expect(secretLeaks(doc)).toEqual([]);
  });
});

describe('buildOpenApiDocument', () => {
  // Every shared schema as a body and as an answer, so a zod rendering quirk shows here before a route uses it.
  const schemas = (Object.entries(shared) as [string, unknown][]).filter((e): e is [string, z.ZodType] => e[1] instanceof z.ZodType);
  const routes = schemas.map(
    ([name, schema]) =>
      ({
        method: 'post',
        path: `/api/v1/samples/${name}/{id}`,
        summary: name,
        tags: ['samples'],
        auth: 'apiToken',
        params: z.object({ id: z.string().describe('The sample id') }),
        query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), status: z.enum(['a', 'b']).optional() }),
        ...(schema instanceof z.ZodObject ? { body: schema } : {}),
        response: schema,
        handler: () => undefined,
      }) as RouteDef,
  );
  const proxy = {
    method: 'get',
    path: '/api/v1/proxy/{connectorAuthId}/{path+}',
    summary: 'Proxy',
    tags: ['proxy'],
    auth: 'apiToken',
    params: z.object({ connectorAuthId: z.string(), path: z.array(z.string()) }),
    status: 204,
    handler: () => undefined,
  } as RouteDef;
  // A secret behind a named schema inside an array, which the leak scan has to follow.
  const planted = {
    method: 'get',
    path: '/api/v1/planted',
    summary: 'Planted leak',
    tags: ['samples'],
    auth: 'apiToken',
    response: z.object({ items: z.array(z.object({ id: z.string(), clientSecret: z.string() }).meta({ id: 'PlantedLeak' })) }),
    handler: () => undefined,
  } as RouteDef;
  const doc = buildOpenApiDocument([...routes, proxy, planted], { serverUrl: 'http://127.0.0.1:3000', version: '0.0.0' }) as Json;

  it('renders every shared schema into a valid document', async () => {
    expect(schemas.length).toBeGreaterThan(20);
    expect(await validated(doc)).toEqual({ valid: true, errors: '', specification: 'OpenAPI' });
    expect(operationsOf(doc)).toHaveLength(schemas.length + 2);
  });

  it('has a secret scan that finds secrets nested behind $refs and arrays', () => {
    expect(secretLeaks(doc)).toEqual(
      expect.arrayContaining([
        'post /api/v1/samples/connectorCreateSchema/{id} 200: clientSecret',
        'post /api/v1/samples/connectorCreateSchema/{id} 200: consumerSecret',
        'post /api/v1/samples/adminUserCreateSchema/{id} 200: password',
        'get /api/v1/planted 200: clientSecret',
      ]),
    );
    expect(secretLeaks(doc).filter((l) => l.includes('/connectorSchema/'))).toEqual([]);
  });

  it('keeps input and output renderings of a named schema apart', () => {
    const op = doc.paths['/api/v1/samples/connectorSchema/{id}'].post;
    expect(op.requestBody.content['application/json'].schema).toEqual({ $ref: '#/components/schemas/ConnectorInput' });
    expect(op.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/Connector' });
    expect(doc.components.schemas.Connector.additionalProperties).toBe(false);
    expect(doc.components.schemas.ConnectorInput).not.toEqual(doc.components.schemas.Connector);
  });

  it('documents parameters: required path ids with descriptions, optional queries, a wildcard tail as one string', () => {
    expect(doc.paths['/api/v1/samples/connectorSchema/{id}'].post.parameters).toEqual([
      { name: 'id', in: 'path', required: true, description: 'The sample id', schema: { type: 'string', description: 'The sample id' } },
      { name: 'limit', in: 'query', required: false, schema: expect.objectContaining({ type: 'integer', default: 50 }) },
      { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['a', 'b'] } },
    ]);
    const tail = doc.paths['/api/v1/proxy/{connectorAuthId}/{path}'].get;
    expect(tail.parameters[1]).toEqual({
      name: 'path',
      in: 'path',
      required: true,
      description: 'The rest of the path; it may contain `/`',
      schema: { type: 'string', description: 'The rest of the path; it may contain `/`' },
    });
    expect(tail.responses['204']).toEqual({ description: 'Success' });
  });
});

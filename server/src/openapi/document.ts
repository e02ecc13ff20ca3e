import { errorEnvelopeSchema } from '@patchbay/shared';
import { z } from 'zod';
import { needsConsent, type RouteDef } from '../http/route.ts';

type JsonSchema = Record<string, unknown>;

/**
 * Converts one zod schema to JSON Schema 2020-12 (the OpenAPI 3.1 dialect), moving named
 * definitions (`.meta({ id })`) into `components.schemas`. Input and output renderings of one
 * named schema differ (defaults, `additionalProperties`), so input ones are named `…Input`.
 */
function toSchema(schema: z.ZodType, io: 'input' | 'output', components: Record<string, JsonSchema>): JsonSchema {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  const defs = (json.$defs ?? {}) as Record<string, JsonSchema>;
  delete json.$defs;
  delete json.$schema;
  const suffix = io === 'input' ? 'Input' : '';
  const rewrite = (value: JsonSchema): JsonSchema =>
    JSON.parse(
      JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_m, name: string) => JSON.stringify(`#/components/schemas/${name}${suffix}`)),
    ) as JsonSchema;
  for (const [name, def] of Object.entries(defs)) components[`${name}${suffix}`] ??= rewrite(def);
  return rewrite(json);
}

function objectShape(schema: z.ZodType | undefined): Record<string, z.ZodType> {
  if (!schema) return {};
  const def = (schema as z.ZodObject).shape;
  return (def ?? {}) as Record<string, z.ZodType>;
}

/** A parameter object; a schema's description is lifted onto the parameter, where tools show it. */
function parameter(name: string, where: 'path' | 'query', required: boolean, schema: JsonSchema) {
  const description = typeof schema.description === 'string' ? schema.description : undefined;
  return { name, in: where, required, ...(description ? { description } : {}), schema };
}

const ERROR_RESPONSE = { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };

/** Added to every embed write: the server, not only the iframe, enforces the consent screen. */
const CONSENT_NOTE =
  'When the configuration asks for consent and the caller has not given it (once per user at `user` level, once per account ' +
  'at `account` level), answers 403 `consent_required` and changes nothing: accept first with POST /embed/api/consent.';

/** Builds the OpenAPI 3.1 document from the same route declarations that serve requests. */
export function buildOpenApiDocument(routes: readonly RouteDef[], opts: { serverUrl: string; version: string }) {
  const components: Record<string, JsonSchema> = {};
  toSchema(errorEnvelopeSchema, 'output', components);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters: unknown[] = [];
    // A `{rest+}` tail is an Express wildcard (an array of segments); to clients it is one string that may hold `/`.
    const wildcards = new Set([...route.path.matchAll(/\{(\w+)\+\}/g)].map((m) => m[1]));
    for (const [key, s] of Object.entries(objectShape(route.params))) {
      const name = key.replace(/\+$/, '');
      const schema = wildcards.has(name)
        ? { type: 'string', description: 'The rest of the path; it may contain `/`' }
        : toSchema(s, 'input', components);
      parameters.push(parameter(name, 'path', true, schema));
    }
    for (const [name, s] of Object.entries(objectShape(route.query))) {
      parameters.push(parameter(name, 'query', !s.safeParse(undefined).success, toSchema(s, 'input', components)));
    }
    const status = String(route.status ?? 200);
    const responses: Record<string, unknown> = {
      [status]:
        route.response && status !== '204'
          ? { description: 'Success', content: { 'application/json': { schema: toSchema(route.response, 'output', components) } } }
          : { description: 'Success' },
    };
    const errorStatuses = new Set<number>([500, ...(route.errors ?? [])]);
    if (route.params || route.query || route.body) errorStatuses.add(400);
    if (route.auth !== 'none') errorStatuses.add(401);
    if (route.auth === 'apiToken' || needsConsent(route)) errorStatuses.add(403);
    if (route.params) errorStatuses.add(404);
    for (const s of [...errorStatuses].sort()) responses[String(s)] = ERROR_RESPONSE;
    const description = [route.description, needsConsent(route) ? CONSENT_NOTE : undefined].filter(Boolean).join(' ');
    const operation: Record<string, unknown> = {
      operationId: `${route.method}${route.path.replace(/\{(\w+)\+?\}/g, 'By_$1').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      summary: route.summary,
      ...(description ? { description } : {}),
      tags: [...route.tags],
      parameters,
      responses,
      security: route.auth === 'apiToken' ? [{ apiToken: [] }] : route.auth === 'embedSession' ? [{ embedSession: [] }] : [],
    };
    if (route.body) {
      operation.requestBody = { required: true, content: { 'application/json': { schema: toSchema(route.body, 'input', components) } } };
    }
    const path = route.path.replace(/\{(\w+)\+\}/g, '{$1}');
    paths[path] ??= {};
    const methods = route.method === 'all' ? (['get', 'post', 'put', 'patch', 'delete'] as const) : [route.method];
    for (const method of methods) {
      (paths[path] as Record<string, unknown>)[method] = {
        ...operation,
        operationId: `${method}${String(operation.operationId).replace(/^all/, '')}`,
      };
    }
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Patchbay API',
      version: opts.version,
      description: 'Vendor API (`/api/v1`, API tokens `pb_…`) and the headless embed API (`/embed/api`, session tokens `pbs_…`).',
    },
    servers: [{ url: opts.serverUrl }],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        apiToken: { type: 'http', scheme: 'bearer', description: 'A vendor API token, `pb_…`' },
        embedSession: { type: 'http', scheme: 'bearer', description: 'An embed session token, `pbs_…`, from POST /embed/api/session' },
      },
    },
  };
}

import { Cron } from 'croner';
import { z } from 'zod';
import { connectorIdSchema, prefixedIdSchema, timestampSchema } from './common.ts';

const keySchema = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, 'must be an identifier (letters, digits, _)');

/** Whether text holds an ASCII control character (U+0000–U+001F or U+007F). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/**
 * A request path under a connector's `baseUrl`, possibly templated with Liquid. Its literal text
 * must start with one `/` (so no scheme, no host, no protocol-relative `//`) and hold no
 * backslash or control character. Whatever a template renders, the result is checked again
 * before a call is made.
 */
export const templatedPathSchema = z
  .string()
  .min(1)
  .max(2048)
  .regex(/^\/(?![/\\])/, 'must be a path under the connector base URL, starting with a single "/"')
  .refine((path) => !path.includes('\\') && !hasControlCharacter(path), 'must not contain a backslash or control characters');

/** A connector slot of a flow: which connector, and optionally a vendor-owned auth pre-filled. */
export const flowSlotSchema = z.strictObject({
  key: keySchema,
  connectorId: connectorIdSchema,
  label: z.string().min(1).max(200),
  connectorAuthId: prefixedIdSchema('ca').optional(),
});

const optionSchema = z.strictObject({ value: z.string().max(200), label: z.string().min(1).max(200) });

/** A form field the end user fills when enabling a flow. */
export const flowInputSchema = z
  .strictObject({
    key: keySchema,
    type: z.enum(['text', 'number', 'select', 'switch', 'date', 'password', 'email', 'url']),
    label: z.string().min(1).max(200),
    help: z.string().max(1000).optional(),
    required: z.boolean().default(false),
    requiredWhen: keySchema
      .describe('The key of another input: this one is required only while that one has a value (a switch that is on, or non-empty text).')
      .optional(),
    default: z.union([z.string().max(1000), z.number(), z.boolean()]).optional(),
    options: z.array(optionSchema).min(1).max(500).optional(),
    remoteOptions: z
      .strictObject({
        slot: keySchema,
        path: templatedPathSchema,
        itemsPath: z.string().max(200).optional(),
        valueKey: z.string().max(100),
        labelKey: z.string().max(100),
      })
      .optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    pattern: z
      .string()
      .max(500)
      .describe(
        'For `text`: an RE2 pattern the whole value must match (like the HTML `pattern` attribute), checked by the server in ' +
          'linear time. Saving a flow refuses backreferences, lookaround and patterns compiling to more than 1,000 RE2 instructions.',
      )
      .optional(),
  })
  .superRefine((input, ctx) => {
    if (input.type === 'select' && !input.options && !input.remoteOptions) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'a select needs options or remoteOptions' });
    }
    if (input.requiredWhen === input.key) {
      ctx.addIssue({ code: 'custom', path: ['requiredWhen'], message: 'must name another input' });
    }
    if (input.type !== 'select' && (input.options || input.remoteOptions)) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'only a select has options' });
    }
  });

/** Whether `name` is an IANA time zone this JavaScript engine knows (`Europe/Berlin`, `UTC`). */
export function isTimeZone(name: string): boolean {
  if (name.length === 0 || name.length > 100) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The five fields, as croner names them in its errors, for messages that name the field and its bounds. */
const CRON_FIELDS = [
  { croner: 'minute', name: 'minute', index: 0, min: 0, max: 59 },
  { croner: 'hour', name: 'hour', index: 1, min: 0, max: 23 },
  { croner: 'day', name: 'day of month', index: 2, min: 1, max: 31 },
  { croner: 'month', name: 'month', index: 3, min: 1, max: 12 },
  { croner: 'dayOfWeek', name: 'day of week', index: 4, min: 0, max: 7 },
] as const;

/**
 * Checks a five-field cron expression (minute hour day-of-month month day-of-week) with croner,
 * the library that also computes the schedule, so what is accepted here is exactly what runs:
 * its syntax (names, ranges, steps, lists, `L`, `W`, `#`, `?`), Vixie semantics (a restricted
 * day of month OR a restricted day of week), and an expression that never comes due (`0 0 31 2 *`)
 * is refused. Answers a problem or null.
 */
export function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 || expression.trim().startsWith('@')) {
    return 'must be a five-field cron expression (minute hour day-of-month month day-of-week)';
  }
  let cron: Cron;
  try {
    cron = new Cron(expression.trim(), { mode: '5-part', paused: true, timezone: 'UTC' });
  } catch (err) {
    const reason = (err instanceof Error ? err.message : String(err)).replace(/^CronPattern:\s*/, '');
    // croner names the offending value zero-based for day of month and month: name the field and its bounds instead
    const field = CRON_FIELDS.find((f) => f.croner === /^Invalid value for (\w+)/.exec(reason)?.[1]);
    if (field !== undefined) return `${field.name}: "${fields[field.index]}" is outside ${field.min}-${field.max}`;
    return `is not a cron expression: ${reason}`;
  }
  try {
    if (cron.nextRun(new Date(Date.UTC(2000, 0, 1))) === null) return 'never comes due';
  } finally {
    cron.stop();
  }
  return null;
}

/** When a flow runs. */
export const flowTriggerSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('manual') }),
  z
    .strictObject({
      type: z.literal('schedule'),
      everyMinutes: z.number().int().min(1).max(44_640).optional(),
      cron: z
        .string()
        .max(100)
        .superRefine((cron, ctx) => {
          const problem = cronProblem(cron);
          if (problem) ctx.addIssue({ code: 'custom', message: problem });
        })
        .optional(),
      timezone: z
        .string()
        .max(100)
        .refine(isTimeZone, 'must be an IANA time zone, e.g. "Europe/Berlin"')
        .optional()
        .describe('IANA time zone the cron expression is read in (default UTC); daylight-saving changes are handled by croner'),
    })
    .refine((t) => (t.everyMinutes === undefined) !== (t.cron === undefined), {
      message: 'give exactly one of everyMinutes or cron',
    })
    .refine((t) => t.timezone === undefined || t.cron !== undefined, {
      message: 'a timezone applies to a cron schedule only',
      path: ['timezone'],
    }),
  z.strictObject({ type: z.literal('webhook') }),
]);

const MAX_BODY_DEPTH = 32;

/** Whether a JSON value nests arrays/objects at most `max` levels deep (checked without recursion). */
function jsonDepthAtMost(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [item, depth] = stack.pop() as [unknown, number];
    if (item === null || typeof item !== 'object') continue;
    if (depth >= max) return false;
    for (const child of Object.values(item)) stack.push([child, depth + 1]);
  }
  return true;
}

/** One HTTP step, templated with Liquid (context: `{ trigger, inputs, steps, embed, run }`). */
export const flowStepSchema = z.strictObject({
  id: keySchema,
  type: z.literal('http'),
  slot: keySchema,
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: templatedPathSchema,
  query: z.record(z.string().min(1).max(100), z.string().max(2000)).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/, 'must be a header name'), z.string().max(2000)).optional(),
  body: z
    .unknown()
    .refine((body) => jsonDepthAtMost(body, MAX_BODY_DEPTH), `must not nest deeper than ${MAX_BODY_DEPTH} levels`)
    .optional()
    .describe('JSON body; every string in it is a Liquid template'),
  forEach: z
    .string()
    .max(500)
    .regex(/^\s*\{\{-?[^{}]+-?\}\}\s*$/, 'must be one Liquid output, e.g. "{{ steps.list.body.items }}"')
    .optional()
    .describe('Runs the step once per item of this list; the item is `item`, its position `index`'),
  accept: z
    .array(z.number().int().min(100).max(599))
    .min(1)
    .max(50)
    .optional()
    .describe('HTTP statuses that count as success besides 2xx (e.g. `[404, 409]`); any other status fails the step'),
});

const retrySchema = z.strictObject({
  maxAttempts: z.number().int().min(1).max(10),
  backoffSeconds: z.number().int().min(1).max(86_400),
});

/** The versioned part of a flow, as fields (shared by the create body and the definition). */
const definitionShape = {
  slots: z.array(flowSlotSchema).max(10).default([]),
  inputs: z.array(flowInputSchema).max(50).default([]),
  trigger: flowTriggerSchema.default({ type: 'manual' }),
  steps: z.array(flowStepSchema).max(50).default([]),
  retry: retrySchema.optional(),
  endUserLog: z
    .unknown()
    .refine((log) => jsonDepthAtMost(log, MAX_BODY_DEPTH), `must not nest deeper than ${MAX_BODY_DEPTH} levels`)
    .optional()
    .describe(
      'What the end user reads about a run: a JSON value rendered like a step body after the last step (every string a Liquid ' +
        'template over the run context plus `status`), giving `{ overview, details, errors }` (EndUserLog)',
    ),
};

type DefinitionFields = z.output<z.ZodObject<typeof definitionShape>>;

/** Cross-field rules of a definition: unique keys, steps and remote options naming known slots. */
function checkDefinition(def: DefinitionFields, ctx: z.RefinementCtx): void {
  const unique = (items: readonly Record<string, unknown>[], field: 'slots' | 'inputs' | 'steps', prop: 'key' | 'id') => {
    const seen = new Set<unknown>();
    items.forEach((item, i) => {
      const value = item[prop];
      if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [field, i, prop], message: `duplicate ${prop} "${String(value)}"` });
      seen.add(value);
    });
  };
  unique(def.slots, 'slots', 'key');
  unique(def.inputs, 'inputs', 'key');
  unique(def.steps, 'steps', 'id');
  const slots = new Set(def.slots.map((s) => s.key));
  def.steps.forEach((step, i) => {
    if (!slots.has(step.slot)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'slot'], message: `unknown slot "${step.slot}"` });
  });
  def.inputs.forEach((input, i) => {
    if (input.remoteOptions && !slots.has(input.remoteOptions.slot)) {
      ctx.addIssue({ code: 'custom', path: ['inputs', i, 'remoteOptions', 'slot'], message: `unknown slot "${input.remoteOptions.slot}"` });
    }
  });
}

/**
 * Names of `Object.prototype` members (`constructor`, `toString`, `valueOf`, `hasOwnProperty`,
 * `__proto__`, …). Slot keys, input keys and step ids become keys of maps (bindings, input
 * values, `steps.<id>`), where such a name would find the inherited member instead of a value.
 */
export const RESERVED_KEY_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** Rules for a definition being saved, on top of {@link checkDefinition}: no key or id from {@link RESERVED_KEY_NAMES}. */
function checkNewDefinition(def: DefinitionFields, ctx: z.RefinementCtx): void {
  checkDefinition(def, ctx);
  const reserved = (items: readonly Record<string, unknown>[], field: 'slots' | 'inputs' | 'steps', prop: 'key' | 'id') => {
    items.forEach((item, i) => {
      const value = item[prop];
      if (typeof value === 'string' && RESERVED_KEY_NAMES.has(value)) {
        ctx.addIssue({
          code: 'custom',
          path: [field, i, prop],
          message: `must not be "${value}": names of Object.prototype members are reserved`,
        });
      }
    });
  };
  reserved(def.slots, 'slots', 'key');
  reserved(def.inputs, 'inputs', 'key');
  reserved(def.steps, 'steps', 'id');
}

/** A flow definition: the part that is versioned. */
export const flowDefinitionSchema = z.strictObject(definitionShape).superRefine(checkNewDefinition).meta({ id: 'FlowDefinition' });
/** Flow definition. */
export type FlowDefinition = z.infer<typeof flowDefinitionSchema>;

/**
 * A definition read back from storage: the same shape and cross-field rules, without the rules
 * added after a definition could already have been saved (reserved key names), so an older flow
 * keeps working. Code reading one keys its maps safely (`Map`, `Object.hasOwn`).
 */
export const storedFlowDefinitionSchema = z.strictObject(definitionShape).superRefine(checkDefinition);

const flowMeta = {
  name: z.string().min(1).max(200),
  description: z.string().max(5000).optional(),
  icon: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
};

/** `POST /api/v1/flows` body: metadata plus the first version's definition. */
export const flowCreateSchema = z.strictObject({ ...flowMeta, ...definitionShape }).superRefine(checkNewDefinition);
/** `POST /api/v1/flows` body as parsed. */
export type FlowCreate = z.infer<typeof flowCreateSchema>;

/** `PATCH /api/v1/flows/{id}` body: metadata only; a definition change is a new version. */
export const flowUpdateSchema = z.strictObject({
  name: flowMeta.name.optional(),
  description: z.string().max(5000).nullable().optional(),
  icon: flowMeta.icon.nullable().optional(),
});
/** `PATCH /api/v1/flows/{id}` body as parsed. */
export type FlowUpdate = z.infer<typeof flowUpdateSchema>;

/** `POST /api/v1/flows/{id}/versions` body. */
export const flowVersionCreateSchema = z.strictObject({
  definition: flowDefinitionSchema,
  pushToIntegrations: z.boolean().default(false).describe('Move every existing integration of the flow to this version'),
});

/** A flow version as answered. */
export const flowVersionSchema = z
  .object({
    flowId: prefixedIdSchema('flow'),
    version: z.number().int().min(1),
    definition: z.unknown().describe('The FlowDefinition of this version, as stored'),
    createdAt: timestampSchema,
  })
  .meta({ id: 'FlowVersion' });
/** Flow version as answered. */
export type FlowVersion = z.infer<typeof flowVersionSchema>;

/** `POST /api/v1/flows/{id}/versions` answer: the new version and how many integrations moved to it. */
export const flowVersionCreatedSchema = flowVersionSchema
  .extend({ movedIntegrations: z.number().int().min(0).describe('Integrations moved to this version (0 unless pushed)') })
  .meta({ id: 'FlowVersionCreated' });

/** A flow as answered: metadata plus its current version's definition. */
export const flowSchema = z
  .object({
    id: prefixedIdSchema('flow'),
    name: z.string(),
    description: z.string().nullable(),
    icon: z.string().nullable(),
    version: z.number().int().min(1),
    definition: z.unknown().describe('The FlowDefinition of the current version'),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Flow' });
/** Flow as answered. */
export type Flow = z.infer<typeof flowSchema>;

/** A count as a template renders it: a number, or text holding only digits. */
const recordCountSchema = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d{1,15}\s*$/.test(v) ? Number(v) : v),
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
);
const logStatusSchema = z.enum(['success', 'warning', 'error']);
const logTextSchema = z.preprocess((v) => (typeof v === 'number' ? String(v) : v), z.string().max(2000));

/**
 * The end-user log of a run (docs/runs.md, Locoia's format): an overview by status, details per
 * entity, and the list of errors. A flow's `endUserLog` renders into it; without one the run
 * engine writes one from the steps (each step an entity, its calls the records).
 */
export const endUserLogSchema = z
  .object({
    overview: z
      .array(z.object({ status: logStatusSchema, numberOfRecords: recordCountSchema }))
      .max(50)
      .default([]),
    details: z
      .array(z.object({ entity: logTextSchema, status: logStatusSchema, numberOfRecords: recordCountSchema }))
      .max(500)
      .default([]),
    errors: z
      .array(
        z.object({
          id: logTextSchema,
          error: logTextSchema,
          entity: logTextSchema.nullable().default(null),
          internalId: logTextSchema.nullable().default(null),
        }),
      )
      .max(1000)
      .default([]),
  })
  .meta({ id: 'EndUserLog' });
/** A run's end-user log. */
export type EndUserLog = z.infer<typeof endUserLogSchema>;

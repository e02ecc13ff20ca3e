import { z } from 'zod';
import { connectorIdSchema, prefixedIdSchema, timestampSchema } from './common.ts';
import { relativePathSchema } from './connectors.ts';

const keySchema = z.string().regex(/^[a-zA-Z][a-zA-Z0-9_]{0,62}$/, 'must be an identifier (letters, digits, _)');

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
    type: z.enum(['text', 'number', 'select', 'switch', 'date', 'password']),
    label: z.string().min(1).max(200),
    help: z.string().max(1000).optional(),
    required: z.boolean().default(false),
    default: z.union([z.string().max(1000), z.number(), z.boolean()]).optional(),
    options: z.array(optionSchema).max(500).optional(),
    remoteOptions: z
      .strictObject({
        slot: keySchema,
        path: relativePathSchema,
        itemsPath: z.string().max(200).optional(),
        valueKey: z.string().max(100),
        labelKey: z.string().max(100),
      })
      .optional(),
    min: z.number().optional(),
    max: z.number().optional(),
    pattern: z.string().max(500).optional(),
  })
  .superRefine((input, ctx) => {
    if (input.type === 'select' && !input.options && !input.remoteOptions) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'a select needs options or remoteOptions' });
    }
    if (input.type !== 'select' && (input.options || input.remoteOptions)) {
      ctx.addIssue({ code: 'custom', path: ['options'], message: 'only a select has options' });
    }
    if (input.pattern !== undefined) {
      try {
        new RegExp(input.pattern);
      } catch {
        ctx.addIssue({ code: 'custom', path: ['pattern'], message: 'is not a valid regular expression' });
      }
    }
  });

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
        .regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression')
        .optional(),
    })
    .refine((t) => (t.everyMinutes === undefined) !== (t.cron === undefined), {
      message: 'give exactly one of everyMinutes or cron',
    }),
  z.strictObject({ type: z.literal('webhook') }),
]);

/** One HTTP step, templated with Liquid. */
export const flowStepSchema = z.strictObject({
  id: keySchema,
  type: z.literal('http'),
  slot: keySchema,
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: z.string().min(1).max(2048),
  query: z.record(z.string().max(100), z.string().max(2000)).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,100}$/), z.string().max(2000)).optional(),
  body: z.unknown().optional(),
  forEach: z.string().max(500).optional(),
});

/** A flow definition: the part that is versioned. */
export const flowDefinitionSchema = z
  .strictObject({
    slots: z.array(flowSlotSchema).max(10).default([]),
    inputs: z.array(flowInputSchema).max(50).default([]),
    trigger: flowTriggerSchema.default({ type: 'manual' }),
    steps: z.array(flowStepSchema).max(50).default([]),
    retry: z.strictObject({ maxAttempts: z.number().int().min(1).max(10), backoffSeconds: z.number().int().min(1).max(86_400) }).optional(),
  })
  .superRefine((def, ctx) => {
    const unique = (items: { key?: string; id?: string }[], field: 'slots' | 'inputs' | 'steps', prop: 'key' | 'id') => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        const value = item[prop];
        if (value === undefined) return;
        if (seen.has(value)) ctx.addIssue({ code: 'custom', path: [field, i, prop], message: `duplicate ${prop} "${value}"` });
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
        ctx.addIssue({
          code: 'custom',
          path: ['inputs', i, 'remoteOptions', 'slot'],
          message: `unknown slot "${input.remoteOptions.slot}"`,
        });
      }
    });
  });
/** Flow definition. */
export type FlowDefinition = z.infer<typeof flowDefinitionSchema>;

const flowMeta = {
  name: z.string().min(1).max(200),
  description: z.string().max(5000).optional(),
  icon: z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .optional(),
};

/** `POST /api/v1/flows` body: metadata plus the first version's definition. */
export const flowCreateSchema = z.strictObject({
  ...flowMeta,
  slots: z.array(flowSlotSchema).max(10).optional(),
  inputs: z.array(flowInputSchema).max(50).optional(),
  trigger: flowTriggerSchema.optional(),
  steps: z.array(flowStepSchema).max(50).optional(),
  retry: z.strictObject({ maxAttempts: z.number().int().min(1).max(10), backoffSeconds: z.number().int().min(1).max(86_400) }).optional(),
});

/** `PATCH /api/v1/flows/{id}` body: metadata only; a definition change is a new version. */
export const flowUpdateSchema = z.strictObject({
  name: flowMeta.name.optional(),
  description: z.string().max(5000).nullable().optional(),
  icon: flowMeta.icon.nullable().optional(),
});

/** `POST /api/v1/flows/{id}/versions` body. */
export const flowVersionCreateSchema = z.strictObject({
  definition: z.unknown(),
  pushToIntegrations: z.boolean().default(false).describe('Move every existing integration of the flow to this version'),
});

/** A flow version as answered. */
export const flowVersionSchema = z
  .object({ flowId: z.string(), version: z.number().int(), definition: z.unknown(), createdAt: timestampSchema })
  .meta({ id: 'FlowVersion' });

/** A flow as answered: metadata plus its current version's definition. */
export const flowSchema = z
  .object({
    id: prefixedIdSchema('flow'),
    name: z.string(),
    description: z.string().nullable(),
    icon: z.string().nullable(),
    version: z.number().int(),
    definition: z.unknown(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Flow' });
/** Flow as answered. */
export type Flow = z.infer<typeof flowSchema>;

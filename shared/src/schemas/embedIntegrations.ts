import { z } from 'zod';
import { connectorIdSchema, prefixedIdSchema, timestampSchema } from './common.ts';
import { endUserLogSchema, flowInputSchema, flowTriggerSchema } from './flows.ts';

/** A connector as shown on a group ("highlighted connectors"). */
export const embedHighlightSchema = z.object({ id: connectorIdSchema, name: z.string(), iconUrl: z.string().nullable() });

/** A flow as the end user sees it: what to connect, what to fill in, when it runs. Never steps. */
export const embedFlowSchema = z
  .object({
    id: prefixedIdSchema('flow'),
    name: z.string(),
    description: z.string().nullable(),
    icon: z.string().nullable(),
    version: z.number().int(),
    slots: z.array(
      z.object({
        key: z.string(),
        connectorId: connectorIdSchema,
        label: z.string(),
        /** Filled by the vendor with its own auth: nothing for the end user to choose. */
        prefilled: z.boolean(),
      }),
    ),
    inputs: z.array(flowInputSchema),
    trigger: flowTriggerSchema,
  })
  .meta({ id: 'EmbedFlow' });
/** Flow as the iframe sees it. */
export type EmbedFlow = z.infer<typeof embedFlowSchema>;

/** `GET /embed/api/flows`: the configuration's flows in its groups, in display order. */
export const embedFlowGroupsSchema = z
  .object({
    groups: z.array(
      z.object({ id: z.string(), name: z.string(), highlightedConnectors: z.array(embedHighlightSchema), flows: z.array(embedFlowSchema) }),
    ),
  })
  .meta({ id: 'EmbedFlowGroups' });
/** Flow groups as the iframe sees them. */
export type EmbedFlowGroups = z.infer<typeof embedFlowGroupsSchema>;

/** Input values of an integration, by input key. Password inputs are write-only. */
export const integrationInputValuesSchema = z.record(
  z.string().max(100),
  z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]),
);

/** An integration as the end user sees it. Password inputs are answered as `null` with `secretInputsSet`. */
export const embedIntegrationSchema = z
  .object({
    id: prefixedIdSchema('int'),
    flowId: z.string(),
    flowVersion: z.number().int(),
    status: z.enum(['enabled', 'disabled']),
    disabledBy: z.enum(['user', 'admin', 'system']).nullable(),
    bindings: z.record(z.string(), z.string()),
    inputs: integrationInputValuesSchema,
    secretInputsSet: z.array(z.string()).describe('Keys of password inputs that hold a value'),
    webhookUrl: z.string().nullable(),
    nextRunAt: timestampSchema.nullable(),
    latestRun: z.object({ id: z.string(), status: z.enum(['queued', 'running', 'success', 'error']), at: timestampSchema }).nullable(),
    ownedByMe: z.boolean(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'EmbedIntegration' });
/** Integration as the iframe sees it. */
export type EmbedIntegration = z.infer<typeof embedIntegrationSchema>;

/** `GET /embed/api/integrations` answer. */
export const embedIntegrationListSchema = z.object({ items: z.array(embedIntegrationSchema), nextCursor: z.string().nullable() });

/** `POST /embed/api/integrations`: enable a flow with a connector auth per slot and the form's values. */
export const embedIntegrationCreateSchema = z.strictObject({
  flowId: prefixedIdSchema('flow'),
  bindings: z.record(z.string().max(64), prefixedIdSchema('ca')).default({}),
  inputs: integrationInputValuesSchema.default({}),
});

/** `PATCH /embed/api/integrations/{id}`: change bindings, inputs, or enable/disable. */
export const embedIntegrationUpdateSchema = z.strictObject({
  bindings: z.record(z.string().max(64), prefixedIdSchema('ca')).optional(),
  inputs: integrationInputValuesSchema.optional(),
  status: z.enum(['enabled', 'disabled']).optional(),
});

/** One run as the end user sees it (`GET /embed/api/integrations/{id}/runs`). */
export const embedRunSchema = z
  .object({
    id: z.string(),
    trigger: z.enum(['schedule', 'webhook', 'manual', 'admin', 'retry']),
    status: z.enum(['queued', 'running', 'success', 'error', 'canceled']),
    createdAt: timestampSchema,
    startedAt: timestampSchema.nullable(),
    finishedAt: timestampSchema.nullable(),
    durationMs: z.number().int().nullable().describe('From start to finish; null until it finished'),
    attempt: z.number().int(),
    errorCode: z.string().nullable(),
    error: z.string().nullable(),
    logs: z.array(z.object({ at: timestampSchema, level: z.enum(['info', 'warn', 'error']), message: z.string() })),
  })
  .meta({ id: 'EmbedRun' });

/** `GET /embed/api/integrations/{id}/runs` answer. */
export const embedRunListSchema = z.object({ items: z.array(embedRunSchema), nextCursor: z.string().nullable() });

/** A step of a run as the end user sees it: statuses only, never request or response bodies. */
export const embedRunStepSchema = z.object({
  id: z.string(),
  status: z.enum(['success', 'error', 'skipped', 'canceled']),
  attempt: z.number().int(),
  durationMs: z.number().int(),
  httpStatus: z.number().int().nullable().describe('Status of the last call made'),
  calls: z.number().int(),
  failedCalls: z.number().int(),
  errorCode: z.string().nullable(),
});

/** `GET /embed/api/runs/{id}`: a run with its step statuses and end-user log (null until it rendered). */
export const embedRunDetailSchema = embedRunSchema
  .extend({ integrationId: z.string(), steps: z.array(embedRunStepSchema), endUserLog: endUserLogSchema.nullable() })
  .meta({ id: 'EmbedRunDetail' });
/** A run's detail as the iframe sees it. */
export type EmbedRunDetail = z.infer<typeof embedRunDetailSchema>;

/** `POST /embed/api/integrations/{id}/runs` answer (202): the queued run. */
export const embedRunAcceptedSchema = z.object({ run: embedRunSchema });

/** `POST /embed/api/consent` answer: consent is recorded once per user or once per account. */
export const consentGivenSchema = z.object({ given: z.literal(true), at: timestampSchema });

/** Longest search text `GET /embed/api/flows/{flowId}/inputs/{inputKey}/options` accepts. */
export const REMOTE_OPTIONS_QUERY_MAX = 200;
/** Most options one answer carries (after the search filter). */
export const REMOTE_OPTIONS_MAX_ITEMS = 200;

/** `GET /embed/api/flows/{flowId}/inputs/{inputKey}/options` parameters. */
export const remoteOptionsParamsSchema = z.strictObject({
  flowId: prefixedIdSchema('flow'),
  inputKey: z.string().min(1).max(64),
});

/** `GET /embed/api/flows/{flowId}/inputs/{inputKey}/options` query. */
export const remoteOptionsQuerySchema = z.strictObject({
  connectorAuthId: prefixedIdSchema('ca')
    .optional()
    .describe("The connector auth of the input's slot to load the options through; leave out when the vendor pre-filled that slot"),
  q: z.string().max(REMOTE_OPTIONS_QUERY_MAX).optional().describe('Search text: only options whose label contains it, case-insensitive'),
});

/** The options of a select with `remoteOptions`, as loaded from the connector. */
export const remoteOptionListSchema = z
  .object({ items: z.array(z.object({ value: z.string(), label: z.string() })).max(REMOTE_OPTIONS_MAX_ITEMS) })
  .meta({ id: 'RemoteOptionList' });
/** The options of a select with `remoteOptions`. */
export type RemoteOptionList = z.infer<typeof remoteOptionListSchema>;

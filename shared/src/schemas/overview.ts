import { z } from 'zod';
import { timestampSchema } from './common.ts';

/** Runs of one UTC day by how they ended (or that they have not yet). */
export const overviewDaySchema = z.object({
  /** The UTC day, `YYYY-MM-DD`. */
  date: z.string(),
  success: z.number().int(),
  error: z.number().int(),
  canceled: z.number().int(),
  /** Queued or running. */
  pending: z.number().int(),
});

/**
 * `GET /api/v1/overview`: the console's landing numbers, counted over what the caller may view.
 * `last24h` counts from `at` minus 24 hours; `runsByDay` holds the last 7 UTC days, oldest first,
 * today included, days without runs as zeros. `callbacksFailed` counts callback deliveries created
 * in the last 24 hours that failed for good (of configurations the caller may view).
 */
export const overviewSchema = z
  .object({
    at: timestampSchema,
    integrations: z.object({ enabled: z.number().int(), disabled: z.number().int() }),
    connectorAuths: z.object({ needsReauth: z.number().int() }),
    last24h: z.object({ runsFailed: z.number().int(), runsSucceeded: z.number().int(), callbacksFailed: z.number().int().nullable() }),
    runsByDay: z.array(overviewDaySchema),
  })
  .meta({ id: 'Overview' });
/** The console's landing numbers. */
export type Overview = z.infer<typeof overviewSchema>;

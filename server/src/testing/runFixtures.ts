import { newId } from '../crypto/tokens.ts';
import type { Queryable } from '../db/driver.ts';
import { sql } from '../db/sql.ts';

/**
 * Rows the run engine's tests need, written through the asynchronous seam on either driver: an
 * embed configuration, an end user, a flow with a version, integrations. The domain fixtures
 * (`domainFixtures.ts`) still write through the synchronous handle; after the async merge these
 * become calls of the repositories' inserts.
 */

const T0 = '2026-01-01T00:00:00.000Z';

/** Inserts an embed configuration; answers its id. */
export async function seedConfig(db: Queryable, name = 'Config'): Promise<string> {
  const id = newId('cfg');
  await db.run(sql`INSERT INTO embed_configs (id, name, sharing_level, allowed_origins, consent, branding, created_at, updated_at)
    VALUES (${id}, ${name}, 'user', '["https://app.example.test"]', '{"enabled":false}', '{}', ${T0}, ${T0})`);
  return id;
}

/** Inserts an end user of a configuration; answers its id. */
export async function seedEndUser(db: Queryable, configId: string, userId = newId('u')): Promise<string> {
  const id = newId('eu');
  await db.run(sql`INSERT INTO end_users (id, config_id, account_id, user_id, name, first_seen_at, last_seen_at)
    VALUES (${id}, ${configId}, 'acct-1', ${userId}, 'Ada', ${T0}, ${T0})`);
  return id;
}

/** Inserts a flow whose version 1 is `definition`; answers its id. */
export async function seedFlow(db: Queryable, definition: unknown = { trigger: { type: 'manual' } }): Promise<string> {
  const id = newId('flow');
  await db.run(sql`INSERT INTO flows (id, name, current_version, created_at, updated_at) VALUES (${id}, 'Flow', 1, ${T0}, ${T0})`);
  await db.run(
    sql`INSERT INTO flow_versions (flow_id, version, definition, created_at) VALUES (${id}, 1, ${JSON.stringify(definition)}, ${T0})`,
  );
  return id;
}

/** Inserts an enabled integration of a flow for an end user; answers its id. */
export async function seedIntegration(
  db: Queryable,
  opts: { configId: string; endUserId: string; flowId: string; nextRunAt?: string | null; inputs?: Record<string, unknown> },
): Promise<string> {
  const id = newId('int');
  await db.run(sql`INSERT INTO integrations (id, config_id, flow_id, flow_version, owner_end_user_id, account_id, sharing_level,
      scope_user_id, status, inputs, next_run_at, created_at, updated_at)
    VALUES (${id}, ${opts.configId}, ${opts.flowId}, 1, ${opts.endUserId}, 'acct-1', 'user', ${opts.endUserId}, 'enabled',
      ${JSON.stringify(opts.inputs ?? {})}, ${opts.nextRunAt ?? null}, ${T0}, ${T0})`);
  return id;
}

/** A configuration with `count` integrations of one flow (each its own end user); answers their ids. */
export async function seedIntegrations(
  db: Queryable,
  count: number,
  opts: { configId?: string; definition?: unknown } = {},
): Promise<{ configId: string; flowId: string; integrationIds: string[] }> {
  const configId = opts.configId ?? (await seedConfig(db));
  const flowId = await seedFlow(db, opts.definition);
  const integrationIds: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const endUserId = await seedEndUser(db, configId);
    integrationIds.push(await seedIntegration(db, { configId, endUserId, flowId }));
  }
  return { configId, flowId, integrationIds };
}

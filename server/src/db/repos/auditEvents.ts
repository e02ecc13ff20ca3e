import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

type Fragment = ReturnType<typeof sql>;

/** An audit event row; `details` is JSON text. */
export interface AuditEventRow {
  id: string;
  at: string;
  actor_type: 'admin' | 'api_token' | 'end_user' | 'system';
  actor_id: string | null;
  action: string;
  object_type: string;
  object_id: string | null;
  config_id: string | null;
  request_id: string | null;
  details: string;
}

/** Filters of the audit event list; `since` is inclusive, `until` exclusive. */
export interface AuditEventFilters {
  objectType?: string | undefined;
  objectId?: string | undefined;
  actorType?: AuditEventRow['actor_type'] | undefined;
  actorId?: string | undefined;
  action?: string | undefined;
  configId?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
}

/** One page of audit events, newest first; `after` is the keyset condition of the cursor. */
export async function listAuditEvents(
  db: Queryable,
  filters: AuditEventFilters,
  after: Fragment | null,
  limit: number,
): Promise<AuditEventRow[]> {
  const where: Fragment[] = [];
  if (filters.objectType !== undefined) where.push(sql`object_type = ${filters.objectType}`);
  if (filters.objectId !== undefined) where.push(sql`object_id = ${filters.objectId}`);
  if (filters.actorType !== undefined) where.push(sql`actor_type = ${filters.actorType}`);
  if (filters.actorId !== undefined) where.push(sql`actor_id = ${filters.actorId}`);
  if (filters.action !== undefined) where.push(sql`action = ${filters.action}`);
  if (filters.configId !== undefined) where.push(sql`config_id = ${filters.configId}`);
  if (filters.since !== undefined) where.push(sql`at >= ${filters.since}`);
  if (filters.until !== undefined) where.push(sql`at < ${filters.until}`);
  if (after) where.push(after);
  return db.all<AuditEventRow>(sql`SELECT * FROM audit_events ${sql.where(where)} ORDER BY at DESC, id DESC LIMIT ${limit}`);
}

/** Inserts one audit event (`details` already serialised and redacted by the caller). */
export async function insertAuditEvent(db: Queryable, row: AuditEventRow): Promise<void> {
  await db.run(sql`INSERT INTO audit_events (id, at, actor_type, actor_id, action, object_type, object_id, config_id, request_id, details)
    VALUES (${row.id}, ${row.at}, ${row.actor_type}, ${row.actor_id}, ${row.action}, ${row.object_type}, ${row.object_id},
      ${row.config_id}, ${row.request_id}, ${row.details})`);
}

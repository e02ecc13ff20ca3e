import type { Queryable } from '../database.ts';
import { sql } from '../sql.ts';

type Fragment = ReturnType<typeof sql>;

/** Integrations by status; `visible` refers to the alias `i`. */
export async function countIntegrationsByStatus(db: Queryable, visible: Fragment): Promise<{ enabled: number; disabled: number }> {
  const rows = await db.all<{ status: string; n: number }>(
    sql`SELECT i.status AS status, COUNT(*) AS n FROM integrations i WHERE ${visible} GROUP BY i.status`,
  );
  const n = (status: string) => Number(rows.find((r) => r.status === status)?.n ?? 0);
  return { enabled: n('enabled'), disabled: n('disabled') };
}

/** Connector auths in `status`; `visible` refers to the alias `ca`. */
export async function countConnectorAuthsInStatus(db: Queryable, status: string, visible: Fragment): Promise<number> {
  const row = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM connector_auths ca WHERE ca.status = ${status} AND ${visible}`);
  return Number(row?.n ?? 0);
}

/** Runs created at or after `since`, by UTC day (`YYYY-MM-DD`) and status; `visible` refers to the integration alias `i`. */
export async function countRunsByDayAndStatus(
  db: Queryable,
  since: string,
  visible: Fragment,
): Promise<{ day: string; status: string; n: number }[]> {
  const rows = await db.all<{ day: string; status: string; n: number }>(sql`SELECT substr(r.created_at, 1, 10) AS day, r.status AS status,
      COUNT(*) AS n
    FROM runs r JOIN integrations i ON i.id = r.integration_id
    WHERE r.created_at >= ${since} AND ${visible}
    GROUP BY substr(r.created_at, 1, 10), r.status`);
  return rows.map((r) => ({ day: r.day, status: r.status, n: Number(r.n) }));
}

/** Runs that finished in `status` at or after `since`; `visible` refers to the integration alias `i`. */
export async function countRunsFinishedSince(db: Queryable, status: string, since: string, visible: Fragment): Promise<number> {
  const row = await db.get<{ n: number }>(sql`SELECT COUNT(*) AS n FROM runs r JOIN integrations i ON i.id = r.integration_id
    WHERE r.status = ${status} AND r.finished_at >= ${since} AND ${visible}`);
  return Number(row?.n ?? 0);
}

import { createHash } from 'node:crypto';
import pg from 'pg';
import { toPostgresPlaceholders } from './dialect.ts';
import { assertOutsideOwnTransaction, type Db, type Queryable, withinTransaction } from './driver.ts';
import type { Sql } from './sql.ts';

const { Pool } = pg;

// Make PostgreSQL's answers look like SQLite's, so repositories read one shape: 64-bit counts
// and numerics as numbers, booleans as 0/1, JSON and dates as the text they are stored as.
const OID = {
  bool: 16,
  int8: 20,
  int2: 21,
  int4: 23,
  json: 114,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  jsonb: 3802,
};
const asNumber = (v: string) => Number(v);
const types = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case OID.int8:
      case OID.int2:
      case OID.int4:
      case OID.numeric:
        return asNumber;
      case OID.bool:
        return (v: string) => (v === 't' ? 1 : 0);
      case OID.json:
      case OID.jsonb:
      case OID.date:
      case OID.timestamp:
      case OID.timestamptz:
        return (v: string) => v;
      default:
        return pg.types.getTypeParser(oid, format ?? 'text');
    }
  },
};

function values(q: Sql): unknown[] {
  return q.values.map((v) => (typeof v === 'bigint' ? v.toString() : v));
}

/** The URL without its password, for logs. */
export function redactDatabaseUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable URL)';
  }
}

const names = new Map<string, string>();
/**
 * A statement's name for the server's prepared-statement cache: each connection parses and plans
 * a statement once and then only binds and executes it (the repositories' statements are few and
 * fixed; their text is the key). Bounded, so generated text cannot grow it without end.
 */
function statementName(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= 2000) return undefined;
    name = `pb_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    names.set(text, name);
  }
  return name;
}

/** Options of the PostgreSQL driver. */
export interface PostgresOptions {
  /** Connections in the pool (default 10). */
  readonly poolSize?: number;
  /** Called for errors of idle pooled connections (e.g. the server restarted). */
  readonly onIdleError?: (err: Error) => void;
}

/**
 * Opens a pool on a PostgreSQL database. Statements outside a transaction take any pooled
 * connection; a transaction holds one connection from `BEGIN` to `COMMIT` (READ COMMITTED;
 * claims and leases use row locks or compare-and-swap, not isolation levels).
 */
export function openPostgres(url: string, opts: PostgresOptions = {}): Db {
  const pool = new Pool({ connectionString: url, max: opts.poolSize ?? 10, types });
  /** Stops of the `listen` connections still open, ended on close. */
  const listeners = new Set<() => Promise<void>>();
  pool.on('error', (err) => opts.onIdleError?.(err));
  const query = async <T>(client: pg.Pool | pg.PoolClient, q: Sql) => {
    const res = await client.query<T & pg.QueryResultRow>({
      name: statementName(q.text),
      text: toPostgresPlaceholders(q.text),
      values: values(q),
    });
    return res;
  };
  const db: Db = {
    dialect: 'postgres',
    file: null,
    describe: redactDatabaseUrl(url),
    async all<T>(q: Sql) {
      assertOutsideOwnTransaction(db);
      return (await query<T>(pool, q)).rows as T[];
    },
    async get<T>(q: Sql) {
      assertOutsideOwnTransaction(db);
      return (await query<T>(pool, q)).rows[0] as T | undefined;
    },
    async run(q: Sql) {
      assertOutsideOwnTransaction(db);
      return { changes: (await query(pool, q)).rowCount ?? 0 };
    },
    getUnsynced<T>(q: Sql) {
      return db.get<T>(q);
    },
    async exec(script: string) {
      assertOutsideOwnTransaction(db);
      await pool.query(script);
    },
    async tx<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      assertOutsideOwnTransaction(db);
      const client = await pool.connect();
      let open = true;
      const live = () => {
        if (!open) throw new Error('This transaction has ended; its handle cannot be used any more');
      };
      const handle: Queryable = {
        dialect: 'postgres',
        async all<R>(q: Sql) {
          live();
          return (await query<R>(client, q)).rows as R[];
        },
        async get<R>(q: Sql) {
          live();
          return (await query<R>(client, q)).rows[0] as R | undefined;
        },
        async run(q: Sql) {
          live();
          return { changes: (await query(client, q)).rowCount ?? 0 };
        },
        getUnsynced<R>(q: Sql) {
          return handle.get<R>(q);
        },
        async exec(script: string) {
          live();
          await client.query(script);
        },
        tx: (inner) => inner(handle),
      };
      let broken = false;
      try {
        await client.query('BEGIN');
        try {
          return await withinTransaction(
            db,
            () => fn(handle),
            () => client.query('COMMIT'),
          );
        } catch (err) {
          await client.query('ROLLBACK').catch(() => {
            broken = true;
          });
          throw err;
        }
      } finally {
        open = false;
        client.release(broken);
      }
    },
    async listen(channel: string, onNotify: () => void) {
      let stopped = false;
      let client: pg.Client | null = null;
      let retry: NodeJS.Timeout | undefined;
      const connect = async (): Promise<void> => {
        const c = new pg.Client({ connectionString: url, types });
        client = c;
        const again = () => {
          if (stopped || client !== c) return;
          client = null;
          void c.end().catch(() => undefined);
          retry = setTimeout(() => void connect().catch(again), 1_000);
          retry.unref();
        };
        c.on('error', again);
        c.on('end', again);
        c.on('notification', (n) => {
          if (n.channel === channel) onNotify();
        });
        await c.connect();
        await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        // a notification may have been missed while (re)connecting: look once
        onNotify();
      };
      await connect();
      const stop = async () => {
        if (stopped) return;
        stopped = true;
        clearTimeout(retry);
        listeners.delete(stop);
        await client?.end().catch(() => undefined);
        client = null;
      };
      listeners.add(stop);
      return stop;
    },
    async close() {
      for (const stop of [...listeners]) await stop();
      await pool.end();
    },
  };
  return db;
}

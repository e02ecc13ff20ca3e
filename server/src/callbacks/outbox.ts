import { randomBytes } from 'node:crypto';
import type { CallbackEventType } from '@patchbay/sdk/node';
import { type AppContext, nowIso } from '../context.ts';
import { afterCommit, type Queryable } from '../db/driver.ts';
import { callbackQueueSpec, findCallbackTarget, insertCallbackDelivery } from '../db/repos/callbackDeliveries.ts';
import { sql } from '../db/sql.ts';
import { nudgeQueue } from '../runs/queue.ts';

/**
 * The callback outbox (docs/callbacks.md): every event for a vendor's backend is written as a
 * delivery row in the SAME transaction as the change it reports, so a crash can neither lose it
 * nor send one for a change that rolled back. The delivery worker sends it later.
 */

/** What the outbox needs: the transaction and the clock. */
export type OutboxContext = Pick<AppContext, 'db' | 'clock'>;

/** The event types a configuration's backend receives (`ping` only from the test button); the SDK's verifier names the same. */
export type { CallbackEventType };

/** The fields every callback's `data` carries: whose change it is. */
export interface CallbackSubject {
  readonly configId: string;
  /** The vendor's user id (`sub` of the embed token); '' when the object belongs to no user. */
  readonly userId: string;
  readonly accountId: string;
  readonly sharingLevel: 'user' | 'account';
}

/** One event: its type, the object whose deliveries keep their order, and its data (ids and statuses only). */
export interface CallbackEventInput {
  readonly type: CallbackEventType;
  readonly subject: CallbackSubject;
  /** The object the event is about (integration, connector auth, end user): its deliveries are sent in order. */
  readonly objectId: string;
  /** The event's own ids and statuses, e.g. `integrationId`, `flowId`. Never credentials or run bodies. */
  readonly fields?: Readonly<Record<string, string | number | boolean | null>>;
}

/** The body of a callback as sent (docs/callbacks.md). */
export interface CallbackBody {
  readonly type: CallbackEventType;
  readonly timestamp: string;
  readonly data: CallbackSubject & Readonly<Record<string, unknown>>;
}

/** The PostgreSQL channel an enqueue notifies at commit; delivery workers `LISTEN` on it. */
export const CALLBACK_CHANNEL = 'patchbay_callbacks';

let lastMs = 0;
let counter = 0;

/**
 * A `webhook-id`: `msg_` and 32 hex digits — 12 of the wall clock's milliseconds, 4 of a counter
 * within this process, 16 random — so ids written in one process increase: deliveries of one
 * object written in the same millisecond (one transaction) keep their order, which the queue
 * breaks ties of `created_at` by.
 */
export function newWebhookId(): string {
  const ms = Math.max(Date.now(), lastMs);
  if (ms === lastMs) counter += 1;
  else counter = 0;
  lastMs = ms;
  if (counter > 0xffff) {
    lastMs += 1;
    counter = 0;
  }
  const random = randomBytes(8).toString('hex');
  return `msg_${lastMs.toString(16).padStart(12, '0')}${counter.toString(16).padStart(4, '0')}${random}`;
}

/**
 * Writes the delivery of `event` through `tx` (a context inside `inTransaction`): nothing when the
 * configuration has no callback URL or its callbacks were stopped by a 410. Answers the delivery
 * id (the `webhook-id`), or null when nothing was written.
 */
export async function enqueue(tx: OutboxContext, event: CallbackEventInput): Promise<string | null> {
  const target = await findCallbackTarget(tx.db, event.subject.configId);
  if (!target?.callback_url || !target.callback_secret_enc || target.callbacks_disabled_at !== null) return null;
  return writeDelivery(tx, event);
}

/**
 * Writes a delivery whatever the configuration's state (the test button's `ping`). With `lease`
 * the row is written already leased to the caller, who sends it itself (no worker takes it
 * unless the lease runs out).
 */
export async function writeDelivery(
  tx: OutboxContext,
  event: CallbackEventInput,
  lease?: { owner: string; until: string },
): Promise<string> {
  const now = nowIso(tx);
  const body: CallbackBody = {
    type: event.type,
    timestamp: now,
    data: {
      ...event.fields,
      configId: event.subject.configId,
      userId: event.subject.userId,
      accountId: event.subject.accountId,
      sharingLevel: event.subject.sharingLevel,
    },
  };
  const id = newWebhookId();
  await insertCallbackDelivery(
    tx.db,
    {
      id,
      config_id: event.subject.configId,
      event_type: event.type,
      object_key: `${event.subject.configId}:${event.objectId}`,
      payload: JSON.stringify(body),
      not_before: now,
      created_at: now,
    },
    lease,
  );
  if (lease) return id;
  // other processes' workers (PostgreSQL): a notification delivered when the transaction commits
  if (tx.db.dialect === 'postgres') await tx.db.get(sql`SELECT pg_notify(${CALLBACK_CHANNEL}, '') AS notified`);
  // this process's delivery workers start at once when the change commits (others poll)
  afterCommit(() => nudgeQueue(callbackQueueSpec.table));
  return id;
}

/** Whose integration `integrationId` is, for an event about it (call before deleting it). */
export async function integrationSubject(
  db: Queryable,
  integrationId: string,
): Promise<(CallbackSubject & { flowId: string; status: string }) | undefined> {
  const row = await db.get<{
    config_id: string;
    user_id: string;
    account_id: string;
    sharing_level: 'user' | 'account';
    flow_id: string;
    status: string;
  }>(
    sql`SELECT i.config_id, u.user_id, i.account_id, i.sharing_level, i.flow_id, i.status
      FROM integrations i JOIN end_users u ON u.id = i.owner_end_user_id WHERE i.id = ${integrationId}`,
  );
  if (!row) return undefined;
  return {
    configId: row.config_id,
    userId: row.user_id,
    accountId: row.account_id,
    sharingLevel: row.sharing_level,
    flowId: row.flow_id,
    status: row.status,
  };
}

/**
 * Enqueues `type` about an integration, reading whose it is from the row (so user, admin and
 * system changes report alike). Call it inside the change's transaction, before a delete.
 */
export async function enqueueIntegrationEvent(
  tx: OutboxContext,
  type: 'integration.enabled' | 'integration.updated' | 'integration.disabled' | 'integration.deleted',
  integrationId: string,
): Promise<string | null> {
  const s = await integrationSubject(tx.db, integrationId);
  if (!s) return null;
  const { flowId, status, ...subject } = s;
  return enqueue(tx, {
    type,
    subject,
    objectId: integrationId,
    fields: { integrationId, flowId, status: type === 'integration.deleted' ? 'deleted' : status },
  });
}

/** Whose connector auth `connectorAuthId` is, for an event about it (call before deleting it). */
export async function connectorAuthSubject(
  db: Queryable,
  connectorAuthId: string,
): Promise<(CallbackSubject & { connectorId: string; status: string }) | undefined> {
  const row = await db.get<{
    config_id: string;
    user_id: string | null;
    account_id: string | null;
    sharing_level: 'user' | 'account';
    connector_id: string;
    status: string;
  }>(
    sql`SELECT a.config_id, u.user_id, COALESCE(a.account_id, u.account_id) AS account_id, a.sharing_level, a.connector_id, a.status
      FROM connector_auths a LEFT JOIN end_users u ON u.id = a.owner_end_user_id WHERE a.id = ${connectorAuthId}`,
  );
  if (!row) return undefined;
  return {
    configId: row.config_id,
    userId: row.user_id ?? '',
    accountId: row.account_id ?? '',
    sharingLevel: row.sharing_level,
    connectorId: row.connector_id,
    status: row.status,
  };
}

/** Enqueues `type` about a connector auth (created, updated, deleted, needsReauth, recovered); call it inside the change's transaction, before a delete. */
export async function enqueueConnectorAuthEvent(
  tx: OutboxContext,
  type:
    | 'connectorAuth.created'
    | 'connectorAuth.updated'
    | 'connectorAuth.deleted'
    | 'connectorAuth.needsReauth'
    | 'connectorAuth.recovered',
  connectorAuthId: string,
  extra: Readonly<Record<string, string>> = {},
): Promise<string | null> {
  const s = await connectorAuthSubject(tx.db, connectorAuthId);
  if (!s) return null;
  const { connectorId, status, ...subject } = s;
  return enqueue(tx, {
    type,
    subject,
    objectId: connectorAuthId,
    fields: { ...extra, connectorAuthId, connectorId, status: type === 'connectorAuth.deleted' ? 'deleted' : status },
  });
}

/** Enqueues `run.succeeded` or `run.failed` for a settled run: ids and its status and error code, never its body. */
export async function enqueueRunEvent(
  tx: OutboxContext,
  run: { id: string; integrationId: string; status: 'success' | 'error'; errorCode?: string | null },
): Promise<string | null> {
  const s = await integrationSubject(tx.db, run.integrationId);
  if (!s) return null;
  const { flowId, status: _status, ...subject } = s;
  return enqueue(tx, {
    type: run.status === 'success' ? 'run.succeeded' : 'run.failed',
    subject,
    objectId: run.integrationId,
    fields: {
      runId: run.id,
      integrationId: run.integrationId,
      flowId,
      status: run.status,
      ...(run.errorCode ? { errorCode: run.errorCode } : {}),
    },
  });
}

/** Enqueues `consent.given` for an end user (`endUserId` is Patchbay's end-user row id). */
export async function enqueueConsentGiven(tx: OutboxContext, endUserId: string): Promise<string | null> {
  const row = await tx.db.get<{ config_id: string; user_id: string; account_id: string; sharing_level: 'user' | 'account' }>(
    sql`SELECT u.config_id, u.user_id, u.account_id, c.sharing_level FROM end_users u JOIN embed_configs c ON c.id = u.config_id WHERE u.id = ${endUserId}`,
  );
  if (!row) return null;
  return enqueue(tx, {
    type: 'consent.given',
    subject: { configId: row.config_id, userId: row.user_id, accountId: row.account_id, sharingLevel: row.sharing_level },
    objectId: endUserId,
  });
}

/**
 * Enqueues `data.deleted` after `DELETE /embed/api/data` removed an end user's data: call it in
 * that transaction with the subject read BEFORE the delete (the end-user row may be gone after).
 * `fields` names what went (counts, ids), never the data.
 */
export async function enqueueDataDeleted(
  tx: OutboxContext,
  subject: CallbackSubject & { endUserId: string },
  fields: Readonly<Record<string, string | number>> = {},
): Promise<string | null> {
  const { endUserId, ...rest } = subject;
  return enqueue(tx, { type: 'data.deleted', subject: rest, objectId: endUserId, fields });
}

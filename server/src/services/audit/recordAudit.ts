import type { Principal } from '../../auth/principal.ts';
import { type AppContext, nowIso } from '../../context.ts';
import { newId } from '../../crypto/tokens.ts';
import { type AuditEventRow, insertAuditEvent } from '../../db/repos/auditEvents.ts';
import { redact } from '../../log.ts';

/** Who an audit event is attributed to. */
export type Actor = Principal | { kind: 'system' };

/** What happened. */
export interface AuditEntry {
  readonly action: string;
  readonly objectType: string;
  readonly objectId: string | null;
  readonly configId?: string | null;
  readonly details?: Record<string, unknown>;
  readonly requestId?: string | null;
}

function actorOf(actor: Actor): { type: AuditEventRow['actor_type']; id: string | null } {
  switch (actor.kind) {
    case 'admin':
      return actor.via === 'api_token' ? { type: 'api_token', id: actor.tokenId } : { type: 'admin', id: actor.adminUserId };
    case 'end_user':
      return { type: 'end_user', id: actor.endUserId };
    case 'system':
      return { type: 'system', id: null };
  }
}

/** Records one audit event; details are redacted like log lines. Call it inside the write's transaction. */
export async function recordAudit(ctx: AppContext, actor: Actor, entry: AuditEntry): Promise<void> {
  const who = actorOf(actor);
  await insertAuditEvent(ctx.db, {
    id: newId('aud'),
    at: nowIso(ctx),
    actor_type: who.type,
    actor_id: who.id,
    action: entry.action,
    object_type: entry.objectType,
    object_id: entry.objectId,
    config_id: entry.configId ?? null,
    request_id: entry.requestId ?? null,
    details: JSON.stringify(redact(entry.details ?? {})),
  });
}

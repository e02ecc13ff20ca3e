import type { EmbedSession } from '@patchbay/shared';
import { type ApiError, toApiError } from './api.ts';

/** Renew this long before the session expires. */
export const RENEW_BEFORE_MS = 60_000;

// The session token lives in this module only: never in storage, cookies or a URL.
let current: { token: string; expiresAt: number } | undefined;
let timer: ReturnType<typeof setTimeout> | undefined;
let pending: Promise<EmbedSession> | undefined;

/** The current session token, if any. */
export function sessionToken(): string | undefined {
  return current?.token;
}

/** Milliseconds from `now` until the session should be renewed (never negative; 0 = renew now). */
export function renewDelay(expiresAt: string, now: number): number {
  const remaining = Date.parse(expiresAt) - now;
  if (Number.isNaN(remaining) || remaining <= 0) return MIN_RENEW_DELAY_MS;
  // Short sessions (tokens of a minute or less) renew half-way, never in a tight loop.
  return Math.max(MIN_RENEW_DELAY_MS, remaining - RENEW_BEFORE_MS, remaining / 2);
}

/** The shortest wait before a renewal, so a short or broken expiry never becomes a request loop. */
export const MIN_RENEW_DELAY_MS = 5_000;

/** What the session manager needs from its surroundings. */
export interface SessionDeps {
  configId: string;
  /** Asks the host page for a fresh embed token. */
  getToken(): Promise<string>;
  /** Called with every new session (the first and each renewal). */
  onSession(session: EmbedSession): void;
  /** Called when a scheduled renewal fails. */
  onError(error: unknown): void;
}

/**
 * Exchanges an embed token for a session (`POST /embed/api/session`) and schedules the next
 * exchange at `expiresAt − 60 s`. Concurrent callers share one exchange.
 */
export function exchangeSession(deps: SessionDeps): Promise<EmbedSession> {
  if (pending !== undefined) return pending;
  pending = (async () => {
    const token = await deps.getToken();
    if (typeof token !== 'string' || token.length === 0) throw toApiError(401, null);
    let res: Response;
    try {
      res = await fetch('/embed/api/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ token, configId: deps.configId }),
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch {
      throw toApiError(0, { error: { code: 'network_error', message: 'Network error' } }) as ApiError;
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) throw toApiError(res.status, body);
    const session = body as EmbedSession;
    current = { token: session.sessionToken, expiresAt: Date.parse(session.expiresAt) };
    schedule(deps, session.expiresAt);
    deps.onSession(session);
    return session;
  })();
  return pending.finally(() => {
    pending = undefined;
  });
}

function schedule(deps: SessionDeps, expiresAt: string): void {
  if (timer) clearTimeout(timer);
  timer = setTimeout(
    () => {
      exchangeSession(deps).catch(deps.onError);
    },
    renewDelay(expiresAt, Date.now()),
  );
}

/** Forgets the session (tests, teardown). */
export function clearSession(): void {
  if (timer) clearTimeout(timer);
  current = undefined;
  timer = undefined;
  pending = undefined;
}

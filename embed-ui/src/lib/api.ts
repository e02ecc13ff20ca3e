import type { ValidationIssue } from '@patchbay/shared';
import type { ErrorCode } from '@patchbay/shared/protocol';

/** One problem of a request, from `error.details.issues`. */
export type Issue = ValidationIssue;

/** A failed API call: the server's envelope, or `network_error` when no answer came. */
export class ApiError extends Error {
  /** Builds the error from its parts. */
  constructor(
    readonly status: number,
    readonly code: ErrorCode | 'network_error' | 'bad_response',
    message: string,
    readonly details: unknown = undefined,
    readonly requestId: string | undefined = undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** `details.issues` when the server sent them. */
  get issues(): Issue[] {
    const issues = (this.details as { issues?: unknown } | undefined)?.issues;
    if (!Array.isArray(issues)) return [];
    return issues.filter(
      (i): i is Issue => typeof i === 'object' && i !== null && typeof i.path === 'string' && typeof i.message === 'string',
    );
  }
}

/** Maps an error answer (status + parsed JSON body, or anything) to an {@link ApiError}. */
export function toApiError(status: number, body: unknown): ApiError {
  const error = (body as { error?: Record<string, unknown> } | null)?.error;
  if (error && typeof error === 'object' && typeof error.code === 'string' && typeof error.message === 'string') {
    const requestId = typeof error.requestId === 'string' ? error.requestId : undefined;
    return new ApiError(status, error.code as ErrorCode, error.message, error.details, requestId);
  }
  return new ApiError(status, 'bad_response', `Unexpected answer (HTTP ${status})`);
}

/** Field errors by key from validation issues whose path starts with `prefix` (e.g. `body.inputs.`). */
export function fieldErrors(error: ApiError, prefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of error.issues) {
    if (!issue.path.startsWith(prefix)) continue;
    const key = issue.path.slice(prefix.length).split('.')[0];
    if (key && !(key in out)) out[key] = issue.message;
  }
  return out;
}

/** How the client finds and renews its session. */
export interface SessionSource {
  /** The current session token (memory only). */
  token(): string | undefined;
  /** Exchanges a fresh embed token for a new session; resolves when it is in place. */
  renew(): Promise<void>;
  /**
   * Called when the server answers 403 `consent_required` (consent is asked for and the caller's
   * scope has not, or no longer, given it): show the consent screen again. The call still rejects.
   */
  onConsentRequired?(): void;
}

/** A JSON client for `/embed/api`, with the session as Bearer and one retry after a renewed session. */
export interface Api {
  /** GET and parse. */
  get<T>(path: string): Promise<T>;
  /** POST a JSON body. */
  post<T>(path: string, body: unknown): Promise<T>;
  /** PATCH a JSON body. */
  patch<T>(path: string, body: unknown): Promise<T>;
  /** DELETE; resolves with nothing. */
  del(path: string): Promise<void>;
}

type Fetch = (input: string, init: RequestInit) => Promise<Response>;

/** Creates the client; `base` is the API prefix (`/embed/api`). */
export function createApi(session: SessionSource, base = '/embed/api', fetchImpl: Fetch = (i, init) => fetch(i, init)): Api {
  async function send(method: string, path: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const token = session.token();
    if (token) headers.authorization = `Bearer ${token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      return await fetchImpl(base + path, {
        method,
        headers,
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch {
      throw new ApiError(0, 'network_error', 'Network error');
    }
  }

  async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
    let res = await send(method, path, body);
    if (res.status === 401) {
      const first = await readJson(res);
      const error = toApiError(401, first);
      if (error.code !== 'session_expired') throw error;
      await session.renew();
      res = await send(method, path, body);
    }
    if (res.status === 204) return undefined as T;
    const json = await readJson(res);
    if (!res.ok) {
      const error = toApiError(res.status, json);
      if (error.code === 'consent_required') session.onConsentRequired?.();
      throw error;
    }
    return json as T;
  }

  return {
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    patch: (path, body) => request('PATCH', path, body),
    del: (path) => request('DELETE', path),
  };
}

async function readJson(res: Response): Promise<unknown> {
  try {
    return await res.json();
  } catch {
    return null;
  }
}

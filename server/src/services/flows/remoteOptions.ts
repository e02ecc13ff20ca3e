import type { Readable } from 'node:stream';
import { REMOTE_OPTIONS_MAX_ITEMS, type RemoteOptionList } from '@patchbay/shared';
import { authUsableBy } from '../../auth/endUserScope.ts';
import type { EndUserPrincipal } from '../../auth/principal.ts';
import type { AppContext } from '../../context.ts';
import { findConnectorAuth } from '../../db/repos/connectorAuths.ts';
import { findConnector } from '../../db/repos/connectors.ts';
import { findEndUser } from '../../db/repos/endUsers.ts';
import { sql } from '../../db/sql.ts';
import { AppError, notFound } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { RunTemplateError, RunTemplates } from '../../runs/template.ts';
import { callUpstream, type UpstreamAuth } from '../proxy/proxy.ts';
import { secretRedactor } from '../proxy/secretRedaction.ts';
import { findOfferedFlow } from './forEmbed.ts';
import { renderedPathProblem, type TemplateContext } from './templates.ts';

/**
 * `GET /embed/api/flows/{flowId}/inputs/{inputKey}/options` (docs/runs.md, "Remote options"): the
 * options of a select whose input declares `remoteOptions`, loaded from the slot's connector
 * through the proxy's one call path (`callUpstream`: credential injection, token refresh, egress
 * guard), with a connector auth the caller may use (or the auth the vendor pre-filled the slot
 * with). The path template sees `embed` (who asks) and `q` (the search text); the answer's list
 * sits at `itemsPath` (dotted, own properties only; the body itself when left out), each item's
 * `valueKey` and `labelKey` make an option. Filtered by `q` on the label (case-insensitive),
 * capped at {@link REMOTE_OPTIONS_MAX_ITEMS}, redacted of every credential the call injected.
 */

/** The connector has this long for the whole answer (headers and body): a form waits on it. */
export const REMOTE_OPTIONS_TIMEOUT_MS = 10_000;
/** Largest answer read. */
export const REMOTE_OPTIONS_MAX_BYTES = 2 * 1024 * 1024;

/** What the caller asked for. */
export interface RemoteOptionsQuery {
  readonly connectorAuthId?: string | undefined;
  readonly q?: string | undefined;
}

const badAnswer = (message: string) => new AppError('upstream_error', message, { reason: 'bad_answer' });

/** The auth the options are loaded through: the slot's pre-filled one, or one the caller may use for the slot's connector. */
async function optionsAuth(
  ctx: AppContext,
  p: EndUserPrincipal,
  slot: { connectorId: string; connectorAuthId?: string | undefined },
  id?: string,
) {
  let authId: string;
  let visible = authUsableBy(p);
  if (slot.connectorAuthId !== undefined) {
    // the vendor supplies this connection: the end user never sees the auth, but may use it for this
    // flow, when it is vendor-owned and of this configuration (as binding it requires, bindings.ts)
    if (id !== undefined && id !== slot.connectorAuthId) throw notFound('Connector auth', id);
    authId = slot.connectorAuthId;
    visible = sql`(ca.config_id = ${p.configId} AND ca.created_via IN ('vendor_api', 'embed_token'))`;
  } else if (id === undefined) {
    throw new AppError('validation_failed', 'connectorAuthId is required: the options are loaded through your connection', {
      issues: [{ path: 'query.connectorAuthId', message: 'required' }],
    });
  } else {
    authId = id;
  }
  const auth = await findConnectorAuth(ctx.db, authId, visible);
  // an auth of another connector is as unknown here as another user's
  if (!auth || auth.connector_id !== slot.connectorId) throw notFound('Connector auth', authId);
  if (auth.status !== 'active') {
    const what = { needs_reauth: 'needs to be reconnected', revoked: 'was revoked', disabled: 'is disabled' }[auth.status];
    throw new AppError('unprocessable', `This connection ${what}`, { reason: auth.status });
  }
  const connector = await findConnector(ctx.db, auth.connector_id);
  if (!connector?.base_url)
    throw new AppError('unprocessable', 'The connector has no base URL to load options from', { reason: 'no_base_url' });
  return { auth, connector: { ...connector, base_url: connector.base_url } } satisfies UpstreamAuth;
}

/** Reads a body up to `max` bytes, or fails with `upstream_error` (`too_large`). */
async function readAll(body: Readable | Buffer, max: number, abort: () => void): Promise<Buffer> {
  if (Buffer.isBuffer(body)) return body;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > max) {
      abort();
      throw new AppError('upstream_error', `The connector answered more than ${max / 1024 / 1024} MB of options`, { reason: 'too_large' });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The value at a dotted path of own properties (never the prototype chain). */
function at(value: unknown, path: string | undefined): unknown {
  if (path === undefined || path === '') return value;
  let here = value;
  for (const part of path.split('.')) {
    if (here === null || typeof here !== 'object' || !Object.hasOwn(here, part)) return undefined;
    here = (here as Record<string, unknown>)[part];
  }
  return here;
}

const asText = (v: unknown): string | null =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : null;

/** `GET /embed/api/flows/{flowId}/inputs/{inputKey}/options`; see the module comment. */
export async function listRemoteOptions(
  ctx: AppContext,
  p: EndUserPrincipal,
  flowId: string,
  inputKey: string,
  query: RemoteOptionsQuery,
  log: Logger,
): Promise<RemoteOptionList> {
  const offered = await findOfferedFlow(ctx, p.configId, flowId);
  if (!offered) throw notFound('Flow', flowId);
  const input = offered.def.inputs.find((i) => i.key === inputKey);
  const remote = input?.remoteOptions;
  if (!remote) throw notFound('Input with remote options', inputKey);
  const slot = offered.def.slots.find((s) => s.key === remote.slot);
  if (!slot) throw new AppError('server_error', `The flow's remote options name an unknown slot "${remote.slot}"`);
  const target = await optionsAuth(ctx, p, slot, query.connectorAuthId);

  const user = await findEndUser(ctx.db, p.endUserId);
  const context = {
    trigger: { type: 'options' },
    inputs: {},
    steps: {},
    run: {},
    embed: {
      user_id: p.embedUserId,
      user_name: user?.name ?? null,
      user_email: user?.email ?? null,
      user_language: user?.language ?? null,
      account_id: p.embedAccountId,
      account_name: user?.account_name ?? null,
      state: null,
    },
    q: query.q ?? '',
  } satisfies TemplateContext & { q: string };
  let rendered: string;
  try {
    rendered = await new RunTemplates().text(remote.path, context);
  } catch (err) {
    if (err instanceof RunTemplateError)
      throw new AppError('unprocessable', `The options path did not render: ${err.message}`, { reason: 'template' });
    throw err;
  }
  const problem = renderedPathProblem(rendered);
  if (problem) throw new AppError('unprocessable', `The options path is not usable: ${problem}`, { reason: 'bad_path' });
  const [pathPart, search = ''] = rendered.split(/\?(.*)/s, 2) as [string, string?];

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort('timeout'), REMOTE_OPTIONS_TIMEOUT_MS);
  let body: Buffer;
  let status: number;
  let secrets: ReadonlySet<string>;
  try {
    const answer = await new Promise<Awaited<ReturnType<typeof callUpstream>>>((resolve, reject) => {
      const onAbort = () => reject(new AppError('upstream_error', 'The connector did not answer in time', { reason: 'timeout' }));
      controller.signal.addEventListener('abort', onAbort, { once: true });
      callUpstream(
        ctx,
        target,
        {
          method: 'GET',
          path: pathPart.replace(/^\//, ''),
          query: search === '' ? '' : `?${search}`,
          headers: { accept: 'application/json' },
          signal: controller.signal,
        },
        log,
      ).then((a) => {
        controller.signal.removeEventListener('abort', onAbort);
        if (controller.signal.aborted) a.abort();
        resolve(a);
      }, reject);
    });
    status = answer.status;
    secrets = answer.secrets;
    body = await readAll(answer.body, REMOTE_OPTIONS_MAX_BYTES, answer.abort).catch((err: unknown) => {
      if (controller.signal.aborted) throw new AppError('upstream_error', 'The connector did not answer in time', { reason: 'timeout' });
      throw err;
    });
  } finally {
    clearTimeout(timer);
  }
  if (status < 200 || status >= 300) {
    log.info('remote options: the connector answered an error', { flowId, inputKey, status });
    throw new AppError('upstream_error', `The connector answered ${status} when asked for the options`, {
      reason: 'status',
      upstreamStatus: status,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw badAnswer('The connector did not answer JSON');
  }
  const list = at(parsed, remote.itemsPath);
  if (!Array.isArray(list)) throw badAnswer(`The connector's answer has no list at "${remote.itemsPath ?? ''}"`);
  const redact = secretRedactor(secrets);
  const needle = (query.q ?? '').trim().toLocaleLowerCase();
  const items: RemoteOptionList['items'] = [];
  for (const item of list) {
    const value = asText(at(item, remote.valueKey));
    if (value === null) continue;
    const label = redact.redact(asText(at(item, remote.labelKey)) ?? value);
    if (needle !== '' && !label.toLocaleLowerCase().includes(needle)) continue;
    items.push({ value: redact.redact(value), label });
    if (items.length >= REMOTE_OPTIONS_MAX_ITEMS) break;
  }
  return { items };
}

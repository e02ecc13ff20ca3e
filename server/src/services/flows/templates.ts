import { type FlowDefinition, hasControlCharacter } from '@patchbay/shared';
import { Liquid, Tag, type TagToken, type TopLevelToken } from 'liquidjs';

/**
 * What a flow's Liquid templates see while a run renders a step (docs/runs.md):
 *
 * - `trigger` — what started the run: `{ type: 'schedule' | 'webhook' | 'manual' | 'admin' | 'retry',
 *   payload }`; for a webhook also `body` (JSON parsed, a form as an object, else text), `query` and
 *   `headers` (allowlisted) of the inbound request, and `payload` is its body.
 * - `inputs` — the integration's input values by input key (password inputs decrypted only here).
 * - `steps` — results of the steps run so far, by step id: `{ status, headers, body }`; for a
 *   `forEach` step, `body` is the list of each iteration's bodies.
 * - `embed` — the end user from the embed token: `user_id`, `user_name`, `user_email`,
 *   `user_language`, `account_id`, `account_name`, `state` (the token's `embed_state`).
 * - `run` — `{ id, attempt, startedAt, integrationId, flowId, flowVersion }`.
 * - `item`, `index` — only inside a `forEach` step: the current list item and its position.
 *
 * Rendered values are plain text; a template that puts user data into a path should encode it
 * (`{{ inputs.id | url_encode }}`), and every rendered path is checked with {@link renderedPathProblem}.
 */
export interface TemplateContext {
  readonly trigger: {
    readonly type: string;
    readonly payload?: unknown;
    readonly body?: unknown;
    readonly query?: Readonly<Record<string, string | string[]>>;
    readonly headers?: Readonly<Record<string, string>>;
  };
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly steps: Readonly<Record<string, unknown>>;
  readonly embed: Readonly<Record<string, unknown>>;
  readonly run: Readonly<Record<string, unknown>>;
  readonly item?: unknown;
  readonly index?: number;
}

/** Limits of one template: its source length, its render time and memory, its output size. */
export const TEMPLATE_LIMITS = {
  /** Characters of template source parsed at most. */
  parseChars: 20_000,
  /** Milliseconds one render may take. */
  renderMs: 200,
  /** Bytes liquidjs may allocate for one render (loops, ranges). */
  memory: 4_000_000,
  /** Characters of one rendered string. */
  outputChars: 1_000_000,
} as const;

/** Tags that would read other templates; flows are self-contained, so they are refused at parse time. */
const FILE_TAGS = ['include', 'render', 'layout'] as const;

function refusedTag(name: string) {
  return class extends Tag {
    constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
      super(token, remainTokens, liquid);
      throw new Error(`the "${name}" tag is not allowed in flows`);
    }
    render(): void {}
  };
}

/**
 * A Liquid engine for flows: unknown filters fail at parse time, only own properties are read,
 * no template lookup reaches the file system (an empty in-memory store, and include/render/layout
 * refused), and parse/render/memory limits bound every template.
 */
export function createTemplateEngine(): Liquid {
  const engine = new Liquid({
    strictFilters: true,
    ownPropertyOnly: true,
    templates: {},
    parseLimit: TEMPLATE_LIMITS.parseChars,
    renderLimit: TEMPLATE_LIMITS.renderMs,
    memoryLimit: TEMPLATE_LIMITS.memory,
  });
  for (const name of FILE_TAGS) engine.registerTag(name, refusedTag(name));
  return engine;
}

let shared: Liquid | undefined;
/** The process-wide flow engine (it holds no state between renders). */
export function templateEngine(): Liquid {
  shared ??= createTemplateEngine();
  return shared;
}

/** A template problem, with the path of the offending string inside the definition. */
export interface TemplateIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** Every templated string of a definition with its path (step path/query/headers/body/forEach, remote option paths). */
export function templateStrings(definition: FlowDefinition): { path: (string | number)[]; template: string }[] {
  const out: { path: (string | number)[]; template: string }[] = [];
  const walk = (value: unknown, path: (string | number)[]) => {
    if (typeof value === 'string') {
      out.push({ path, template: value });
    } else if (Array.isArray(value)) {
      value.forEach((v, i) => {
        walk(v, [...path, i]);
      });
    } else if (value !== null && typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    }
  };
  definition.inputs.forEach((input, i) => {
    if (input.remoteOptions) out.push({ path: ['inputs', i, 'remoteOptions', 'path'], template: input.remoteOptions.path });
  });
  definition.steps.forEach((step, i) => {
    const at = ['steps', i];
    out.push({ path: [...at, 'path'], template: step.path });
    for (const [k, v] of Object.entries(step.query ?? {})) out.push({ path: [...at, 'query', k], template: v });
    for (const [k, v] of Object.entries(step.headers ?? {})) out.push({ path: [...at, 'headers', k], template: v });
    if (step.body !== undefined) walk(step.body, [...at, 'body']);
    if (step.forEach !== undefined) out.push({ path: [...at, 'forEach'], template: step.forEach });
  });
  return out;
}

/** Removes Liquid tags and outputs, leaving the literal text a template always produces. */
function literalText(template: string): string {
  return template.replace(/\{\{[\s\S]*?\}\}|\{%[\s\S]*?%\}/g, '');
}

/**
 * Parses every template of a definition; answers the problems (Liquid syntax errors, unknown
 * filters, refused tags, paths whose literal text holds whitespace), each with its path.
 */
export function parseTemplates(definition: FlowDefinition, engine: Liquid = templateEngine()): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  for (const { path, template } of templateStrings(definition)) {
    try {
      engine.parse(template);
    } catch (err) {
      issues.push({ path, message: `Liquid: ${err instanceof Error ? err.message : String(err)}` });
      continue;
    }
    const last = path.at(-1);
    if (last === 'path' && /\s/.test(literalText(template))) {
      issues.push({ path, message: 'a path must not contain whitespace outside {{ }} (encode it as %20)' });
    }
  }
  return issues;
}

/** Raised when a render fails or exceeds a limit; the message is safe to show to the flow's owner. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
}

/** Renders one template over a run's context with the engine's limits; output above the size limit fails. */
export function renderTemplate(engine: Liquid, template: string, context: TemplateContext): string {
  let out: unknown;
  try {
    out = engine.parseAndRenderSync(template, context as unknown as Record<string, unknown>);
  } catch (err) {
    throw new TemplateError(err instanceof Error ? err.message : String(err));
  }
  const text = String(out);
  if (text.length > TEMPLATE_LIMITS.outputChars) {
    throw new TemplateError(`rendered text is longer than ${TEMPLATE_LIMITS.outputChars} characters`);
  }
  return text;
}

/** Renders every string leaf of a JSON value (a step body), keeping its shape. */
export function renderJson(engine: Liquid, value: unknown, context: TemplateContext): unknown {
  if (typeof value === 'string') return renderTemplate(engine, value, context);
  if (Array.isArray(value)) return value.map((v) => renderJson(engine, v, context));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderJson(engine, v, context)]));
  }
  return value;
}

/** Evaluates a `forEach` (`{{ expression }}`) to the list it names; anything but an array fails. */
export function evaluateForEach(engine: Liquid, forEach: string, context: TemplateContext): unknown[] {
  const expression = /^\s*\{\{-?([^{}]+?)-?\}\}\s*$/.exec(forEach)?.[1];
  if (expression === undefined) throw new TemplateError('forEach must be one Liquid output, e.g. "{{ steps.list.body.items }}"');
  let value: unknown;
  try {
    value = engine.evalValueSync(expression, context as unknown as Record<string, unknown>);
  } catch (err) {
    throw new TemplateError(err instanceof Error ? err.message : String(err));
  }
  if (!Array.isArray(value)) throw new TemplateError('forEach did not name a list');
  return value;
}

/**
 * Checks a rendered step path before it is joined to the connector's base URL: it must start
 * with one `/`, carry no scheme or host, no backslash, no control character and no `..` segment.
 * Answers the problem, or null when the path is safe.
 */
export function renderedPathProblem(path: string): string | null {
  if (!path.startsWith('/') || path.startsWith('//')) return 'the path must start with a single "/"';
  if (/[\\\s]/.test(path) || hasControlCharacter(path)) return 'the path must not contain whitespace, a backslash or control characters';
  const pathname = path.split(/[?#]/, 1)[0] ?? '';
  const segments = pathname.split('/').map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  if (segments.some((s) => s === '..' || s === '.')) return 'the path must not contain "." or ".." segments';
  return null;
}

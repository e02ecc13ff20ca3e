import type { Liquid, Template } from 'liquidjs';
import { TEMPLATE_LIMITS, type TemplateContext, templateEngine } from '../services/flows/templates.ts';

/**
 * Liquid for run steps (docs/runs.md, "Steps"), over `{ trigger, inputs, steps, embed, run }` (and
 * `item`, `index` inside a `forEach`). The engine is the one flows are checked with when saved
 * (`services/flows/templates.ts`), so what was accepted then renders the same now: no file system
 * (`include`, `render` and `layout` are refused when parsed, and templates come from an empty
 * in-memory store), only own properties are read (`constructor`, `__proto__`, `process` render
 * nothing), unknown filters fail, and every render is bounded by liquidjs's `renderLimit` (time),
 * `memoryLimit` (what loops, ranges and string filters allocate) and `parseLimit`; rendered text
 * longer than {@link TEMPLATE_LIMITS}.outputChars fails too.
 *
 * Liquid renders synchronously underneath, so one render holds the event loop for at most its
 * render limit; between renders this module yields to the event loop, and a run's renders share
 * a budget ({@link RUN_RENDER_BUDGET_MS}), so a flow with many slow templates fails instead of
 * occupying a worker.
 *
 * JSON bodies: every string leaf is a template. A leaf that is exactly one output (`"{{ inputs.count }}"`,
 * whitespace around it allowed) keeps the type of its value — a number, boolean, list or object
 * is sent as such, a missing value as null; any other leaf renders to text.
 */

/** Time all renders of one run may take together. */
export const RUN_RENDER_BUDGET_MS = 5_000;
/** Most items a `forEach` may name. */
export const MAX_FOR_EACH_ITEMS = 1_000;

/** Why a template failed: it does not parse or render (`template_error`), or it hit a limit (`template_limit`). */
export class RunTemplateError extends Error {
  override readonly name = 'RunTemplateError';
  constructor(
    readonly code: 'template_error' | 'template_limit',
    message: string,
  ) {
    super(message);
  }
}

const LIMIT_MESSAGES = /(render limit exceeded|memory alloc limit exceeded|parse length limit exceeded)/i;
const SINGLE_OUTPUT = /^\s*\{\{-?([^{}]+?)-?\}\}\s*$/;

function failure(err: unknown): RunTemplateError {
  if (err instanceof RunTemplateError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new RunTemplateError(LIMIT_MESSAGES.test(message) ? 'template_limit' : 'template_error', `Liquid: ${message}`);
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A value as plain JSON (what a body may carry): undefined becomes null, non-finite numbers null. */
function asJson(value: unknown): unknown {
  if (value === undefined) return null;
  const text = JSON.stringify(value);
  if (text === undefined) return null;
  if (text.length > TEMPLATE_LIMITS.outputChars) {
    throw new RunTemplateError('template_limit', `a rendered value is longer than ${TEMPLATE_LIMITS.outputChars} characters`);
  }
  return JSON.parse(text) as unknown;
}

/** The templates of one run: parsed once each, rendered within the run's budget. */
export class RunTemplates {
  private readonly parsed = new Map<string, Template[]>();
  private spentMs = 0;

  constructor(
    private readonly engine: Liquid = templateEngine(),
    private readonly budgetMs: number = RUN_RENDER_BUDGET_MS,
  ) {}

  private parse(template: string): Template[] {
    let hit = this.parsed.get(template);
    if (!hit) {
      try {
        hit = this.engine.parse(template);
      } catch (err) {
        throw failure(err);
      }
      if (this.parsed.size > 500) this.parsed.clear();
      this.parsed.set(template, hit);
    }
    return hit;
  }

  private async timed<T>(fn: () => Promise<T>): Promise<T> {
    if (this.spentMs > this.budgetMs) {
      throw new RunTemplateError('template_limit', `the run's templates took longer than ${this.budgetMs} ms to render`);
    }
    await yieldToEventLoop();
    const started = performance.now();
    try {
      return await fn();
    } catch (err) {
      throw failure(err);
    } finally {
      this.spentMs += performance.now() - started;
    }
  }

  /** Renders a template to text. */
  async text(template: string, context: TemplateContext): Promise<string> {
    if (!template.includes('{')) return template;
    const parsed = this.parse(template);
    const out = await this.timed(async () => String(await this.engine.render(parsed, context as unknown as Record<string, unknown>)));
    if (out.length > TEMPLATE_LIMITS.outputChars) {
      throw new RunTemplateError('template_limit', `rendered text is longer than ${TEMPLATE_LIMITS.outputChars} characters`);
    }
    return out;
  }

  /** Renders a JSON leaf: exactly one output keeps its value's type, anything else is text. */
  async value(template: string, context: TemplateContext): Promise<unknown> {
    const expression = SINGLE_OUTPUT.exec(template)?.[1];
    if (expression === undefined) return this.text(template, context);
    this.parse(template); // refuse what saving would have refused, the same way
    const value = await this.timed(() => this.engine.evalValue(expression, context as unknown as Record<string, unknown>));
    return asJson(value);
  }

  /** Renders every string of a JSON value (a step body), keeping its shape. */
  async json(value: unknown, context: TemplateContext): Promise<unknown> {
    if (typeof value === 'string') return this.value(value, context);
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const item of value) out.push(await this.json(item, context));
      return out;
    }
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[k] = await this.json(v, context);
      return out;
    }
    return value;
  }

  /** Evaluates a `forEach` to its list: anything but a list, or more than {@link MAX_FOR_EACH_ITEMS} items, fails. */
  async list(forEach: string, context: TemplateContext): Promise<unknown[]> {
    const expression = SINGLE_OUTPUT.exec(forEach)?.[1];
    if (expression === undefined)
      throw new RunTemplateError('template_error', 'forEach must be one Liquid output, e.g. "{{ steps.list.body.items }}"');
    const value = await this.timed(() => this.engine.evalValue(expression, context as unknown as Record<string, unknown>));
    if (!Array.isArray(value)) throw new RunTemplateError('template_error', 'forEach did not name a list');
    if (value.length > MAX_FOR_EACH_ITEMS) {
      throw new RunTemplateError('template_limit', `forEach named ${value.length} items; at most ${MAX_FOR_EACH_ITEMS} are allowed`);
    }
    return value;
  }
}

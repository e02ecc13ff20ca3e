import type { RequestSpec } from '../measure.ts';
import type { BareExpress } from '../targets/bareExpress.ts';
import type { PatchbayTarget } from '../targets/patchbay.ts';

/** The servers every scenario may load, started once per run. */
export interface Targets {
  readonly bare: BareExpress;
  readonly patchbay: PatchbayTarget;
}

/** A scenario made ready: the request to fire, and anything to release afterwards. */
export interface Prepared {
  readonly request: RequestSpec;
  close?(): Promise<void>;
}

/** One measured thing. `prepare` seeds what it needs and checks one request succeeds before load starts. */
export interface Scenario {
  readonly name: string;
  readonly description: string;
  /**
   * Another scenario's name to report this one against, besides the baseline: the latency this one
   * adds (p50/p99 minus theirs, ms) and its throughput as a ratio of theirs. That scenario always runs too.
   */
  readonly compareWith?: string;
  prepare(targets: Targets): Promise<Prepared>;
}

/** A setup step answered something unexpected; the message says which call and what came back. */
export class ScenarioSetupError extends Error {}

/** Throws {@link ScenarioSetupError} unless `res` has the expected status; a 5xx comes with the server's last error line. */
export function expectStatus(what: string, res: { status: number; body: unknown }, status: number, target?: PatchbayTarget): void {
  if (res.status === status) return;
  const logged = res.status >= 500 && target ? ` — server log: ${target.recentErrors().at(-1)?.slice(0, 600) ?? '(nothing)'}` : '';
  throw new ScenarioSetupError(`${what} answered ${res.status} (expected ${status}): ${JSON.stringify(res.body).slice(0, 300)}${logged}`);
}

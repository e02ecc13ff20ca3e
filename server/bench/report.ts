import type { Measurement } from './measure.ts';

/** One scenario's outcome: measured (with ratios to the baseline), or failed with a reason. */
export type ScenarioResult =
  | {
      readonly name: string;
      readonly description: string;
      readonly ok: true;
      readonly measurement: Measurement;
      /** Throughput ÷ baseline throughput, and latency ÷ baseline latency (so > 1 is slower). */
      readonly ratios: { readonly throughput: number; readonly p50: number; readonly p99: number };
    }
  | { readonly name: string; readonly description: string; readonly ok: false; readonly error: string };

/** `a / b`, or NaN when there is nothing to divide by. */
export function ratio(a: number, b: number): number {
  return b > 0 && Number.isFinite(a) ? a / b : Number.NaN;
}

const num = (v: number, digits: number) => (Number.isFinite(v) ? v.toFixed(digits) : '—');

/** A plain-text table: requests/s, p50 and p99 (ms), then the same as ratios to the baseline. */
export function formatTable(results: readonly ScenarioResult[]): string {
  const header = ['scenario', 'req/s', 'p50 ms', 'p99 ms', 'req/s ×bare', 'p50 ×bare', 'p99 ×bare', 'non-2xx'];
  const rows = results.map((r) => {
    if (!r.ok) return [r.name, 'FAILED', '', '', '', '', '', r.error];
    const m = r.measurement;
    const bad = Object.entries(m.failures).map(([code, n]) => `${code}:${n}`);
    if (m.errors) bad.push(`errors:${m.errors}`);
    if (m.timeouts) bad.push(`timeouts:${m.timeouts}`);
    return [
      r.name,
      Math.round(m.requestsPerSecond).toLocaleString('en-US'),
      num(m.p50, 2),
      num(m.p99, 2),
      num(r.ratios.throughput, 2),
      num(r.ratios.p50, 2),
      num(r.ratios.p99, 2),
      bad.join(' ') || '0',
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (i === 7 ? 0 : (row[i] ?? '').length))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === 0 || i === 7 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** Whether a result shows anything went wrong: a setup failure, a non-2xx answer, an error or a timeout. */
export function isBroken(r: ScenarioResult): boolean {
  return !r.ok || Object.keys(r.measurement.failures).length > 0 || r.measurement.errors > 0 || r.measurement.timeouts > 0;
}

/** One scenario against the scenario it names in `compareWith`, both measured in the same run. */
export type Comparison =
  | {
      readonly name: string;
      readonly compareWith: string;
      readonly ok: true;
      /** This scenario's p50 minus the other's, ms (the latency it adds). */
      readonly addedP50Ms: number;
      /** This scenario's p99 minus the other's, ms. */
      readonly addedP99Ms: number;
      /** This scenario's requests/s ÷ the other's (< 1 is slower). */
      readonly throughputRatio: number;
    }
  | { readonly name: string; readonly compareWith: string; readonly ok: false; readonly error: string };

/** Compares the result named `name` with the result named `compareWith`; not ok when either is missing or failed. */
export function compare(results: readonly ScenarioResult[], name: string, compareWith: string): Comparison {
  const mine = results.find((r) => r.name === name);
  const theirs = results.find((r) => r.name === compareWith);
  if (!mine?.ok) return { name, compareWith, ok: false, error: `${name} was not measured` };
  if (!theirs?.ok) return { name, compareWith, ok: false, error: `${compareWith} was not measured` };
  const a = mine.measurement;
  const b = theirs.measurement;
  return {
    name,
    compareWith,
    ok: true,
    addedP50Ms: a.p50 - b.p50,
    addedP99Ms: a.p99 - b.p99,
    throughputRatio: ratio(a.requestsPerSecond, b.requestsPerSecond),
  };
}

/** A plain-text table of comparisons: added p50 and p99 (ms) and the throughput ratio. */
export function formatComparisonTable(comparisons: readonly Comparison[]): string {
  const header = ['scenario', 'vs', 'added p50 ms', 'added p99 ms', 'req/s ratio'];
  const signed = (v: number) => (Number.isFinite(v) && v >= 0 ? `+${v.toFixed(2)}` : num(v, 2));
  const rows = comparisons.map((c) =>
    c.ok
      ? [c.name, c.compareWith, signed(c.addedP50Ms), signed(c.addedP99Ms), num(c.throughputRatio, 2)]
      : [c.name, c.compareWith, 'FAILED', '', c.error],
  );
  const widths = header.map((h, i) =>
    Math.max(h.length, ...rows.map((row) => (i === 4 && row[2] === 'FAILED' ? 0 : (row[i] ?? '').length))),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i < 2 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

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

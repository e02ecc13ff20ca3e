import autocannon, { type Result } from 'autocannon';

/** One HTTP request to fire repeatedly. */
export interface RequestSpec {
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** How hard and how long to load a target. */
export interface LoadOptions {
  readonly connections: number;
  readonly seconds: number;
}

/** What one measured run gives. Latencies are ms, computed from every 2xx answer (sub-ms precision). */
export interface Measurement {
  readonly requestsPerSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  /** Answers outside 2xx, by status code. */
  readonly failures: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
}

/** The value below which `q` of the sorted samples fall (nearest rank). */
function percentile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}

/**
 * Loads one request with autocannon for `seconds`. autocannon's own histogram keeps whole
 * milliseconds, which flattens a sub-millisecond route to 0 or 1; the `response` event carries
 * the fractional latency, so percentiles are computed from those.
 */
export function measure(spec: RequestSpec, load: LoadOptions): Promise<Measurement> {
  const latencies: number[] = [];
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        method: spec.method ?? 'GET',
        connections: load.connections,
        duration: load.seconds,
        timeout: 10,
        headers: spec.headers ?? {},
        ...(spec.body === undefined ? {} : { body: spec.body }),
      },
      (err: Error | null, result: Result) => {
        if (err) {
          reject(err);
          return;
        }
        latencies.sort((a, b) => a - b);
        const failures: Record<string, number> = {};
        for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) {
          if (!code.startsWith('2')) failures[code] = Number(stat.count);
        }
        resolve({
          requestsPerSecond: result['2xx'] / result.duration,
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
          requests: result['2xx'],
          failures,
          errors: result.errors,
          timeouts: result.timeouts,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
}

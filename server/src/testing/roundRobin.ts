import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A load balancer on loopback that sends each request to the next backend in turn. */
export interface RoundRobin {
  readonly url: string;
  /** Sets the backends (base URLs); requests before that answer 503. */
  setBackends(urls: readonly string[]): void;
  /** Which backend (its index) served each request, as `METHOD path` → index, in order. */
  readonly served: { readonly request: string; readonly backend: number }[];
  close(): Promise<void>;
}

/**
 * Starts a strict round-robin HTTP balancer (no stickiness, no retries): what "several processes
 * behind one URL" means for the tests. Bodies and headers pass through unchanged.
 */
export async function startRoundRobin(): Promise<RoundRobin> {
  let backends: string[] = [];
  let next = 0;
  const served: { request: string; backend: number }[] = [];
  const server = http.createServer((req, res) => {
    if (backends.length === 0) {
      res.statusCode = 503;
      res.end();
      return;
    }
    const index = next % backends.length;
    next += 1;
    served.push({ request: `${req.method} ${(req.url ?? '/').split('?')[0]}`, backend: index });
    const target = new URL(req.url ?? '/', backends[index]);
    const upstream = http.request(target, { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => {
      res.statusCode = 502;
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setBackends(urls) {
      backends = [...urls];
    },
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

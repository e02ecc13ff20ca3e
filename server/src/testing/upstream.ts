import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a test upstream received. */
export interface ReceivedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** A local HTTP server for outbound-call tests that records what it received. */
export interface TestUpstream {
  readonly url: string;
  readonly port: number;
  readonly received: ReceivedRequest[];
  close(): Promise<void>;
}

/**
 * Starts a plain HTTP server on `host` (loopback by default, port 0). `handler` answers each
 * request after its body has been read; by default it echoes method, URL, headers and body as JSON.
 */
export async function startUpstream(
  handler?: (req: ReceivedRequest, res: http.ServerResponse) => void,
  opts: { host?: string } = {},
): Promise<TestUpstream> {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: ReceivedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      received.push(r);
      if (handler) handler(r, res);
      else {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ method: r.method, url: r.url, headers: r.headers, body: r.body.toString('utf8') }));
      }
    });
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve) => server.listen(0, host, () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://${host}:${port}`,
    port,
    received,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

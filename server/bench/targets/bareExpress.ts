import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';

/** A bare Express 5 app: the floor every Patchbay number is compared with. */
export interface BareExpress {
  readonly url: string;
  close(): Promise<void>;
}

/** Starts Express 5 with one `GET /bare` JSON route and nothing else (no middleware) on a loopback port. */
export async function startBareExpress(): Promise<BareExpress> {
  const app = express();
  app.get('/bare', (_req, res) => {
    res.json({ status: 'ok' });
  });
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

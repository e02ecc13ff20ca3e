import type { Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import type { Express } from 'express';

/** A listening demo service and how to stop it. */
export interface Listening {
  readonly server: Server;
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on `host:port` (0 = any free port) and answers the port and a `close` that drops open connections. */
export async function listen(app: Express, port: number, host = '127.0.0.1'): Promise<Listening> {
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.listen(port, host, (err?: Error) => (err ? reject(err) : resolve(s)));
    s.once('error', reject);
  });
  return {
    server,
    port: (server.address() as AddressInfo).port,
    close: () => closeServer(server),
  };
}

/** Closes a server at once (open keep-alive connections included). */
export async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** A port free on 127.0.0.1 right now (for services whose URL must be known before they start). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

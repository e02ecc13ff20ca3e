/**
 * A second Patchbay server process for the two-servers-on-one-database tests:
 * `node --import tsx src/testing/serverWorker.ts` with the usual environment (PATCHBAY_DB or
 * PATCHBAY_DATABASE_URL, PATCHBAY_ENCRYPTION_KEY, PATCHBAY_ALLOW_INSECURE_LOOPBACK=true, PORT=0). Builds the app with the
 * same `createApp` as production (system clock), listens on 127.0.0.1, prints one JSON line
 * `{ "url": "http://127.0.0.1:<port>" }` on stdout, and stays up until killed or its stdin closes
 * (so it cannot outlive a test process that died without killing it).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { startServer } from '../server.ts';

/**
 * With `PATCHBAY_TEST_FULL_SERVER=true`: `startServer` as `patchbay serve` runs it, with its run
 * worker and callback delivery worker (the callback durability test kills it with SIGKILL).
 */
async function full(): Promise<void> {
  const config = loadConfig({ PATCHBAY_LOG_LEVEL: 'silent', PATCHBAY_HOST: '127.0.0.1', ...process.env });
  const running = await startServer(config);
  const stop = () => void running.close(2_000).finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
}

async function main(): Promise<void> {
  if (process.env.PATCHBAY_TEST_FULL_SERVER === 'true') return full();
  const config = loadConfig({ PATCHBAY_LOG_LEVEL: 'silent', ...process.env });
  const app = await createApp({ config });
  const server = await new Promise<Server>((resolve, reject) => {
    const s = app.app.listen(config.port, '127.0.0.1', (err?: Error) => (err ? reject(err) : resolve(s)));
  });
  const stop = () => {
    server.closeAllConnections();
    server.close(() => {
      void app.close().finally(() => process.exit(0));
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // The parent holds our stdin open; when it goes away, so do we.
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

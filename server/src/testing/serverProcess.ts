import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { TestServer } from './harness.ts';

const serverDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const START_MS = 15_000;

/** A second Patchbay server process on a test server's database (`testing/serverWorker.ts`). */
export interface ServerProcess {
  readonly url: string;
  readonly child: ChildProcessWithoutNullStreams;
  /** Kills it (SIGKILL) and waits until it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts another Patchbay server process on `s`'s database with its key (the app `createApp`
 * builds in production, the system clock), `env` added; answers once it listens.
 */
export async function startServerProcess(s: TestServer, env: Record<string, string> = {}): Promise<ServerProcess> {
  // `node --import tsx` (what `npx tsx` runs) so the child is the server itself and SIGKILL reaches it.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/testing/serverWorker.ts'], {
    cwd: serverDir,
    env: {
      ...process.env,
      ...s.database.env,
      PATCHBAY_ENCRYPTION_KEY: s.encryptionKey,
      PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true',
      PATCHBAY_LOG_LEVEL: 'silent',
      PORT: '0',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const lines = readline.createInterface({ input: child.stdout });
  const first = lines[Symbol.asyncIterator]().next();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`second server did not start within ${START_MS} ms: ${stderr}`)), START_MS);
  });
  try {
    const line = await Promise.race([first, timeout]);
    if (line.done) throw new Error(`second server ended early: ${stderr}`);
    return { url: (JSON.parse(line.value) as { url: string }).url, child, stop };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A second OS process for the cross-process refresh test:
 * `node --import tsx src/testing/refreshWorker.ts <authId> <n>` with the database and key in the
 * environment (the test database's `env`, i.e. PATCHBAY_DB or PATCHBAY_DATABASE_URL, and
 * PATCHBAY_ENCRYPTION_KEY). Opens the same database, prints `ready`, waits for a line on stdin (the start signal), then
 * calls `getFreshCredentials` n times concurrently and prints one JSON line with the outcome:
 * `{ ok, accessTokens: [distinct tokens], errors: [codes] }`.
 */
import readline from 'node:readline';
import { loadConfig } from '../config.ts';
import { type AppContext, systemClock } from '../context.ts';
import { createKeyring } from '../crypto/keyring.ts';
import { openDatabase } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { createLogger } from '../log.ts';
import { getFreshCredentials } from '../services/auths/tokenRefresh.ts';

async function main(): Promise<void> {
  const [authId, count] = process.argv.slice(2);
  if (!authId || !count) throw new Error('usage: refreshWorker.ts <authId> <n>');
  const config = loadConfig({ ...process.env, PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true', PATCHBAY_LOG_LEVEL: 'silent' });
  const db = openDatabase(config);
  const ctx: AppContext = {
    config,
    db,
    keyring: createKeyring(config.encryptionKey),
    log: createLogger('silent'),
    clock: systemClock,
  };
  process.stdout.write('ready\n');
  const lines = readline.createInterface({ input: process.stdin });
  await new Promise<void>((resolve) => lines.once('line', () => resolve()));
  lines.close();
  const results = await Promise.allSettled(Array.from({ length: Number(count) }, () => getFreshCredentials(ctx, authId)));
  const tokens = new Set<string>();
  const errors: string[] = [];
  let ok = 0;
  for (const r of results) {
    if (r.status === 'fulfilled') {
      ok += 1;
      if (r.value.type === 'oauth2') tokens.add(r.value.accessToken);
    } else {
      errors.push(r.reason instanceof AppError ? `${r.reason.code}:${JSON.stringify(r.reason.details)}` : String(r.reason));
    }
  }
  await db.close();
  process.stdout.write(`${JSON.stringify({ ok, accessTokens: [...tokens], errors })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});

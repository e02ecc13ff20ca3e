import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config.ts';
import { generateKey } from '../crypto/keyring.ts';
import { startServer, stopOnSignals } from '../server.ts';
import { openCliContext } from './context.ts';
import { seedDemo } from './demoSeed.ts';
import { CliError, type CliIo, type Command, type Env, parseCommandArgs } from './io.ts';

const HELP = `Usage: patchbay demo

Starts Patchbay for a local try-out: uses PATCHBAY_DB or ./data/demo.db, generates an
encryption key when PATCHBAY_ENCRYPTION_KEY is not set (saved beside the database as demo.key,
for the demo only), seeds an owner admin, an API token and an embed configuration allowing
http://localhost:5174, prints their credentials, and serves on 127.0.0.1 (PORT, default 3000).
Running it again reuses the same data and prints the same credentials.`;

/** Picks the demo's key: the environment's, the one saved by an earlier demo run, or a new one (said aloud). */
function demoKey(env: Env, dbFile: string, io: CliIo): string {
  if (env.PATCHBAY_ENCRYPTION_KEY) return env.PATCHBAY_ENCRYPTION_KEY;
  const keyFile = path.join(path.dirname(path.resolve(dbFile)), 'demo.key');
  if (fs.existsSync(keyFile)) {
    io.err(`Using the demo encryption key saved in ${keyFile} (PATCHBAY_ENCRYPTION_KEY is not set).`);
    return fs.readFileSync(keyFile, 'utf8').trim();
  }
  if (fs.existsSync(dbFile)) {
    throw new CliError(
      `${dbFile} exists but its key is unknown (no PATCHBAY_ENCRYPTION_KEY and no ${keyFile}). Delete ${dbFile} to start a fresh demo, or set PATCHBAY_ENCRYPTION_KEY.`,
    );
  }
  const key = generateKey();
  fs.mkdirSync(path.dirname(keyFile), { recursive: true });
  fs.writeFileSync(keyFile, `${key}\n`, { mode: 0o600 });
  io.err(`PATCHBAY_ENCRYPTION_KEY is not set: generated a new encryption key for this demo and saved it to ${keyFile}.`);
  io.err('That is for the demo only; a real installation sets PATCHBAY_ENCRYPTION_KEY (see `patchbay keys generate`).');
  return key;
}

/** `patchbay demo`. */
export const demoCommand: Command = {
  summary: 'start a seeded local demo (generates a key if none is set)',
  async run(args, env, io) {
    if (!parseCommandArgs(args, {}, HELP, io)) return 0;
    const dbFile = env.PATCHBAY_DB ?? './data/demo.db';
    const demoEnv: Env = {
      PATCHBAY_HOST: '127.0.0.1',
      PATCHBAY_ALLOW_INSECURE_LOOPBACK: 'true',
      ...env,
      PATCHBAY_DB: dbFile,
      PATCHBAY_ENCRYPTION_KEY: demoKey(env, dbFile, io),
    };
    const config = loadConfig(demoEnv);
    const cli = openCliContext(config);
    let seed: Awaited<ReturnType<typeof seedDemo>>;
    try {
      seed = await seedDemo(cli.ctx);
    } finally {
      cli.close();
    }
    const running = await startServer(config);
    io.out(`Patchbay demo is running at ${running.url} (database ${dbFile}).`);
    io.out(seed.created.length > 0 ? `Seeded: ${seed.created.join(', ')}.` : 'Demo data was seeded before; reusing it.');
    io.out('');
    io.out(`Admin console login:  ${seed.adminEmail}`);
    io.out(`Admin password:       ${seed.adminPassword ?? '(changed since the demo created it)'}`);
    io.out(`API token:            ${seed.apiToken}`);
    io.out(`Embed configuration:  ${seed.configId} (allowed origin ${seed.allowedOrigin})`);
    io.out(
      `Embed signing secret: ${seed.signingSecret ? `${seed.signingSecret.value} (kid ${seed.signingSecret.kid}, HS256)` : '(none active)'}`,
    );
    io.out('');
    io.out(`Try: curl -H "Authorization: Bearer ${seed.apiToken}" ${running.url}/api/v1/openapi.json`);
    io.out('Stop with Ctrl+C.');
    await stopOnSignals(running, running.app.ctx.log);
    return 0;
  },
};

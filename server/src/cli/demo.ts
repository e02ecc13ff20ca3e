import fs from 'node:fs';
import path from 'node:path';
import { generateKey } from '../crypto/keyring.ts';
import { demoBanner } from '../demo/banner.ts';
import { DEFAULT_DEMO_PORTS, DEMO_PORT_VARIABLES, DemoPortError, type DemoPorts, type RunningDemo, startDemo } from '../demo/startDemo.ts';
import { CliError, type CliIo, type Command, type Env, parseCommandArgs } from './io.ts';

const HELP = `Usage: patchbay demo

Starts a local try-out of the whole journey, on loopback:
  Patchbay      http://127.0.0.1:3000 (PORT), public URL set to that address; the admin console
                at http://127.0.0.1:3000/admin (sign in as the seeded owner)
  Acme CRM      http://localhost:5174 (PATCHBAY_DEMO_ACME_PORT): a host page on a second origin that
                embeds the portal with the SDK script, mints embed tokens with @patchbay/sdk/node,
                switches between two users of one account and lists the events it receives
  Demo CRM      OAuth2 sign-in on http://127.0.0.1:5175 (PATCHBAY_DEMO_CRM_PORT; any login and
                password) and its API on :5176 (PATCHBAY_DEMO_CRM_API_PORT)
  Demo Mailer   a basic-auth API on :5177 (PATCHBAY_DEMO_MAILER_PORT; demo / demo-password)

Uses PATCHBAY_DB or ./data/demo.db and generates an encryption key when PATCHBAY_ENCRYPTION_KEY
is not set (saved beside the database as demo.key, for the demo only). Seeds an owner admin, an
API token, the Demo CRM and Demo Mailer connectors, three flows and an account-level embed
configuration, and prints the credentials. Running it again reuses the same data and prints the
same credentials. Ctrl+C stops everything. Patchbay logs at warn unless PATCHBAY_LOG_LEVEL is set.`;

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

/** Reads the demo's ports from the environment (see {@link DEMO_PORT_VARIABLES}). */
export function demoPorts(env: Env): DemoPorts {
  const out: Record<string, number> = {};
  for (const key of Object.keys(DEFAULT_DEMO_PORTS) as (keyof DemoPorts)[]) {
    const name = DEMO_PORT_VARIABLES[key];
    const text = env[name];
    if (text === undefined || text === '') {
      out[key] = DEFAULT_DEMO_PORTS[key];
      continue;
    }
    const port = Number(text);
    if (!/^\d{1,5}$/.test(text) || port > 65_535)
      throw new CliError(`${name} must be a port number (0-65535), not ${JSON.stringify(text)}`);
    out[key] = port;
  }
  return out as unknown as DemoPorts;
}

/** Checks that the parts other packages build are served, and says what to do when they are not. */
async function checkBuiltParts(demo: RunningDemo, io: CliIo): Promise<void> {
  const base = `http://127.0.0.1:${demo.ports.patchbay}`;
  for (const [route, what] of [
    ['/sdk/v1/patchbay.js', 'the SDK script'],
    [`/embed/${demo.seed.configId}`, 'the portal page'],
    ['/admin', 'the admin console'],
  ] as const) {
    const res = await fetch(`${base}${route}`).catch(() => null);
    await res?.arrayBuffer().catch(() => undefined);
    if (res?.status !== 200) {
      io.err(
        `Warning: Patchbay does not serve ${what} (${route} answered ${res?.status ?? 'nothing'}). Run \`pnpm build\` first (./scripts/demo.sh does).`,
      );
    }
  }
}

/**
 * Starts the demo from the environment and prints where to go; answers the running demo. The
 * `demo` command then waits for Ctrl+C; tests call this directly and close the demo themselves.
 */
export async function launchDemo(env: Env, io: CliIo): Promise<RunningDemo> {
  const dbFile = env.PATCHBAY_DB ?? './data/demo.db';
  const ports = demoPorts(env);
  let demo: RunningDemo;
  try {
    demo = await startDemo({ ports, env: { ...env, PATCHBAY_DB: dbFile, PATCHBAY_ENCRYPTION_KEY: demoKey(env, dbFile, io) } });
  } catch (err) {
    if (err instanceof DemoPortError) throw new CliError(err.message);
    throw err;
  }
  const notes = [
    ...demo.seed.created,
    ...demo.world.changed,
    ...(demo.activity.created ? ['runs, a failed callback, a connection to reconnect'] : []),
  ];
  io.err(notes.length > 0 ? `Seeded: ${notes.join(', ')}.` : 'Demo data was seeded before; reusing it.');
  await checkBuiltParts(demo, io);
  for (const line of demoBanner(demo)) io.out(line);
  return demo;
}

/** Resolves on the first SIGINT or SIGTERM; a second one exits at once. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(130));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

/** `patchbay demo`. */
export const demoCommand: Command = {
  summary: 'start the local demo: Patchbay, Acme CRM, Demo CRM, Demo Mailer (generates a key if none is set)',
  async run(args, env, io) {
    if (!parseCommandArgs(args, {}, HELP, io)) return 0;
    const demo = await launchDemo(env, io);
    await untilSignal();
    io.err('Stopping the demo…');
    await demo.close();
    io.err('Demo stopped.');
    return 0;
  },
};

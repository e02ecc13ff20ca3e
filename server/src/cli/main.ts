import { ConfigError } from '../config.ts';
import { KeyMismatchError } from '../crypto/keyBootstrap.ts';
import { DecryptError } from '../crypto/secretBox.ts';
import { SchemaTooNewError } from '../db/migrate.ts';
import { AppError } from '../errors.ts';
import { VERSION } from '../version.ts';
import { adminCreateCommand } from './adminCreate.ts';
import { backupCommand } from './backup.ts';
import { demoCommand } from './demo.ts';
import { CliError, type CliIo, type Command, type Env, UsageError } from './io.ts';
import { keysGenerateCommand, keysRotateCommand } from './keys.ts';
import { migrateCommand } from './migrate.ts';
import { serveCommand } from './serve.ts';
import { tokenCreateCommand } from './tokenCreate.ts';
import { workerCommand } from './worker.ts';

/** Every command by its words. */
const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  worker: workerCommand,
  migrate: migrateCommand,
  'admin create': adminCreateCommand,
  'token create': tokenCreateCommand,
  'keys generate': keysGenerateCommand,
  'keys rotate': keysRotateCommand,
  backup: backupCommand,
  demo: demoCommand,
};
const GROUPS = new Set(['admin', 'token', 'keys']);

function overview(group?: string): string {
  const names = Object.keys(COMMANDS).filter((n) => !group || n.startsWith(`${group} `));
  const width = Math.max(...names.map((n) => n.length));
  return [
    `Usage: patchbay ${group ?? '<command>'} ${group ? '<subcommand> ' : ''}[options]`,
    '',
    'Commands:',
    ...names.map((n) => `  ${n.padEnd(width)}  ${COMMANDS[n]?.summary ?? ''}`),
    '',
    `Run \`patchbay ${group ? `${group} <subcommand>` : '<command>'} --help\` for details. Configuration comes from the environment (see .env.example).`,
  ].join('\n');
}

/** Runs the `patchbay` command line; answers the exit code. Only the entry point passes `process.env`. */
export async function runCli(argv: readonly string[], env: Env, io: CliIo): Promise<number> {
  const [first, second] = argv;
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    io.out(overview());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    io.out(VERSION);
    return 0;
  }
  let name = first;
  let rest = argv.slice(1);
  if (GROUPS.has(first)) {
    if (second === undefined || second === '--help' || second === '-h') {
      io.out(overview(first));
      return second === undefined ? 2 : 0;
    }
    name = `${first} ${second}`;
    rest = argv.slice(2);
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`patchbay: unknown command "${name}"\n\n${overview(GROUPS.has(first) ? first : undefined)}`);
    return 2;
  }
  try {
    return await command.run([...rest], env, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`patchbay ${name}: ${err.message}\nRun \`patchbay ${name} --help\` for usage.`);
      return 2;
    }
    if (
      err instanceof ConfigError ||
      err instanceof CliError ||
      err instanceof SchemaTooNewError ||
      err instanceof KeyMismatchError ||
      err instanceof DecryptError ||
      err instanceof AppError
    ) {
      io.err(err.message);
      return 1;
    }
    const e = err as NodeJS.ErrnoException;
    if (e?.code === 'EADDRINUSE' || e?.code === 'EACCES') {
      io.err(`patchbay ${name}: cannot listen: ${e.message}`);
      return 1;
    }
    io.err(`patchbay ${name} failed: ${e?.stack ?? String(err)}`);
    return 1;
  }
}

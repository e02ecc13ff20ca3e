import { type ParseArgsConfig, parseArgs } from 'node:util';

/** Where a command writes: `out` for results (secrets a command exists to show included), `err` for notes. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

/** The process's stdout and stderr. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
};

/** The environment a command reads; only `loadConfig` and the CLI's own few variables look at it. */
export type Env = Record<string, string | undefined>;

/** One `patchbay` command. Answers the exit code. */
export interface Command {
  /** One line for the overview. */
  readonly summary: string;
  run(args: string[], env: Env, io: CliIo): Promise<number>;
}

/** Wrong use of the command line (exit code 2, with a pointer to `--help`). */
export class UsageError extends Error {}

/** A command failed for a reason the user can fix; the message is printed as is (exit code 1). */
export class CliError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * Parses a command's arguments strictly (`--help`/`-h` added). Answers null after printing the
 * help text when asked for it; unknown options and stray positionals are a {@link UsageError}.
 */
export function parseCommandArgs(
  args: string[],
  options: Options,
  help: string,
  io: CliIo,
): Record<string, string | boolean | undefined> | null {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    io.out(help);
    return null;
  }
  return values as Record<string, string | boolean | undefined>;
}

/** A required string option, or a {@link UsageError} naming it. */
export function required(value: string | boolean | undefined, name: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value.trim();
}

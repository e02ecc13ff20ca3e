import fs from 'node:fs';
import path from 'node:path';
import { type Config, loadConfig } from '../config.ts';
import { sql } from '../db/sql.ts';
import { sqliteConnection } from '../db/sqliteDriver.ts';
import { openCliContext } from '../openContext.ts';
import { CliError, type Command, UsageError } from './io.ts';

const HELP = `Usage: patchbay backup <file>

Writes a consistent copy of the SQLite database (PATCHBAY_DB) to <file> while Patchbay keeps
running (SQLite's online backup: writers are not blocked; the copy is the database at one
instant). The copy is then opened with PATCHBAY_ENCRYPTION_KEY and checked with
PRAGMA integrity_check, so a copy that would not open is reported at once. <file> must not exist.

Restore: stop every Patchbay process, put the copy in place of PATCHBAY_DB (and remove the old
file's -wal and -shm files), start Patchbay with the same PATCHBAY_ENCRYPTION_KEY.

On PostgreSQL (PATCHBAY_DATABASE_URL set) use pg_dump / pg_restore instead.`;

/** Opens `file` as Patchbay's database with `config`'s key and answers SQLite's integrity verdict. */
async function verifyCopy(config: Config, file: string): Promise<string> {
  const cli = await openCliContext({ ...config, databaseUrl: null, dbFile: file });
  try {
    const rows = await cli.ctx.db.all<{ integrity_check: string }>(sql`PRAGMA integrity_check`);
    return rows.map((r) => r.integrity_check).join('; ');
  } finally {
    await cli.close();
  }
}

/** `patchbay backup <file>`. */
export const backupCommand: Command = {
  summary: 'write a consistent copy of the SQLite database while the server runs',
  async run(args, env, io) {
    if (args.includes('--help') || args.includes('-h')) {
      io.out(HELP);
      return 0;
    }
    const unknown = args.find((a) => a.startsWith('-'));
    if (unknown) throw new UsageError(`unknown option ${unknown}`);
    if (args.length !== 1) throw new UsageError(args.length === 0 ? 'name the file to write' : 'expected one file');
    const target = path.resolve(args[0] as string);
    const config = loadConfig(env);
    if (config.databaseUrl !== null)
      throw new CliError(
        'patchbay backup copies the SQLite database; this installation uses PostgreSQL (PATCHBAY_DATABASE_URL). Use pg_dump (e.g. pg_dump --format=custom "$PATCHBAY_DATABASE_URL" > patchbay.dump) and pg_restore.',
      );
    if (fs.existsSync(target)) throw new CliError(`${target} already exists; name a new file.`);
    if (path.resolve(config.dbFile) === target) throw new CliError('the copy must not be the database itself.');
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const cli = await openCliContext(config);
    try {
      const raw = sqliteConnection(cli.database);
      if (!raw) throw new CliError('patchbay backup: the database is not SQLite.');
      const started = Date.now();
      const result = await raw.backup(target);
      io.err(`Copied ${result.totalPages} pages of ${path.resolve(config.dbFile)} in ${Date.now() - started} ms.`);
    } catch (err) {
      fs.rmSync(target, { force: true });
      throw err;
    } finally {
      await cli.close();
    }
    const verdict = await verifyCopy(config, target);
    for (const suffix of ['-wal', '-shm']) fs.rmSync(`${target}${suffix}`, { force: true });
    if (verdict !== 'ok') throw new CliError(`the copy at ${target} failed PRAGMA integrity_check: ${verdict}`);
    io.out(`Backup written to ${target} (integrity check ok; it opens with this PATCHBAY_ENCRYPTION_KEY).`);
    return 0;
  },
};

import { loadConfig } from '../config.ts';
import { LATEST_SCHEMA_VERSION, schemaVersion } from '../db/migrate.ts';
import { openCliContext } from '../openContext.ts';
import { type Command, parseCommandArgs } from './io.ts';

const HELP = `Usage: patchbay migrate

Applies pending database migrations (each in its own transaction) and prints the versions
applied. Refuses a database written by a newer Patchbay. Uses PATCHBAY_DATABASE_URL (PostgreSQL)
or else PATCHBAY_DB (SQLite), and checks PATCHBAY_ENCRYPTION_KEY against the keys the data was
written with.`;

/** `patchbay migrate`. */
export const migrateCommand: Command = {
  summary: 'apply database migrations',
  async run(args, env, io) {
    if (!parseCommandArgs(args, {}, HELP, io)) return 0;
    const config = loadConfig(env);
    const cli = await openCliContext(config);
    try {
      const version = await schemaVersion(cli.ctx.db);
      if (cli.applied.length === 0) io.out(`Database ${cli.database.describe} is up to date at schema version ${version}.`);
      else
        io.out(
          `Applied migration(s) ${cli.applied.join(', ')} to ${cli.database.describe}; schema version is now ${version} of ${LATEST_SCHEMA_VERSION}.`,
        );
      return 0;
    } finally {
      await cli.close();
    }
  },
};

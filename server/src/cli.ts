/** The `patchbay` command line. The one place that reads `process.env` and `process.argv`. */
import { processIo } from './cli/io.ts';
import { runCli } from './cli/main.ts';

process.exitCode = await runCli(process.argv.slice(2), process.env, processIo);

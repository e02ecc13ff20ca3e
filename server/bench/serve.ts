/**
 * The server side of `pnpm bench`, forked by `run.ts` so the servers get their own event loop
 * and CPU instead of sharing one with the load generator. Starts the targets, prepares the
 * scenarios it is asked for (seeding data, checking one request), and answers the request to fire.
 */

import type { LogLevel } from '../src/log.ts';
import type { FromServer, ToServer } from './protocol.ts';
import { SCENARIOS } from './scenarios/index.ts';
import type { Prepared, Targets } from './scenarios/scenario.ts';
import { startBareExpress } from './targets/bareExpress.ts';
import { startPatchbay } from './targets/patchbay.ts';

const send = (msg: FromServer) => process.send?.(msg);
// run.ts validated BENCH_LOG_LEVEL before forking.
const logLevel = (process.env.BENCH_LOG_LEVEL ?? 'info') as LogLevel | 'silent';

const targets: Targets = {
  bare: await startBareExpress(),
  patchbay: await startPatchbay({ logLevel, databaseUrl: process.env.BENCH_DATABASE_URL }),
};
const prepared: Prepared[] = [];

process.on('message', async (msg: ToServer) => {
  if (msg.type === 'stop') {
    for (const p of prepared) await p.close?.();
    await targets.bare.close();
    await targets.patchbay.close();
    send({ type: 'stopped' });
    process.disconnect();
    return;
  }
  const scenario = SCENARIOS.find((s) => s.name === msg.name);
  try {
    if (!scenario) throw new Error(`no scenario named ${msg.name}`);
    const p = await scenario.prepare(targets);
    prepared.push(p);
    send({ type: 'prepared', name: msg.name, request: p.request });
  } catch (err) {
    send({ type: 'failed', name: msg.name, error: err instanceof Error ? err.message : String(err) });
  }
});
send({ type: 'ready' });
